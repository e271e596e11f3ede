"""Construction milestones (节点): planning, progress from quantities, delays, completion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from renovation.domain.errors import DomainError, StageGateError, UnknownContentItemError
from renovation.domain.parts.milestones import UnknownMilestoneError, progress_percent
from renovation.domain.project import RenovationProject
from tests.conftest import STAFF
from tests.unit.test_project_aggregate import register, walk

TODAY = date(2026, 6, 30)
TO_PLAN = ("needs_survey", "intent_vote", "in_plan")
TO_BUILD = ("design", "plan_publicized", "plan_approved", "under_construction")


def plan(project: RenovationProject, name="一期雨污分流", quantity="600", **extra) -> str:
    return project.plan_milestone(
        name=name,
        item_id=extra.pop("item_id", "item-1"),
        quantity=Decimal(quantity),
        planned_start=extra.pop("planned_start", date(2026, 4, 1)),
        planned_finish=extra.pop("planned_finish", date(2026, 6, 30)),
        actor=STAFF,
        **extra,
    )


def report(project, mid, done, on=date(2026, 5, 1), note=""):
    project.report_milestone_progress(
        mid, done_quantity=Decimal(done), on_date=on, today=TODAY, note=note, actor=STAFF
    )


@pytest.fixture
def building() -> tuple[RenovationProject, str]:
    project = register()
    walk(project, *TO_PLAN)
    mid = plan(project)
    walk(project, *TO_BUILD)
    return project, mid


def test_milestones_are_planned_from_the_plan_on_and_not_before():
    project = register()
    with pytest.raises(StageGateError) as refused:
        plan(project)
    assert refused.value.gate == "requires_in_plan"
    assert refused.value.code == "milestone_planning_closed"
    assert refused.value.params["from_stage"] == "registered"
    walk(project, *TO_PLAN)
    assert plan(project) == "milestone-1"
    assert plan(project, name="二期雨污分流") == "milestone-2"


@pytest.mark.parametrize(
    ("change", "field", "error", "code", "params"),
    [
        ({"name": "  "}, "name", DomainError, "length_between", {"min": 1, "max": 200}),
        ({"name": "长" * 201}, "name", DomainError, "length_between", {"min": 1, "max": 200}),
        # the same name twice
        (
            {"name": "一期雨污分流"},
            "name",
            DomainError,
            "milestone_exists",
            {"name": "一期雨污分流"},
        ),
        (
            {"item_id": "item-9"},
            "item_id",
            UnknownContentItemError,
            "unknown_content_item",
            {"item_id": "item-9"},
        ),
        ({"quantity": "0"}, "quantity", DomainError, "must_be_positive", {}),
        ({"quantity": "-5"}, "quantity", DomainError, "must_be_positive", {}),
        ({"quantity": "NaN"}, "quantity", DomainError, "must_be_positive", {}),
        # 1200 m planned, 600 taken already
        (
            {"quantity": "601"},
            "quantity",
            DomainError,
            "item_quantity_left",
            {"item_id": "item-1", "item": "雨污分流改造", "left": "600", "unit": "m"},
        ),
        (
            {"planned_finish": date(2026, 3, 1)},
            "planned_finish",
            DomainError,
            "finish_before_start",
            {"planned_start": date(2026, 4, 1)},
        ),
    ],
)
def test_planning_refuses_bad_milestones_naming_the_field(change, field, error, code, params):
    project = register()
    walk(project, *TO_PLAN)
    plan(project)
    version = project.version
    with pytest.raises(error) as refused:
        plan(project, **{"name": "二期雨污分流", **change})
    assert refused.value.field == field
    assert (refused.value.code, refused.value.params) == (code, params)
    assert project.version == version  # nothing recorded


def test_the_milestones_of_an_item_may_add_up_to_its_plan_exactly():
    project = register()
    walk(project, *TO_PLAN)
    plan(project, quantity="600")
    plan(project, name="二期", quantity="600")
    with pytest.raises(DomainError) as refused:
        plan(project, name="三期", quantity="0.5")
    assert refused.value.code == "item_quantity_left" and refused.value.params["left"] == "0"


def test_progress_is_derived_from_reported_quantities(building):
    project, mid = building
    report(project, mid, "150")
    assert project.milestones[mid]["done_quantity"] == Decimal("150")
    assert progress_percent(Decimal("150"), Decimal("600")) == 25
    assert progress_percent(Decimal("599"), Decimal("600")) == 99  # never rounded up to done
    assert progress_percent(Decimal("600"), Decimal("600")) == 100


def test_progress_is_reported_only_under_construction():
    project = register()
    walk(project, *TO_PLAN)
    mid = plan(project)
    with pytest.raises(StageGateError) as refused:
        report(project, mid, "10")
    assert refused.value.gate == "requires_under_construction"
    assert refused.value.code == "milestone_progress_closed"
    assert refused.value.params["from_stage"] == "in_plan"


@pytest.mark.parametrize(
    ("done", "on", "field", "code", "params"),
    [
        ("-1", date(2026, 5, 1), "done_quantity", "must_not_be_negative", {}),
        ("NaN", date(2026, 5, 1), "done_quantity", "must_not_be_negative", {}),
        ("600.01", date(2026, 5, 1), "done_quantity", "more_than_milestone", {"quantity": "600"}),
        ("10", date(2026, 7, 1), "on_date", "date_after_today", {"today": TODAY}),
    ],
)
def test_bad_progress_reports_are_refused(building, done, on, field, code, params):
    project, mid = building
    with pytest.raises(DomainError) as refused:
        report(project, mid, done, on=on)
    assert refused.value.field == field
    assert (refused.value.code, refused.value.params) == (code, params)


def test_a_progress_note_has_a_length_limit(building):
    project, mid = building
    with pytest.raises(DomainError) as refused:
        report(project, mid, "10", note="长" * 2001)
    assert refused.value.field == "note"
    assert (refused.value.code, refused.value.params) == ("too_long", {"max": 2000})


def test_a_lower_figure_is_a_correction_that_needs_a_note_and_reports_keep_date_order(building):
    project, mid = building
    report(project, mid, "300", on=date(2026, 5, 10))
    with pytest.raises(DomainError) as refused:
        report(project, mid, "250", on=date(2026, 5, 11))
    assert refused.value.field == "note"
    assert refused.value.code == "correction_reason_required"
    assert refused.value.params == {"last_quantity": "300"}
    report(project, mid, "250", on=date(2026, 5, 11), note="复核测量，更正")
    with pytest.raises(DomainError) as refused:
        report(project, mid, "260", on=date(2026, 5, 1))
    assert refused.value.field == "on_date"
    assert refused.value.code == "before_last_report"
    assert refused.value.params == {"last_report_on": date(2026, 5, 11)}


def test_a_milestone_completes_only_when_its_whole_quantity_is_reported(building):
    project, mid = building
    report(project, mid, "599")
    with pytest.raises(DomainError) as refused:
        project.complete_milestone(mid, on_date=date(2026, 6, 1), today=TODAY, actor=STAFF)
    assert (refused.value.code, refused.value.field) == (
        "milestone_not_fully_reported",
        "milestone_id",
    )
    assert refused.value.params == {"percent": 99, "done_quantity": "599", "quantity": "600"}
    report(project, mid, "600", on=date(2026, 6, 1))
    project.complete_milestone(mid, on_date=date(2026, 6, 2), today=TODAY, actor=STAFF)
    assert project.milestones[mid]["completed_on"] == date(2026, 6, 2)
    for again in (
        lambda: report(project, mid, "600", on=date(2026, 6, 3)),
        lambda: project.delay_milestone(
            mid, planned_finish=date(2026, 9, 1), reason="雨季", actor=STAFF
        ),
        lambda: project.complete_milestone(mid, on_date=TODAY, today=TODAY, actor=STAFF),
    ):
        with pytest.raises(DomainError) as refused:
            again()
        assert refused.value.code == "milestone_completed"
        assert refused.value.params == {"completed_on": date(2026, 6, 2)}


def test_milestones_are_completed_only_under_construction():
    project = register()
    walk(project, *TO_PLAN)
    mid = plan(project)
    with pytest.raises(StageGateError) as refused:
        project.complete_milestone(mid, on_date=TODAY, today=TODAY, actor=STAFF)
    assert refused.value.code == "milestone_completion_closed"
    assert refused.value.gate == "requires_under_construction"


def test_delays_move_the_finish_later_with_a_reason(building):
    project, mid = building
    with pytest.raises(DomainError) as refused:
        project.delay_milestone(mid, planned_finish=date(2026, 8, 1), reason=" ", actor=STAFF)
    assert (refused.value.field, refused.value.code) == ("reason", "reason_required")
    with pytest.raises(DomainError) as refused:
        project.delay_milestone(
            mid, planned_finish=date(2026, 8, 1), reason="雨" * 2001, actor=STAFF
        )
    assert (refused.value.field, refused.value.code) == ("reason", "too_long")
    assert refused.value.params == {"max": 2000}
    with pytest.raises(DomainError) as refused:
        project.delay_milestone(mid, planned_finish=date(2026, 6, 1), reason="雨季", actor=STAFF)
    assert (refused.value.field, refused.value.code) == ("planned_finish", "delay_not_later")
    assert refused.value.params == {"planned_finish": date(2026, 6, 30)}
    project.delay_milestone(mid, planned_finish=date(2026, 8, 1), reason="雨季", actor=STAFF)
    assert project.milestones[mid]["planned_finish"] == date(2026, 8, 1)


def test_construction_cannot_end_while_a_milestone_is_unfinished(building):
    project, mid = building
    with pytest.raises(StageGateError, match="一期雨污分流") as refused:
        project.transition_to("acceptance_inspection", actor=STAFF)
    assert refused.value.gate == "construction_finished"
    report(project, mid, "600")
    project.complete_milestone(mid, on_date=date(2026, 5, 2), today=TODAY, actor=STAFF)
    project.transition_to("acceptance_inspection", actor=STAFF)


def test_supervisors_notes_need_a_supervisor_and_a_note(building):
    project, mid = building
    with pytest.raises(DomainError) as refused:
        project.record_supervisor_note(
            mid, supervisor="", note="井盖松动", on_date=TODAY, today=TODAY, actor=STAFF
        )
    assert (refused.value.field, refused.value.code) == ("supervisor", "length_between")
    assert refused.value.params == {"min": 1, "max": 200}
    with pytest.raises(DomainError) as refused:
        project.record_supervisor_note(
            mid, supervisor="3幢居民监督员", note=" ", on_date=TODAY, today=TODAY, actor=STAFF
        )
    assert (refused.value.field, refused.value.code) == ("note", "length_between")
    assert refused.value.params == {"min": 1, "max": 2000}
    with pytest.raises(DomainError) as refused:
        project.record_supervisor_note(
            mid,
            supervisor="3幢居民监督员",
            note="井盖",
            on_date=date(2026, 7, 1),
            today=TODAY,
            actor=STAFF,
        )
    assert (refused.value.field, refused.value.code) == ("on_date", "date_after_today")
    project.record_supervisor_note(
        mid, supervisor="3幢居民监督员", note="井盖松动", on_date=TODAY, today=TODAY, actor=STAFF
    )
    with pytest.raises(UnknownMilestoneError) as refused:
        project.record_supervisor_note(
            "milestone-9", supervisor="x", note="y", on_date=TODAY, today=TODAY, actor=STAFF
        )
    assert refused.value.code == "unknown_milestone"
    assert refused.value.params == {"milestone_id": "milestone-9"}


def test_supervisors_notes_wait_for_construction():
    project = register()
    walk(project, *TO_PLAN)
    mid = plan(project)
    with pytest.raises(StageGateError) as refused:
        project.record_supervisor_note(
            mid, supervisor="3幢居民监督员", note="井盖", on_date=TODAY, today=TODAY, actor=STAFF
        )
    assert refused.value.code == "supervisor_notes_closed"
    assert refused.value.params["from_stage"] == "in_plan"


def test_an_answer_may_link_an_opinion_to_a_milestone(building):
    project, mid = building
    project.submit_opinion(
        "op1",
        tracking_code="T1",
        category="construction",
        text="施工噪音太大",
        answer_due_on=TODAY,
        actor=STAFF,
    )
    project.answer_opinion(
        "op1",
        outcome="adopted",
        answer="已调整施工时间",
        links=[{"kind": "milestone", "id": mid}],
        actor=STAFF,
    )
    with pytest.raises(DomainError):
        project.answer_opinion(
            "op1",
            outcome="adopted",
            answer="已调整",
            links=[{"kind": "milestone", "id": "milestone-9"}],
            actor=STAFF,
        )


def test_an_item_with_milestones_has_what_they_built_and_takes_no_typed_progress(building):
    project, mid = building
    second = plan_more(project)
    report(project, mid, "200")
    report(project, second, "50")
    item = project.find_content_item("item-1")
    assert item["actual_quantity"] == Decimal("250")
    with pytest.raises(DomainError) as refused:
        project.record_progress("item-1", Decimal("900"), actor=STAFF)
    assert refused.value.field == "item_id"
    assert refused.value.code == "progress_through_milestones"
    assert refused.value.params == {"item_id": "item-1"}
    project.record_progress("item-2", Decimal("3"), actor=STAFF)  # no milestones: typed


def plan_more(project: RenovationProject) -> str:
    """A second milestone of item-1, planned while construction is under way."""
    return plan(project, name="二期雨污分流", quantity="600")
