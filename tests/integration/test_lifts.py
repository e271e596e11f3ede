"""Lift retrofits through the application, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from renovation.domain.cost_shares import BudgetMissingError
from renovation.domain.errors import DomainError, InvalidProjectDataError, StageGateError
from renovation.domain.participation import OutOfScopeError, RoundClosedError
from renovation.domain.project import Actor
from tests.conftest import STAFF, flat, project_payload, registration

PAPER = Actor(STAFF.id, STAFF.role, "paper")
RESIDENT = Actor("resident", "resident", "web")


def six_storey_unit(city: str = "淮安市") -> dict:
    """Building 3, unit 1: twelve flats on six floors; 601 and 602 have one owner."""
    flats = [
        flat(
            f"{floor}0{door}",
            floor,
            "60.00" if door == 1 else "80.00",
            owner="O-6" if floor == 6 else None,
        )
        for floor in range(1, 7)
        for door in (1, 2)
    ]
    payload = project_payload()
    payload["community"]["city"] = city
    payload["buildings"].append({"code": "3", "units": [{"code": "1", "flats": flats}]})
    return registration(payload)


@pytest.fixture
def lift(runtime):
    """A project with a lift poll open on unit 3-1; 101's exclusive part holds the lift shaft."""
    app = runtime.app
    pid = app.register_project(six_storey_unit(), actor=STAFF).project_id
    now = datetime.now(UTC)
    lift_id = app.propose_lift(
        pid,
        {
            "building": "3",
            "unit": "1",
            "veto_flats": ["3-1-101"],
            "poll_opens_at": now - timedelta(hours=1),
            "poll_closes_at": now + timedelta(days=10),
        },
        actor=STAFF,
    ).value["lift_id"]
    return app, pid, lift_id


def vote_all(app, pid, lift_id, choices: dict[str, str]) -> None:
    for flat_id, choice in choices.items():
        app.cast_lift_vote(pid, lift_id, flat_id=flat_id, choice=choice, actor=PAPER)


def close(app, pid, lift_id) -> dict:
    real = app.clock
    app.clock = lambda: real() + timedelta(days=11)
    try:
        return app.close_lift_poll(pid, lift_id, actor=STAFF).value
    finally:
        app.clock = real


EVERYONE = {f"3-1-{floor}0{door}": "agree" for floor in range(1, 7) for door in (1, 2)}


def test_a_poll_passes_by_civil_code_art_278_and_explains_itself(lift):
    app, pid, lift_id = lift
    # 9 of 11 owners agree (81.8 %), 680 of 840 m² (81.0 %): both at least 3/4.
    vote_all(app, pid, lift_id, {**EVERYONE, "3-1-202": "disagree", "3-1-302": "abstain"})
    result = close(app, pid, lift_id)
    assert result["passed"] is True
    assert result["ruleset_id"] == "national-2021"
    # 601 and 602 share an owner: 11 owners, counted once by head and in full by area.
    assert result["scope_owners"] == 11 and result["scope_area"] == "840.00"
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["pass_owners"]["required"] == "≥ 3/4"
    assert app.get_project(pid).lifts[lift_id]["stage"] == "consent_passed"


def test_the_flat_holding_the_shaft_has_a_veto(lift):
    app, pid, lift_id = lift
    vote_all(app, pid, lift_id, {**EVERYONE, "3-1-101": "disagree"})
    result = close(app, pid, lift_id)
    assert result["passed"] is False
    assert [v["flat_id"] for v in result["veto_failures"]] == ["3-1-101"]
    lift_state = app.get_project(pid).lifts[lift_id]
    assert lift_state["stage"] == "willingness_poll" and lift_state["poll_closed"]
    # The poll may be held again, in a new window.
    now = datetime.now(UTC)
    app.reopen_lift_poll(
        pid, lift_id, {"poll_opens_at": now, "poll_closes_at": now + timedelta(days=5)}, actor=STAFF
    )
    assert app.get_project(pid).lifts[lift_id]["votes"] == {}


