"""Completion acceptance over the API: units, notice, meeting, items and sign-offs, filing,
supervisors and their accounts, notes, hand-over; who may do what; refusals write nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from renovation import accounts
from renovation.domain.parts.acceptance import ACCEPTANCE_UNITS, UNIT_ROLES
from tests.conftest import bearer, project_payload, walk
from tests.helpers import credit_code, unit_data

TODAY = date(2026, 9, 30)


def project_at_acceptance(client, web_app) -> str:
    rt = web_app.extensions["renovation"]
    rt.app.today = lambda: TODAY
    pid = client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]
    walk(rt.app, uuid.UUID(pid), "acceptance_inspection")
    rt.catch_up()
    return pid


def post(client, web_app, path: str, body: dict, role: str = "staff", token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else bearer(web_app, role)
    return client.post(path, json=body, headers=headers)


def version(client, pid: str) -> int:
    return client.get(f"/api/projects/{pid}/acceptance").get_json()["version"]


def record_units_and_notice(client, web_app, pid: str) -> None:
    for n, role in enumerate(UNIT_ROLES, start=1):
        assert (
            post(client, web_app, f"/api/projects/{pid}/units", unit_data(role, n)).status_code
            == 201
        )
    notice = {
        "notified_on": (TODAY - timedelta(days=14)).isoformat(),
        "meeting_on": TODAY.isoformat(),
        "place": "小区活动室",
        "group": ["建设单位项目负责人"],
    }
    assert (
        post(client, web_app, f"/api/projects/{pid}/acceptance/notices", notice).status_code == 201
    )


def meeting(defects=(), units=ACCEPTANCE_UNITS, conclusion="passed_with_rectification") -> dict:
    return {
        "held_on": TODAY.isoformat(),
        "place": "小区活动室",
        "units_present": list(units),
        "representatives": [{"role": "resident_representative"}],
        "conclusion": conclusion,
        "defects": list(defects),
    }


def defect(what: str, due: date, supervisors=()) -> dict:
    return {
        "what": what,
        "building": "1",
        "unit": "1",
        "responsible": "construction",
        "due_on": due.isoformat(),
        "supervisors": list(supervisors),
    }


def supervisor_with_account(client, web_app, pid: str, username: str = "wangxy") -> tuple[str, str]:
    answer = post(
        client,
        web_app,
        f"/api/projects/{pid}/supervisors",
        {"name": "王秀英", "role_label": "2幢居民监督员"},
    )
    assert answer.status_code == 201
    sid = answer.get_json()["supervisor_id"]
    made = post(
        client,
        web_app,
        f"/api/projects/{pid}/supervisors/{sid}/account",
        {"username": username, "password": "监督员密码123"},
    )
    assert made.status_code == 201, made.get_json()
    engine = web_app.extensions["renovation"].engine
    return sid, accounts.issue_token(engine, username)


def test_a_project_goes_through_acceptance_with_a_supervisor_signing_off(client, web_app):
    pid = project_at_acceptance(client, web_app)
    record_units_and_notice(client, web_app, pid)
    sid, token = supervisor_with_account(client, web_app, pid)
    answer = post(
        client,
        web_app,
        f"/api/projects/{pid}/acceptance/meetings",
        meeting([defect("2幢外墙渗水", TODAY + timedelta(days=20), [sid])]),
    )
    assert answer.status_code == 201, answer.get_json()
    (item,) = answer.get_json()["item_ids"]
    base = f"/api/projects/{pid}/acceptance/items/{item}"
    assert post(
        client, web_app, f"/api/projects/{pid}/transitions", {"to_stage": "rectification"}
    ).status_code in (200, 201)

    # Only co-approvers sign off, and only once the work is ready.
    assert post(client, web_app, f"{base}/work-required", {"note": "进场"}).status_code == 200
    assert post(client, web_app, f"{base}/ready", {"note": "已修补"}).status_code == 200
    refused = post(client, web_app, f"{base}/reopen", {"reason": ""}, token=token)
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    assert (
        post(client, web_app, f"{base}/reopen", {"reason": "仍有渗水痕迹"}, token=token).status_code
        == 200
    )
    assert post(client, web_app, f"{base}/ready", {"note": "二次修补"}).status_code == 200
    assert post(client, web_app, f"{base}/approve", {}, token=token).status_code == 200
    staff = post(client, web_app, f"{base}/approve", {"approver": "supervision_unit"})
    assert staff.status_code == 200

    body = client.get(f"/api/projects/{pid}/acceptance").get_json()
    (row,) = body["items"]
    assert row["status"] == "closed" and body["open_items"] == []
    approvals = [h for h in row["history"] if h["status"] == "approved"]
    assert [(h["approver"], h["on_behalf"]) for h in approvals] == [
        (sid, False),
        ("supervision_unit", True),
    ]
    assert [h["status"] for h in row["history"]][-1] == "closed"
    assert body["supervisors"] == {sid: {"supervisor_id": sid, "role_label": "2幢居民监督员"}}
    assert "王秀英" not in str(body)

    back = {"to_stage": "acceptance_inspection"}
    assert post(client, web_app, f"/api/projects/{pid}/transitions", back).status_code == 200
    moved = post(
        client,
        web_app,
        f"/api/projects/{pid}/transitions",
        {"to_stage": "accepted", "effective_on": TODAY.isoformat()},
    )
    assert moved.status_code == 200, moved.get_json()
    filed = post(
        client, web_app, f"/api/projects/{pid}/acceptance/filing", {"filing_number": "备-2026-031"}
    )
    assert filed.status_code == 201
    assert client.get(f"/api/projects/{pid}/acceptance").get_json()["filing"] == {
        "filing_number": "备-2026-031",
        "filed_on": TODAY.isoformat(),
    }


def test_a_supervisor_account_is_limited_to_its_own_project_and_sign_offs(client, web_app):
    pid = project_at_acceptance(client, web_app)
    other = project_at_acceptance(client, web_app)
    record_units_and_notice(client, web_app, pid)
    sid, token = supervisor_with_account(client, web_app, pid)
    answer = post(
        client,
        web_app,
        f"/api/projects/{pid}/acceptance/meetings",
        meeting([defect("路面破损", TODAY + timedelta(days=5))]),  # no supervisor co-approves
    )
    (item,) = answer.get_json()["item_ids"]
    base = f"/api/projects/{pid}/acceptance/items/{item}"
    post(client, web_app, f"{base}/ready", {"note": "已修"})
    before = version(client, pid)

    not_theirs = post(client, web_app, f"{base}/approve", {}, token=token)
    assert not_theirs.status_code == 422
    assert not_theirs.get_json()["code"] == "not_co_approver"
    # Staff-only writes and another project are refused.
    assert post(client, web_app, f"{base}/ready", {}, token=token).status_code == 403
    assert (
        post(
            client, web_app, f"/api/projects/{pid}/units", unit_data("design"), token=token
        ).status_code
        == 403
    )
    elsewhere = post(
        client, web_app, f"/api/projects/{other}/inspection-notes", {"text": "巡查"}, token=token
    )
    assert elsewhere.status_code == 403 and elsewhere.get_json()["code"] == "not_your_project"
    assert version(client, pid) == before

    # Its own note is recorded as its own; staff's paper note is marked on behalf.
    own = post(
        client,
        web_app,
        f"/api/projects/{pid}/inspection-notes",
        {"text": "雨水管已接通"},
        token=token,
    )
    assert own.status_code == 201
    paper = post(
        client,
        web_app,
        f"/api/projects/{pid}/inspection-notes",
        {"text": "纸质巡查记录", "supervisor_id": sid},
    )
    assert paper.status_code == 201
    notes = client.get(f"/api/projects/{pid}/acceptance").get_json()["notes"]
    assert [(n["text"], n["supervisor_id"], n["on_behalf"]) for n in notes] == [
        ("雨水管已接通", sid, False),
        ("纸质巡查记录", sid, True),
    ]
    # It uploads photos for its own project only.
    from io import BytesIO

    from PIL import Image

    picture = BytesIO()
    Image.new("RGB", (32, 32), (10, 90, 200)).save(picture, "PNG")
    auth = {"Authorization": f"Bearer {token}"}
    upload = client.post(
        f"/api/projects/{pid}/photos",
        data={"photo": (BytesIO(picture.getvalue()), "p.png")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    other_upload = client.post(
        f"/api/projects/{other}/photos",
        data={"photo": (BytesIO(picture.getvalue()), "p.png")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert other_upload.status_code == 403
    # The account sees none of staff's pages.
    assert client.get(
        f"/api/projects/{pid}/events", headers={"Authorization": f"Bearer {token}"}
    ).status_code in (401, 403)


def test_refusals_name_the_field_and_write_nothing(client, web_app):
    pid = project_at_acceptance(client, web_app)
    bad_code = dict(unit_data("design"), credit_code=credit_code(3)[:-1] + "0")
    if bad_code["credit_code"] == credit_code(3):
        bad_code["credit_code"] = credit_code(3)[:-1] + "1"
    before = version(client, pid)
    answer = post(client, web_app, f"/api/projects/{pid}/units", bad_code)
    assert answer.status_code == 422
    assert answer.get_json()["errors"].keys() == {"credit_code"}
    record_units_and_notice(client, web_app, pid)
    before = version(client, pid)

    missing = post(
        client,
        web_app,
        f"/api/projects/{pid}/acceptance/meetings",
        meeting(units=[u for u in ACCEPTANCE_UNITS if u != "design"], conclusion="passed"),
    )
    assert missing.status_code == 422 and "units_present" in missing.get_json()["errors"]
    assert "design" not in missing.get_json()["message"]
    early_notice = {
        "notified_on": TODAY.isoformat(),
        "meeting_on": (TODAY + timedelta(days=2)).isoformat(),
        "place": "小区活动室",
        "group": ["监理"],
    }
    early = post(client, web_app, f"/api/projects/{pid}/acceptance/notices", early_notice)
    assert early.status_code == 422 and "meeting_on" in early.get_json()["errors"]
    not_an_item = post(
        client,
        web_app,
        f"/api/projects/{pid}/acceptance/items/9/approve",
        {"approver": "supervision_unit"},
    )
    assert not_an_item.status_code == 404
    other_district = post(
        client,
        web_app,
        f"/api/projects/{pid}/supervisors",
        {"name": "李", "role_label": "监督员"},
        role="other_staff",
    )
    assert other_district.status_code == 403
    assert (
        post(
            client,
            web_app,
            f"/api/projects/{pid}/supervisors",
            {"name": "李", "role_label": "监督员"},
            role="auditor",
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/projects/{pid}/supervisors", json={"name": "李", "role_label": "监督员"}
        ).status_code
        == 401
    )
    assert (
        post(
            client,
            web_app,
            f"/api/projects/{pid}/supervisors/supervisor-9/account",
            {"username": "nobody", "password": "12345678a"},
        ).status_code
        == 404
    )
    assert version(client, pid) == before
    gate = post(client, web_app, f"/api/projects/{pid}/transitions", {"to_stage": "accepted"})
    assert gate.status_code == 409 and gate.get_json()["code"] == "no_acceptance_record"


def test_a_supervisor_gets_one_account(client, web_app):
    pid = project_at_acceptance(client, web_app)
    sid, _ = supervisor_with_account(client, web_app, pid)
    again = post(
        client,
        web_app,
        f"/api/projects/{pid}/supervisors/{sid}/account",
        {"username": "second", "password": "another-pass1"},
    )
    assert again.status_code == 422 and again.get_json()["code"] == "supervisor_has_account"
    engine = web_app.extensions["renovation"].engine
    assert accounts.supervisor_account_names(engine, pid) == {sid: "wangxy"}
    assert accounts.authenticate(engine, "second", "another-pass1") is None


def test_the_public_view_of_a_project_without_records(client, web_app):
    pid = project_at_acceptance(client, web_app)
    body = client.get(f"/api/projects/{pid}/acceptance").get_json()
    assert body["has_record"] is False and body["items"] == [] and body["filing"] is None
    assert client.get(f"/api/projects/{uuid.uuid4()}/acceptance").status_code == 404


def test_a_milestone_names_a_recorded_unit_doing_its_work(client, web_app):
    rt = web_app.extensions["renovation"]
    rt.app.today = lambda: TODAY
    pid = client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]
    walk(rt.app, uuid.UUID(pid), "in_plan")
    milestone = {
        "name": "一期雨污分流",
        "item_id": "item-1",
        "quantity": "600",
        "planned_start": "2026-10-01",
        "planned_finish": "2026-11-30",
    }
    mid = post(client, web_app, f"/api/projects/{pid}/milestones", milestone).get_json()[
        "milestone_id"
    ]
    path = f"/api/projects/{pid}/milestones/{mid}/builder"
    before = version(client, pid)
    missing = post(client, web_app, path, {"unit_role": "construction"})
    assert missing.status_code == 422 and missing.get_json()["code"] == "unit_not_recorded"
    assert "unit_role" in missing.get_json()["errors"]
    assert (
        post(
            client,
            web_app,
            f"{path[: -len(mid) - 8]}milestone-9/builder",
            {"unit_role": "construction"},
        ).status_code
        == 404
    )
    assert version(client, pid) == before
    unit = unit_data("construction", 4)
    assert post(client, web_app, f"/api/projects/{pid}/units", unit).status_code == 201
    assert post(client, web_app, path, {"unit_role": "construction"}).status_code == 200
    assert client.get(f"/api/projects/{pid}/acceptance").get_json()["builders"] == {
        mid: "construction"
    }
    page = client.get(f"/projects/{pid}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert unit["name"] in page and "施工单位" in page
