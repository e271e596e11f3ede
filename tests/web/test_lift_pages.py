"""Lift retrofits on the pages, through Flask's test client: the unit's public notice page,
voting with a household code, objections, and the staff pages that run the retrofit."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from renovation.domain.project import Actor
from renovation.web import runtime
from tests.conftest import STAFF
from tests.helpers import confirmed, signed_in
from tests.integration.test_lifts import six_storey_unit

PAPER = Actor(STAFF.id, STAFF.role, "paper")
LIFT = "3-1"
VOTES = {
    **{f"3-1-{floor}0{door}": "agree" for floor in range(1, 7) for door in (1, 2)},
    "3-1-202": "disagree",
    "3-1-302": "abstain",
}
AGREEMENT = {
    "manager": "3幢1单元加装电梯业主小组",
    "budget": Decimal("600000.00"),
    "cost_sharing": "按楼层系数与面积分摊",
    "maintenance_sharing": "二层以上按户均摊",
}


# ---- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


def register(app: Flask, district: str = "清江浦区") -> str:
    with app.app_context():
        rt = runtime()
        payload = six_storey_unit()
        payload["community"]["district"] = district
        project_id = rt.app.register_project(payload, actor=STAFF).project_id
        rt.catch_up()
    return str(project_id)


def events(app: Flask) -> int:
    with app.app_context():
        return runtime().app.recorder.max_notification_id() or 0


def with_app(app: Flask, work) -> Any:
    with app.app_context():
        rt = runtime()
        value = work(rt.app)
        rt.catch_up()
        return value


def propose(app: Flask, project_id: str, votes: dict[str, str] | None = None) -> None:
    def work(application):
        pid = UUID(project_id)
        now = application.clock()
        application.propose_lift(
            pid,
            {
                "building": "3",
                "unit": "1",
                "veto_flats": ["3-1-101"],
                "poll_opens_at": now - timedelta(hours=1),
                "poll_closes_at": now + timedelta(days=10),
            },
            actor=STAFF,
        )
        for flat_id, choice in (votes or {}).items():
            application.cast_lift_vote(pid, LIFT, flat_id=flat_id, choice=choice, actor=PAPER)

    with_app(app, work)


def move_clock(app: Flask, by: timedelta) -> None:
    with app.app_context():
        application = runtime().app
        start = application.clock()
        application.clock = lambda: start + by


def close_poll(app: Flask, project_id: str) -> None:
    move_clock(app, timedelta(days=11))
    with_app(app, lambda a: a.close_lift_poll(UUID(project_id), LIFT, actor=STAFF))


def to_public_notice(app: Flask, project_id: str) -> None:
    pid = UUID(project_id)

    def work(application):
        application.transition_lift(pid, LIFT, "agreement_signed", details=AGREEMENT, actor=STAFF)
        application.transition_lift(pid, LIFT, "design", actor=STAFF)
        application.transition_lift(pid, LIFT, "public_notice", actor=STAFF)

    with_app(app, work)


def issue_codes(app: Flask, project_id: str) -> dict[str, str]:
    return with_app(app, lambda a: a.issue_household_codes(UUID(project_id), actor=STAFF).value)


def lift_state(app: Flask, project_id: str) -> dict[str, Any]:
    with app.app_context():
        return runtime().app.get_project(UUID(project_id)).lifts[LIFT]


def owner_refs(app: Flask, project_id: str) -> set[str]:
    with app.app_context():
        return {f["owner_ref"] for f in runtime().app.get_project(UUID(project_id)).flats()}


# ---- the public page -------------------------------------------------------------------------


def test_the_public_page_shows_the_votes_and_the_arithmetic(app, client):
    project_id = register(app)
    propose(app, project_id, VOTES)

    response = client.get(f"/projects/{project_id}/lifts/{LIFT}")

    html = text(response)
    assert response.status_code == 200
    assert "3幢1单元" in html and "意愿征询" in html
    for number in ("101", "202", "302", "602"):
        assert f">{number}" in html
    assert "反对" in html and "弃权" in html and "同意" in html
    assert "★" in html  # 101 holds the veto
    # The art. 278 arithmetic, as the domain renders it: 11 owners, 9 agreeing.
    assert "11/11 = 100.00%" in html and "9/11 = 81.82%" in html
    # the ruleset by its name, never its id
    assert "≥ 3/4" in html and "全国默认规则（民法典第二百七十八条）" in html
    assert "national-2021" not in html
    assert "表决通过：业主同意加装。" in html
    assert f"/api/projects/{project_id}/lifts/{LIFT}/notice.pdf?lang=zh" in html
    assert 'name="csrf_token"' in html and 'name="choice"' in html
    listing = text(client.get(f"/projects/{project_id}/lifts"))
    assert f"/projects/{project_id}/lifts/{LIFT}" in listing and "意愿征询" in listing


def test_a_household_votes_with_its_code(app, client):
    project_id = register(app)
    propose(app, project_id)
    codes = issue_codes(app, project_id)

    response = client.post(
        f"/projects/{project_id}/lifts/{LIFT}/vote",
        data={"code": codes["3-1-502"].lower(), "choice": "disagree"},
    )

    assert response.status_code == 302
    assert lift_state(app, project_id)["votes"]["3-1-502"]["choice"] == "disagree"
    page = text(client.get(response.headers["Location"]))
    assert "502" in page and "已记录" in page


def test_a_wrong_code_an_outsider_and_a_closed_poll_write_nothing(app, client):
    project_id = register(app)
    propose(app, project_id)
    codes = issue_codes(app, project_id)
    before = events(app)
    url = f"/projects/{project_id}/lifts/{LIFT}/vote"

    wrong = client.post(url, data={"code": "ABCDE-FGHJK", "choice": "agree"})
    outsider = client.post(url, data={"code": codes["1-1-101"], "choice": "agree"})
    empty = client.post(url, data={"code": "", "choice": "agree"})

    assert wrong.status_code == 422 and "户码" in text(wrong)
    assert outsider.status_code == 422 and "3幢1单元" in text(outsider)
    assert empty.status_code == 422
    move_clock(app, timedelta(days=11))
    closed = client.post(url, data={"code": codes["3-1-101"], "choice": "agree"})
    assert closed.status_code == 409 and "已结束" in text(closed)
    assert events(app) == before
    assert lift_state(app, project_id)["votes"] == {}


def test_an_objection_is_lodged_during_the_public_notice(app, client):
    project_id = register(app)
    propose(app, project_id, VOTES)
    codes = issue_codes(app, project_id)
    url = f"/projects/{project_id}/lifts/{LIFT}/objections"
    before = events(app)
    early = client.post(url, data={"text": "电梯挡住我家采光"})
    assert early.status_code == 409 and events(app) == before  # still polling
    close_poll(app, project_id)
    to_public_notice(app, project_id)
    page = text(client.get(f"/projects/{project_id}/lifts/{LIFT}"))
    assert 'name="objection_code"' in page and "公示" in page

    response = client.post(
        url, data={"text": "电梯挡住我家采光，请调整井道位置。", "objection_code": codes["3-1-201"]}
    )

    assert response.status_code == 302
    objections = list(lift_state(app, project_id)["objections"].values())
    assert [o["flat_id"] for o in objections] == ["3-1-201"]
    page = text(client.get(f"/projects/{project_id}/lifts/{LIFT}"))
    assert "电梯挡住我家采光" not in page  # the text is the bureau's to read, not published
    assert "600,000.00" in page  # the cost shares, once the agreement has a budget
    notice_end = lift_state(app, project_id)["notice_ends_on"].isoformat()
    assert notice_end in page
    bad_code = client.post(url, data={"text": "再提一条", "objection_code": "ABCDE-FGHJK"})
    assert bad_code.status_code == 422 and len(lift_state(app, project_id)["objections"]) == 1


def test_a_refused_objection_shows_at_the_top_and_beside_the_form(app, client):
    project_id = register(app)
    propose(app, project_id, VOTES)
    url = f"/projects/{project_id}/lifts/{LIFT}/objections"

    early = text(client.post(url, data={"text": "电梯挡住我家采光"}))

    refusal = "仅在方案公示期和异议期内受理异议。"
    banner = early.split('<div class="flashes">', 1)[1].split("</div>", 1)[0]
    assert refusal in banner  # at the top, where the reloaded page opens
    assert early.count(refusal) >= 2  # and beside the objection form
    close_poll(app, project_id)
    to_public_notice(app, project_id)
    empty = client.post(url, data={"text": " "})
    assert empty.status_code == 422
    banner = text(empty).split('<div class="flashes">', 1)[1].split("</div>", 1)[0]
    assert "请填写异议内容。" in banner
    assert text(empty).count("请填写异议内容。") == 2 and "has-error" in text(empty)


def test_owner_references_never_appear_on_public_pages(app, client):
    project_id = register(app)
    propose(app, project_id, VOTES)
    close_poll(app, project_id)
    to_public_notice(app, project_id)
    pages = [
        text(client.get(f"/projects/{project_id}/lifts")),
        text(client.get(f"/projects/{project_id}/lifts/{LIFT}")),
        text(client.post(f"/projects/{project_id}/lifts/{LIFT}/vote", data={"code": "x"})),
    ]
    refs = owner_refs(app, project_id)
    assert "O-6" in refs
    for html in pages:
        for ref in refs:
            assert not re.search(rf"\b{re.escape(ref)}\b", html), ref


# ---- staff -----------------------------------------------------------------------------------


def test_staff_create_a_lift_enter_paper_votes_close_and_move_it_on(app):
    project_id = register(app)
    staff = signed_in(app)
    console = text(staff.get("/staff"))
    assert f"/staff/projects/{project_id}/lifts" in console
    form = text(staff.get(f"/staff/projects/{project_id}/lifts/new"))
    assert 'name="veto_flats" value="3-1-101"' in form and 'name="building"' in form
    start = with_app(app, lambda a: a.clock()).astimezone(ZoneInfo("Asia/Shanghai"))
    created = staff.post(
        f"/staff/projects/{project_id}/lifts/new",
        data={
            "building": "3",
            "unit": "1",
            "veto_flats": ["3-1-101"],
            "opens_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (start + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert created.status_code == 302, text(created)
    assert created.headers["Location"].endswith(f"/staff/projects/{project_id}/lifts/{LIFT}")
    assert lift_state(app, project_id)["veto_flats"] == ["3-1-101"]
    again = staff.post(
        f"/staff/projects/{project_id}/lifts/new",
        data={
            "building": "3",
            "unit": "1",
            "opens_at": start.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (start + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    refusal = "3-1 单元已有加装电梯项目。"
    banner = text(again).split('<div class="flashes">', 1)[1].split("</div>", 1)[0]
    assert again.status_code == 422 and refusal in banner and text(again).count(refusal) == 2

    page = f"/staff/projects/{project_id}/lifts/{LIFT}"
    for flat_id, choice in VOTES.items():
        response = staff.post(f"{page}/paper-votes", data={"flat_id": flat_id, "choice": choice})
        assert response.status_code == 302
    votes = lift_state(app, project_id)["votes"]
    assert len(votes) == 12 and votes["3-1-202"]["choice"] == "disagree"
    assert "已录入" in text(staff.get(f"{page}#paper"))

    move_clock(app, timedelta(days=11))
    assert "结束征询并计票" in text(staff.get(page))
    closed = confirmed(staff, f"{page}/close-poll/confirm", follow_redirects=True)
    assert "通过" in text(closed)
    assert lift_state(app, project_id)["stage"] == "consent_passed"

    missing = staff.post(
        f"{page}/transitions", data={"to_stage": "agreement_signed"}, follow_redirects=True
    )
    assert "工程预算" in text(missing) and lift_state(app, project_id)["stage"] == "consent_passed"
    signed = staff.post(
        f"{page}/transitions",
        data={
            "to_stage": "agreement_signed",
            "on": "2026-09-01",
            "details-manager": AGREEMENT["manager"],
            "details-budget": "600,000.00",
            "details-cost_sharing": AGREEMENT["cost_sharing"],
            "details-maintenance_sharing": AGREEMENT["maintenance_sharing"],
        },
        follow_redirects=True,
    )
    assert "签订加装协议" in text(signed)
    state = lift_state(app, project_id)
    assert state["stage"] == "agreement_signed"
    assert state["details"]["agreement_signed"]["budget"] == Decimal("600000.00")
    assert state["details"]["agreement_signed"]["on"] == date(2026, 9, 1)
    staff.post(f"{page}/transitions", data={"to_stage": "design", "on": "2026-09-10"})
    assert lift_state(app, project_id)["stage"] == "design"

    skipped = staff.post(
        f"{page}/transitions",
        data={"to_stage": "under_construction", "on": "2026-09-11"},
        follow_redirects=True,
    )
    html = text(skipped)
    assert "installation_notified" in html and "特种设备" in html
    assert "电梯不能进入“电梯施工中”阶段" in html
    assert lift_state(app, project_id)["stage"] == "design"


def test_staff_answer_an_objection_and_others_are_kept_out(app, client):
    project_id = register(app)
    propose(app, project_id, VOTES)
    close_poll(app, project_id)
    to_public_notice(app, project_id)
    url = f"/projects/{project_id}/lifts/{LIFT}/objections"
    client.post(url, data={"text": "井道占用消防通道"})
    objection_id = next(iter(lift_state(app, project_id)["objections"]))
    staff = signed_in(app)
    page = f"/staff/projects/{project_id}/lifts/{LIFT}"
    assert "井道占用消防通道" in text(staff.get(page))

    no_reason = staff.post(
        f"{page}/objections/{objection_id}",
        data={"outcome": "dismissed", "reason": " "},
        follow_redirects=True,
    )
    assert lift_state(app, project_id)["objections"][objection_id]["outcome"] is None
    assert "请说明异议的处理情况和理由。" in text(no_reason)
    staff.post(
        f"{page}/objections/{objection_id}",
        data={"outcome": "upheld", "reason": "经消防部门核实属实，调整方案"},
    )
    state = lift_state(app, project_id)
    assert state["objections"][objection_id]["outcome"] == "upheld" and state["stage"] == "design"

    outsider = signed_in(app, username="li", districts=("天宁区",))
    assert outsider.get(page).status_code == 403
    assert client.get(page).status_code in (302, 401)


def test_the_staff_console_flags_overdue_lift_deadlines(app):
    from datetime import date

    project_id = register(app)
    agree = {f"3-1-{floor}0{door}": "agree" for floor in range(1, 7) for door in (1, 2)}
    propose(app, project_id, agree)
    close_poll(app, project_id)
    pid = UUID(project_id)

    def accept_long_ago(application):
        application.transition_lift(
            pid, LIFT, "agreement_signed", details=AGREEMENT, actor=STAFF, on=date(2026, 1, 5)
        )
        for stage, day, details in [
            ("design", date(2026, 1, 6), {}),
            ("public_notice", date(2026, 1, 7), {}),
            ("objection_window", date(2026, 2, 2), {}),
            ("permit_or_exemption", date(2026, 3, 2), {"document": "许可"}),
            ("installation_notified", date(2026, 3, 2), {"authority": "市场监管局"}),
            ("under_construction", date(2026, 3, 3), {}),
            ("supervisory_inspection_passed", date(2026, 5, 6), {"report": "报告"}),
            ("completion_accepted", date(2026, 5, 8), {}),
        ]:
            application.transition_lift(pid, LIFT, stage, on=day, details=details, actor=STAFF)

    with_app(app, accept_long_ago)
    staff = signed_in(app)
    page = staff.get("/staff")
    assert page.status_code == 200
    assert "加装电梯逾期事项：2 项" in text(page)
    # Both lift pages list the deadlines with their flags.
    for url in (
        f"/staff/projects/{project_id}/lifts/{LIFT}",
        f"/projects/{project_id}/lifts/{LIFT}",
    ):
        body = text(staff.get(url))
        assert "deadline-overdue" in body and "2026-06-08" in body