def test_a_city_ruleset_can_ask_two_thirds_of_all_owners(runtime):
    """The same votes pass under the national rule and fail under Nanjing's variant."""
    app = runtime.app
    # 8 of 11 owners vote, holding 560 of 840 m² (exactly 2/3); 6 of them agree, holding
    # 420 m² (exactly 3/4): a pass by art. 278, but 6 of 11 owners is under 2/3 of all.
    votes = {
        **{f"3-1-{n}": "agree" for n in ("101", "102", "201", "202", "301", "302")},
        "3-1-401": "disagree",
        "3-1-402": "disagree",
    }
    outcomes = {}
    for city in ("淮安市", "南京市"):
        pid = app.register_project(six_storey_unit(city), actor=STAFF).project_id
        now = datetime.now(UTC)
        lift_id = app.propose_lift(
            pid,
            {
                "building": "3",
                "unit": "1",
                "veto_flats": [],
                "poll_opens_at": now - timedelta(hours=1),
                "poll_closes_at": now + timedelta(days=10),
            },
            actor=STAFF,
        ).value["lift_id"]
        vote_all(app, pid, lift_id, votes)
        outcomes[city] = close(app, pid, lift_id)
    assert outcomes["淮安市"]["ruleset_id"] == "national-2021"
    assert outcomes["南京市"]["ruleset_id"] == "nanjing-2023"
    assert outcomes["淮安市"]["passed"] is True
    assert outcomes["南京市"]["passed"] is False


def test_votes_outside_the_unit_or_the_window_are_refused(lift):
    app, pid, lift_id = lift
    codes = app.issue_household_codes(pid, actor=STAFF).value
    with pytest.raises(OutOfScopeError) as outsider:
        app.cast_lift_vote(pid, lift_id, code=codes["1-1-101"], choice="agree", actor=RESIDENT)
    assert outsider.value.code == "flat_not_in_unit"
    app.cast_lift_vote(pid, lift_id, code=codes["3-1-501"], choice="agree", actor=RESIDENT)
    app.cast_lift_vote(pid, lift_id, code=codes["3-1-501"], choice="disagree", actor=RESIDENT)
    assert app.get_project(pid).lifts[lift_id]["votes"]["3-1-501"]["choice"] == "disagree"
    real = app.clock
    app.clock = lambda: real() + timedelta(days=11)
    with pytest.raises(RoundClosedError) as late:
        app.cast_lift_vote(pid, lift_id, flat_id="3-1-502", choice="agree", actor=PAPER)
    assert late.value.code == "poll_ended" and "closes_at" in late.value.params
    app.clock = real
    with pytest.raises(DomainError) as bad_choice:
        app.cast_lift_vote(pid, lift_id, flat_id="3-1-502", choice="maybe", actor=PAPER)
    assert bad_choice.value.field == "choice" and bad_choice.value.code == "not_allowed_value"


