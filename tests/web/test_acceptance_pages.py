"""Completion acceptance on the pages: the staff page records units, notice, meeting, items and
sign-offs; a resident supervisor signs off on their own page; residents follow it on the
project page; refused forms name the field and write nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from uuid import UUID

import pytest

from renovation.domain.parts.acceptance import ACCEPTANCE_UNITS, UNIT_ROLES
from renovation.projections.store import get_acceptance
from renovation.web import runtime
from tests.conftest import STAFF, project_payload, registration, walk
from tests.helpers import legacy_accept, make_app, signed_in, unit_data

TODAY = date(2026, 9, 30)


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    app.extensions["renovation"].app.today = lambda: TODAY
    yield app
    app.extensions["renovation"].close()


def text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def walked(app) -> str:
    with app.app_context():
        rt = runtime()
        pid = rt.app.register_project(registration(project_payload()), actor=STAFF).project_id
        walk(rt.app, pid, "acceptance_inspection")
        rt.catch_up()
    return str(pid)


def version(app, pid: str) -> int:
    with app.app_context():
        row = get_acceptance(runtime().engine, pid)
    return row["version"] if row else 0


def record_units_and_notice(staff, pid: str) -> None:
    base = f"/staff/projects/{pid}/acceptance"
    for n, role in enumerate(UNIT_ROLES, start=1):
        assert staff.post(f"{base}/unit", data=unit_data(role, n)).status_code == 302
    notice = {
        "notified_on": (TODAY - timedelta(days=14)).isoformat(),
        "meeting_on": TODAY.isoformat(),
        "place": "小区活动室",
        "group": "建设单位项目负责人\n监理单位总监",
    }
    assert staff.post(f"{base}/notice", data=notice).status_code == 302


def test_staff_record_the_acceptance_and_a_supervisor_signs_off_on_their_page(app):
    pid = walked(app)
    staff = signed_in(app, "staff")
    base = f"/staff/projects/{pid}/acceptance"
    record_units_and_notice(staff, pid)
    answer = staff.post(
        f"{base}/supervisor", data={"name": "王秀英", "role_label": "2幢居民监督员"}
    )
    assert answer.status_code == 302
    made = staff.post(
        f"/staff/projects/{pid}/supervisors/supervisor-1/account",
        data={"username": "wangxy", "password": "监督员密码123"},
    )
    assert made.status_code == 302
    meeting = {
        "held_on": TODAY.isoformat(),
        "place": "小区活动室",
        "units_present": list(ACCEPTANCE_UNITS),
        "rep_roles": ["resident_representative"],
        "rep_supervisors": ["supervisor-1"],
        "conclusion": "passed_with_rectification",
        "defect-0-what": "2幢外墙渗水",
        "defect-0-building": "1",
        "defect-0-responsible": "construction",
        "defect-0-due_on": (TODAY + timedelta(days=20)).isoformat(),
        "defect-0-supervisors": ["supervisor-1"],
    }
    assert staff.post(f"{base}/meeting", data=meeting).status_code == 302
    assert staff.post(f"{base}/items/1/ready", data={"note": "已修补"}).status_code == 302
    page = text(staff.get(base))
    assert "2幢外墙渗水" in page and "待复查" in page
    assert "王秀英" not in page  # the name stays sealed, even for staff pages

    # The supervisor signs in on a phone and lands on their own page.
    phone = app.test_client()
    login = phone.post("/login", data={"username": "wangxy", "password": "监督员密码123"})
    assert login.headers["Location"].endswith("/supervise")
    mine = text(phone.get("/supervise"))
    assert "2幢外墙渗水" in mine and "2幢居民监督员" in mine
    assert phone.get("/staff").status_code == 403
    assert phone.get(base).status_code == 403
    refused = phone.post("/supervise/items/1/reopen", data={"reason": ""})
    assert refused.status_code == 422
    assert phone.post("/supervise/items/1/approve", data={"note": "已查看"}).status_code == 302
    assert phone.post("/supervise/notes", data={"text": "雨水管已接通"}).status_code == 302
    # The supervision unit's paper sign-off closes the item.
    signed = staff.post(f"{base}/items/1/approve", data={"approver": "supervision_unit"})
    assert signed.status_code == 302

    with app.app_context():
        row = get_acceptance(runtime().engine, pid)
    item = row["items"]["1"]
    assert item["status"] == "closed"
    assert [
        (h["approver"], h["on_behalf"]) for h in item["history"] if h["status"] == "approved"
    ] == [
        ("supervisor-1", False),
        ("supervision_unit", True),
    ]
    assert row["notes"][0]["on_behalf"] is False

    public = text(app.test_client().get(f"/projects/{pid}"))
    assert "2幢外墙渗水" in public and "2幢居民监督员" in public
    assert (
        "王秀英" not in public and "supervisor-1" not in public and "supervision_unit" not in public
    )


def test_a_refused_form_names_the_field_and_writes_nothing(app):
    pid = walked(app)
    staff = signed_in(app, "staff")
    base = f"/staff/projects/{pid}/acceptance"
    bad = dict(unit_data("design"), credit_code="91320100MA0000001X")
    answer = staff.post(f"{base}/unit", data=bad)
    assert answer.status_code == 422
    assert "统一社会信用代码" in text(answer)
    assert 'id="unit-credit_code-errors"' in answer.get_data(as_text=True)
    assert version(app, pid) == 0
    record_units_and_notice(staff, pid)
    before = version(app, pid)
    meeting = {
        "held_on": TODAY.isoformat(),
        "place": "小区活动室",
        "units_present": [u for u in ACCEPTANCE_UNITS if u != "design"],
        "conclusion": "passed_with_rectification",
        "defect-0-what": "路面破损",
        "defect-0-responsible": "construction",
        "defect-0-due_on": "明天",
    }
    answer = staff.post(f"{base}/meeting", data=meeting)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="meeting-defect-0-due_on-errors"' in html
    assert version(app, pid) == before
    meeting["defect-0-due_on"] = TODAY.isoformat()
    answer = staff.post(f"{base}/meeting", data=meeting)
    assert answer.status_code == 422
    assert "设计单位" in text(answer)  # the missing unit, by its label
    assert version(app, pid) == before


def test_pages_need_the_right_role(app):
    pid = walked(app)
    assert app.test_client().get(f"/staff/projects/{pid}/acceptance").status_code == 302
    auditor = signed_in(app, "auditor", districts=())
    assert auditor.get(f"/staff/projects/{pid}/acceptance").status_code == 403
    assert auditor.get("/supervise").status_code == 403
    other = signed_in(app, "staff", username="li", districts=("天宁区",))
    assert (
        other.post(f"/staff/projects/{pid}/acceptance/unit", data=unit_data("design")).status_code
        == 403
    )


def test_a_project_accepted_before_records_says_none_exists(app):
    pid = walked(app)
    with app.app_context():
        legacy_accept(runtime().app, UUID(pid))
        runtime().catch_up()
    page = text(app.test_client().get(f"/projects/{pid}"))
    assert "已验收" in page
    assert "no acceptance record exists" in page or "没有验收记录" in page
    assert "验收会尚未召开" not in page


def jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_supervisor_note_carries_photos_and_a_hostile_file_is_refused(app):
    from io import BytesIO

    pid = walked(app)
    staff = signed_in(app, "staff")
    staff.post(
        f"/staff/projects/{pid}/acceptance/supervisor",
        data={"name": "王秀英", "role_label": "2幢居民监督员"},
    )
    staff.post(
        f"/staff/projects/{pid}/supervisors/supervisor-1/account",
        data={"username": "wangxy", "password": "监督员密码123"},
    )
    phone = app.test_client()
    phone.post("/login", data={"username": "wangxy", "password": "监督员密码123"})
    before = version(app, pid)
    hostile = phone.post(
        "/supervise/notes",
        data={"text": "雨水管已接通", "photos": (BytesIO(b"<html><script>x</script>"), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert hostile.status_code == 422
    assert 'id="note-photos-errors"' in hostile.get_data(as_text=True)
    assert "a.jpg" in text(hostile)
    assert version(app, pid) == before
    sent = phone.post(
        "/supervise/notes",
        data={"text": "雨水管已接通", "photos": [(BytesIO(jpeg()), "p1.jpg")]},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    with app.app_context():
        (note,) = get_acceptance(runtime().engine, pid)["notes"]
        (sha,) = note["photos"]
        assert runtime().photo_store.exists(sha)
    page = app.test_client().get(f"/projects/{pid}").get_data(as_text=True)
    assert f"/photos/{sha}/thumbnail" in page
    assert app.test_client().get(f"/photos/{sha}/thumbnail").status_code == 200


def test_the_project_page_summarises_the_satisfaction_result(app):
    from tests.conftest import hold_evaluation

    pid = walked(app)
    with app.app_context():
        rt = runtime()
        walk(rt.app, UUID(pid), "evaluation")
        answers = ["satisfied", "basically_satisfied", "dissatisfied", "dissatisfied"]
        hold_evaluation(rt.app, UUID(pid), answers)
        rt.catch_up()
        flats = len(rt.app.get_project(UUID(pid)).flats())
    page = text(app.test_client().get(f"/projects/{pid}"))
    assert "满意率 50.0%" in page and "未达到要求的 90.0%" in page
    assert "(1 + 1) ÷ 4" in page
    assert f"{flats} 户中 4 户作答" in page
