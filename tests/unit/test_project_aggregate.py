"""The project aggregate's rules, without any storage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from events.project import ProjectRegistered, StageChanged
from renovation.domain.errors import (
    DomainError,
    InvalidProjectDataError,
    StageGateError,
    UnknownContentItemError,
)
from renovation.domain.parts.acceptance import UNIT_ROLES
from renovation.domain.project import RenovationProject
from renovation.domain.rulesets import get_ruleset
from renovation.domain.stages import ORDER, TRANSITIONS, Stage, gate_for, next_stages
from tests.conftest import STAFF, flat, registration


def register(**overrides) -> RenovationProject:
    data = registration()
    data.update(overrides)
    return RenovationProject.register(
        community=data["community"],
        buildings=data["buildings"],
        content_items=data["content_items"],
        budget=data["budget"],
        planned_start=data.get("planned_start"),
        planned_finish=data.get("planned_finish"),
        actor=STAFF,
        command_id=data.get("command_id"),
    )


OPENS = datetime(2026, 1, 5, 9, tzinfo=UTC)
CLOSES = datetime(2026, 1, 15, 18, tzinfo=UTC)


def hold_intent_vote(project: RenovationProject, *, agree: bool) -> dict:
    """Every flat votes on paper; closing the round moves the project on."""
    consultation_id = f"iv{len(project.rounds)}"
    project.open_consultation(
        consultation_id,
        kind="needs",
        title="改造意愿征询",
        questions=[],
        opens_at=OPENS,
        closes_at=CLOSES,
        scope={"level": "community"},
        intent_vote=True,
        matter="alteration",
        actor=STAFF,
    )
    for flat_id in sorted(project.flat_ids()):
        project.cast_vote(
            consultation_id,
            flat_id=flat_id,
            answers={},
            consent="agree" if agree else "disagree",
            now=OPENS + timedelta(days=1),
            actor=STAFF,
        )
    return project.close_consultation(
        consultation_id,
        now=CLOSES + timedelta(hours=1),
        ruleset=get_ruleset("national-2021"),
        actor=STAFF,
    )


def walk(project: RenovationProject, *stages: str) -> None:
    for stage in stages:
        if stage == "in_plan":
            hold_intent_vote(project, agree=True)
            continue
        if stage == "accepted" and not project.acceptance_meetings:
            accept_on_record(project)
        if stage == "long_term_management" and project.evaluation_held():
            hold_evaluation(project)
        project.transition_to(stage, actor=STAFF)


def hold_evaluation(
    project: RenovationProject, answers: list[str] | None = None, *, close: bool = True
) -> str:
    """A satisfaction evaluation on paper: ``answers`` for the first flats (default: all
    satisfied), closed after its window unless ``close`` is False."""
    consultation_id = f"ev{len(project.rounds)}"
    project.open_consultation(
        consultation_id,
        kind="evaluation",
        title="改造满意度测评",
        questions=[{"type": "satisfaction", "text": "您对本次改造是否满意？"}],
        opens_at=OPENS,
        closes_at=CLOSES,
        scope={"level": "community"},
        intent_vote=False,
        matter=None,
        actor=STAFF,
    )
    flat_ids = sorted(project.flat_ids())
    answers = ["satisfied"] * len(flat_ids) if answers is None else answers
    for flat_id, answer in zip(flat_ids, answers, strict=False):
        project.cast_vote(
            consultation_id,
            flat_id=flat_id,
            answers={"q1": answer},
            consent=None,
            now=OPENS + timedelta(days=1),
            actor=STAFF,
        )
    if close:
        project.close_consultation(
            consultation_id,
            now=CLOSES + timedelta(hours=1),
            ruleset=get_ruleset("national-2021"),
            actor=STAFF,
        )
    return consultation_id


def accept_on_record(project: RenovationProject) -> None:
    """The six units, a notice three weeks before and a passed meeting on 2026-06-30."""
    from tests.helpers import acceptance_meeting_data, unit_data

    held_on = date(2026, 6, 30)
    for n, role in enumerate(UNIT_ROLES, start=1):
        project.record_unit(**unit_data(role, n), actor=STAFF)
    rules = {"notice_working_days": 7, "calendar": None, "today": held_on}
    project.notify_acceptance(
        notified_on=held_on - timedelta(days=21),
        meeting_on=held_on,
        place="小区活动室",
        group=["建设单位项目负责人"],
        **rules,
        actor=STAFF,
    )
    project.record_acceptance_meeting(**acceptance_meeting_data(held_on), **rules, actor=STAFF)


def test_registration_records_the_community_flats_content_and_budget():
    project = register()
    assert project.community["name"] == "凤凰新村"
    assert len(project.flats()) == 7
    assert project.flats()[0] == {
        "building": "1",
        "unit": "1",
        "number": "101",
        "floor": 1,
        "area": Decimal("62.30"),
        "owner_ref": "O-101",
        "unsold": False,
    }
    assert [i["id"] for i in project.content_items] == ["item-1", "item-2", "item-3"]
    assert project.budget[1] == {"source": "居民出资", "amount": Decimal("50000.50")}
    assert project.stage == "registered"
    assert project.version == 1


def test_unsold_developer_flats_share_one_owner_reference():
    project = register()
    unsold = [f for f in project.flats() if f["unsold"]]
    assert unsold and {f["owner_ref"] for f in unsold} == {"developer"}


def test_every_event_records_who_recorded_it_and_by_which_channel():
    project = register()
    project.transition_to(
        "needs_survey", actor=STAFF, effective_on=date(2026, 2, 1), command_id="k-1"
    )
    created, moved = project.collect_events()
    assert isinstance(created, ProjectRegistered) and isinstance(moved, StageChanged)
    assert (moved.actor_id, moved.actor_role, moved.channel) == ("user:zhang", "staff", "test")
    assert moved.effective_on == date(2026, 2, 1)
    assert moved.command_id == "k-1"
    assert project.version_of_command("k-1") == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["community"].update(name="  "), "community.name"),
        (lambda d: d["community"].update(district=""), "community.district"),
        (lambda d: d["community"].update(year_built=1700), "community.year_built"),
        (lambda d: d.update(buildings=[]), "buildings"),
        (
            lambda d: d["buildings"][0]["units"][0]["flats"][0].update(area=Decimal("-3")),
            "buildings.0.units.0.flats.0.area",
        ),
        (
            lambda d: d["buildings"][0]["units"][0]["flats"][0].update(area=Decimal("0")),
            "buildings.0.units.0.flats.0.area",
        ),
        (
            lambda d: d["buildings"][0]["units"][0]["flats"].append(flat("101", 1)),
            "buildings.0.units.0.flats.4.number",
        ),
        (lambda d: d["buildings"][1].update(code="1"), "buildings.1.code"),
        (lambda d: d["buildings"][0]["units"][1].update(code="1"), "buildings.0.units.1.code"),
        (
            lambda d: d["buildings"][0]["units"][0]["flats"][0].update(owner_ref=""),
            "buildings.0.units.0.flats.0.owner_ref",
        ),
        (
            lambda d: d["buildings"][0]["units"][0]["flats"][0].update(floor="3"),
            "buildings.0.units.0.flats.0.floor",
        ),
        (lambda d: d["content_items"][0].update(category="luxury"), "content_items.0.category"),
        (
            lambda d: d["content_items"][0].update(planned_quantity=Decimal(-1)),
            "content_items.0.planned_quantity",
        ),
        (lambda d: d["content_items"].append(dict(d["content_items"][0])), "content_items.3.item"),
        (lambda d: d["budget"][0].update(amount=Decimal("1.001")), "budget.0.amount"),
        (lambda d: d["budget"].append(dict(d["budget"][0])), "budget.2.source"),
        (lambda d: d.update(planned_finish=date(2025, 1, 1)), "planned_finish"),
        (lambda d: d.update(planned_start="2026-03-01"), "planned_start"),
    ],
)
def test_registration_refuses_bad_data_naming_the_field(change, field):
    data = registration()
    change(data)
    with pytest.raises(InvalidProjectDataError) as refused:
        register(**data)
    assert field in refused.value.problems()


def test_the_happy_path_runs_from_registration_to_long_term_management():
    project = register()
    walk(project, *[s.value for s in ORDER[1:]])
    assert project.stage == "long_term_management"
    assert [s["to_stage"] for s in project.stage_history] == [s.value for s in ORDER[1:]]


def test_construction_cannot_start_before_the_plan_is_approved():
    project = register()
    walk(project, "needs_survey", "intent_vote", "in_plan", "design", "plan_publicized")
    version = project.version
    with pytest.raises(StageGateError) as refused:
        project.transition_to("under_construction", actor=STAFF)
    assert refused.value.gate == "requires_plan_approved"
    assert project.stage == "plan_publicized"
    assert project.version == version  # nothing was triggered


def test_a_failed_intent_vote_rejects_and_residents_may_be_asked_again():
    project = register()
    walk(project, "needs_survey", "intent_vote")
    result = hold_intent_vote(project, agree=False)
    assert result["passed"] is False and project.stage == "rejected_by_residents"
    with pytest.raises(StageGateError):
        project.transition_to("in_plan", actor=STAFF)
    walk(project, "needs_survey", "intent_vote", "in_plan")
    assert project.stage == "in_plan"


def test_the_plan_needs_a_passed_intent_vote():
    project = register()
    walk(project, "needs_survey", "intent_vote")
    for target, gate in (
        ("in_plan", "intent_vote_passed"),
        ("rejected_by_residents", "intent_vote_failed"),
    ):
        with pytest.raises(StageGateError) as refused:
            project.transition_to(target, actor=STAFF)
        assert refused.value.gate == gate


def test_no_stage_leads_back_to_registered_and_unknown_stages_are_refused():
    project = register()
    walk(project, "needs_survey")
    with pytest.raises(StageGateError) as refused:
        project.transition_to("registered", actor=STAFF)
    assert refused.value.gate == "no_way_back_to_registered"
    with pytest.raises(DomainError) as unknown:
        project.transition_to("demolished", actor=STAFF)
    assert unknown.value.field == "to_stage"


def test_every_stage_has_its_transitions_and_named_gates():
    assert set(TRANSITIONS) == set(Stage)
    assert next_stages("intent_vote") == ["in_plan", "rejected_by_residents"]
    assert gate_for("intent_vote", "in_plan") == "intent_vote_passed"
    assert gate_for("registered", "accepted") == "requires_acceptance_inspection"


def test_progress_is_recorded_during_construction_only():
    project = register()
    with pytest.raises(StageGateError) as early:
        project.record_progress("item-1", Decimal(10), actor=STAFF)
    assert early.value.gate == "requires_under_construction"
    assert early.value.code == "item_progress_closed"
    assert early.value.params["from_stage"] == "registered"
    walk(project, *[s.value for s in ORDER[1:8]])
    project.record_progress("item-1", Decimal(800), actor=STAFF)
    assert project.find_content_item("item-1")["actual_quantity"] == Decimal(800)
    with pytest.raises(UnknownContentItemError) as unknown:
        project.record_progress("item-9", Decimal(1), actor=STAFF)
    assert (unknown.value.code, unknown.value.field) == ("unknown_content_item", "item_id")
    assert unknown.value.params == {"item_id": "item-9"}
    with pytest.raises(DomainError) as negative:
        project.record_progress("item-1", Decimal(-1), actor=STAFF)
    assert negative.value.field == "actual_quantity"
    assert negative.value.code == "must_not_be_negative"