def test_stages_wait_for_notice_objections_inspection_and_registration(lift):
    app, pid, lift_id = lift
    vote_all(app, pid, lift_id, EVERYONE)
    close(app, pid, lift_id)
    with pytest.raises(BudgetMissingError):
        app.lift_cost_shares(pid, lift_id)
    with pytest.raises(InvalidProjectDataError) as missing:
        app.transition_lift(
            pid, lift_id, "agreement_signed", on=date(2026, 9, 1), details={}, actor=STAFF
        )
    assert missing.value.problems()["details.budget"][0].code == "required_at_stage"
    app.transition_lift(
        pid,
        lift_id,
        "agreement_signed",
        on=date(2026, 9, 1),
        actor=STAFF,
        details={
            "manager": "3幢1单元加装电梯业主小组",
            "budget": Decimal("600000.00"),
            "cost_sharing": "按楼层系数与面积分摊",
            "maintenance_sharing": "二层以上按户均摊",
            "compensation": "一层住户补偿8000元",
        },
    )
    app.transition_lift(pid, lift_id, "design", on=date(2026, 9, 10), actor=STAFF)
    # Construction cannot start before the installation is notified (特种设备安全法 art. 23).
    with pytest.raises(StageGateError) as skipped:
        app.transition_lift(pid, lift_id, "under_construction", on=date(2026, 9, 11), actor=STAFF)
    assert skipped.value.gate == "installation_notified"
    assert skipped.value.code == "lift_installation_not_notified"
    app.transition_lift(pid, lift_id, "public_notice", on=date(2026, 9, 25), actor=STAFF)
    # Ten days counted from the day after 9-25 end on 10-05, inside the National Day
    # holiday (10-01 to 10-07): the period runs to the next working day (Civil Code 201, 203).
    notice_end = app.get_project(pid).lifts[lift_id]["notice_ends_on"]
    assert notice_end == date(2026, 10, 8)
    with pytest.raises(StageGateError) as early:
        app.transition_lift(pid, lift_id, "objection_window", on=notice_end, actor=STAFF)
    assert early.value.gate == "notice_period_over"
    assert early.value.code == "lift_notice_running"
    assert early.value.params["ends_on"] == notice_end
    objection = app.lodge_objection(pid, lift_id, text="电梯挡住我家采光", actor=RESIDENT).value
    app.transition_lift(
        pid, lift_id, "objection_window", on=notice_end + timedelta(days=1), actor=STAFF
    )
    window_end = app.get_project(pid).lifts[lift_id]["objections_end_on"]
    with pytest.raises(StageGateError) as open_objection:
        app.transition_lift(
            pid,
            lift_id,
            "permit_or_exemption",
            on=window_end + timedelta(days=1),
            details={"document": "建设工程规划许可证"},
            actor=STAFF,
        )
    assert open_objection.value.gate == "no_open_objection"
    assert open_objection.value.params["count"] == 1
    app.transition_lift(
        pid, lift_id, "objection_mediation", on=window_end + timedelta(days=1), actor=STAFF
    )
    app.answer_objection(
        pid,
        lift_id,
        objection["objection_id"],
        outcome="mediated",
        reason="调整井道位置并给予补偿，异议人签字同意",
        actor=STAFF,
    )
    day = window_end + timedelta(days=3)
    app.transition_lift(
        pid,
        lift_id,
        "permit_or_exemption",
        on=day,
        details={"document": "建设工程规划许可证 2026-0912"},
        actor=STAFF,
    )
    app.transition_lift(
        pid,
        lift_id,
        "installation_notified",
        on=day,
        details={"authority": "市场监管局"},
        actor=STAFF,
    )
    app.transition_lift(pid, lift_id, "under_construction", on=day, actor=STAFF)
    with pytest.raises(StageGateError) as handover:
        app.transition_lift(pid, lift_id, "completion_accepted", on=day, actor=STAFF)
    assert handover.value.gate == "supervisory_inspection_passed"
    app.transition_lift(
        pid,
        lift_id,
        "supervisory_inspection_passed",
        on=date(2026, 12, 1),
        details={"report": "监督检验报告 TSG-2026-118"},
        actor=STAFF,
    )
    app.transition_lift(pid, lift_id, "completion_accepted", on=date(2026, 12, 5), actor=STAFF)
    with pytest.raises(StageGateError) as unregistered:
        app.transition_lift(pid, lift_id, "in_service", on=date(2026, 12, 6), actor=STAFF)
    assert unregistered.value.gate == "use_registered"
    view = app.lift_view(pid, lift_id)
    deadlines = {d["name"]: d for d in view["deadlines"]}
    assert deadlines["lift_documents_handover"]["due"] == date(2027, 1, 4)
    assert deadlines["lift_use_registration"]["status"] in ("due", "overdue")
    shares = app.lift_cost_shares(pid, lift_id)
    assert sum(Decimal(s["share"]) for s in shares["shares"]) == Decimal(shares["amount"])
    assert {s["flat_id"] for s in shares["shares"] if Decimal(s["share"]) == 0} == {
        "3-1-101",
        "3-1-102",
        "3-1-201",
        "3-1-202",
    }  # floors 1–2 exempt in the national table


def test_an_upheld_objection_sends_the_design_back(lift):
    app, pid, lift_id = lift
    vote_all(app, pid, lift_id, EVERYONE)
    close(app, pid, lift_id)
    app.transition_lift(
        pid,
        lift_id,
        "agreement_signed",
        on=date(2026, 9, 1),
        actor=STAFF,
        details={
            "manager": "业主小组",
            "budget": Decimal("500000.00"),
            "cost_sharing": "按系数",
            "maintenance_sharing": "均摊",
        },
    )
    app.transition_lift(pid, lift_id, "design", on=date(2026, 9, 2), actor=STAFF)
    app.transition_lift(pid, lift_id, "public_notice", on=date(2026, 9, 3), actor=STAFF)
    objection = app.lodge_objection(pid, lift_id, text="井道占用消防通道", actor=RESIDENT).value
    with pytest.raises(DomainError) as no_reason:
        app.answer_objection(
            pid, lift_id, objection["objection_id"], outcome="dismissed", reason=" ", actor=STAFF
        )
    assert no_reason.value.field == "reason"
    assert no_reason.value.code == "objection_reason_required"
    app.answer_objection(
        pid,
        lift_id,
        objection["objection_id"],
        outcome="upheld",
        reason="经消防部门核实属实，调整方案",
        actor=STAFF,
    )
    assert app.get_project(pid).lifts[lift_id]["stage"] == "design"


def test_abandoning_needs_a_reason_and_ends_the_retrofit(lift):
    app, pid, lift_id = lift
    with pytest.raises(DomainError) as no_reason:
        app.transition_lift(pid, lift_id, "abandoned", actor=STAFF)
    assert no_reason.value.field == "details.reason"
    assert no_reason.value.code == "lift_abandon_reason_required"
    app.transition_lift(pid, lift_id, "abandoned", details={"reason": "一层住户诉讼"}, actor=STAFF)
    with pytest.raises(StageGateError) as ended:
        app.transition_lift(pid, lift_id, "design", actor=STAFF)
    assert ended.value.gate == "not_abandoned" and ended.value.code == "lift_abandoned"


def test_overdue_lift_deadlines_are_flagged_for_the_console(lift):
    app, pid, lift_id = lift
    vote_all(app, pid, lift_id, EVERYONE)
    close(app, pid, lift_id)
    stages = [
        (
            "agreement_signed",
            {
                "manager": "业主小组",
                "budget": Decimal("500000.00"),
                "cost_sharing": "按系数",
                "maintenance_sharing": "均摊",
            },
        ),
        ("design", {}),
        ("public_notice", {}),
    ]
    for stage, details in stages:
        app.transition_lift(pid, lift_id, stage, on=date(2026, 1, 5), details=details, actor=STAFF)
    assert app.lift_alerts(pid) == []
    app.transition_lift(pid, lift_id, "objection_window", on=date(2026, 2, 2), actor=STAFF)
    for stage, details in [
        ("permit_or_exemption", {"document": "许可"}),
        ("installation_notified", {"authority": "局"}),
        ("under_construction", {}),
        ("supervisory_inspection_passed", {"report": "报告"}),
        ("completion_accepted", {}),
    ]:
        app.transition_lift(pid, lift_id, stage, on=date(2026, 3, 2), details=details, actor=STAFF)
    alerts = {a["name"]: a for a in app.lift_alerts(pid)}
    # Accepted on 2026-03-02: documents and use registration were due in April — overdue now.
    assert alerts["lift_documents_handover"]["status"] == "overdue"
    assert alerts["lift_use_registration"]["status"] == "overdue"
