"""Completion acceptance, rectification and filing on the aggregate, without storage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renovation.domain.base import Actor
from renovation.domain.credit_code import ALPHABET, check_character, credit_code_problem
from renovation.domain.errors import ConflictError, DomainError, StageGateError
from renovation.domain.parts.acceptance import UNIT_ROLES
from renovation.domain.project import RenovationProject
from renovation.domain.stages import ORDER
from tests.conftest import STAFF
from tests.helpers import acceptance_meeting_data, credit_code, unit_data
from tests.unit.test_project_aggregate import register, walk

HELD_ON = date(2026, 6, 30)  # a Tuesday
RULES = {"notice_working_days": 7, "calendar": None, "today": HELD_ON}
SUPERVISOR = Actor("user:li", "supervisor", "web")


def at_acceptance(*, units=UNIT_ROLES) -> RenovationProject:
    project = register()
    walk(project, *[s.value for s in ORDER[1:9]])
    assert project.stage == "acceptance_inspection"
    for n, role in enumerate(units, start=1):
        project.record_unit(**unit_data(role, n), actor=STAFF)
    return project


def notify(project, notified_on=HELD_ON - timedelta(days=21), meeting_on=HELD_ON):
    return project.notify_acceptance(
        notified_on=notified_on,
        meeting_on=meeting_on,
        place="小区活动室",
        group=["建设单位项目负责人", "监理单位总监"],
        **RULES,
        actor=STAFF,
    )


def defect(what="3幢屋面防水层起鼓", **extra):
    return {
        "what": what,
        "building": "1",
        "unit": "1",
        "responsible": "construction",
        "due_on": HELD_ON + timedelta(days=14),
        **extra,
    }


def meeting(project, **kwargs):
    data = acceptance_meeting_data(HELD_ON, **kwargs)
    return project.record_acceptance_meeting(**data, **RULES, actor=STAFF)


def supervisor(project, label="1幢居民监督员"):
    return project.appoint_supervisor(role_label=label, name_key="k", name_sealed="s", actor=STAFF)


# ---- credit codes ----------------------------------------------------------------------


def test_a_published_credit_code_is_accepted_and_one_wrong_character_is_caught():
    assert credit_code_problem("91350100M000100Y43") is None
    code, params = credit_code_problem("91350100M000100Y44")
    assert code == "credit_code_check" and params == {"check_character": "3"}
    assert credit_code_problem("91350100M000100Y4")[0] == "credit_code_length"
    assert credit_code_problem("91350100M000100I43")[0] == "credit_code_characters"


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.integers(0, 16), st.data())
def test_any_single_character_change_is_caught(base, position, data):
    code = base + check_character(base)
    assert credit_code_problem(code) is None
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[position]]))
    changed = code[:position] + other + code[position + 1 :]
    assert credit_code_problem(changed) is not None


def test_a_unit_with_a_wrong_credit_code_is_refused_naming_the_field():
    project = at_acceptance(units=())
    version = project.version
    with pytest.raises(DomainError) as refused:
        project.record_unit(
            role="construction",
            name="华东建设",
            credit_code=credit_code(3)[:-1] + "0" if credit_code(3)[-1] != "0" else "1",
            contact_role="项目经理",
            actor=STAFF,
        )
    assert [p.code for p in refused.value.problems()["credit_code"]] == ["credit_code_check"]
    assert project.version == version


def test_a_unit_role_is_replaced_by_a_later_record_and_codes_are_normalised():
    project = at_acceptance(units=())
    project.record_unit(**unit_data("design", 1), actor=STAFF)
    data = unit_data("design", 2)
    project.record_unit(**{**data, "credit_code": " " + data["credit_code"].lower()}, actor=STAFF)
    assert project.units["design"]["credit_code"] == credit_code(2)


# ---- notice and meeting ----------------------------------------------------------------


def test_the_meeting_may_not_be_announced_inside_the_notice_period():
    project = at_acceptance()
    with pytest.raises(DomainError) as refused:
        notify(project, notified_on=date(2026, 6, 24), meeting_on=HELD_ON)
    (problem,) = refused.value.problems()["meeting_on"]
    # 7 working days after Wed 24 June 2026: 25, 26, 29, 30 June, 1, 2, 3 July
    assert problem.code == "meeting_before_notice_period_ends"
    assert problem.params["earliest"] == date(2026, 7, 3)


def test_the_notice_counts_working_days_across_a_holiday():
    project = at_acceptance()
    # 2026 National Day holiday: 1–7 October; 7 working days after 28 September
    with pytest.raises(DomainError) as refused:
        notify(project, notified_on=date(2026, 9, 28), meeting_on=date(2026, 10, 9))
    earliest = refused.value.problems()["meeting_on"][0].params["earliest"]
    assert earliest > date(2026, 10, 9)


def test_a_meeting_needs_a_notice_and_every_unit_present():
    project = at_acceptance()
    with pytest.raises(DomainError) as refused:
        meeting(project)
    assert refused.value.problems()["held_on"][0].code == "acceptance_not_notified"
    notify(project)
    data = acceptance_meeting_data(HELD_ON)
    data["units_present"] = ["client", "design", "construction", "supervision"]
    with pytest.raises(DomainError) as refused:
        project.record_acceptance_meeting(**data, **RULES, actor=STAFF)
    (problem,) = refused.value.problems()["units_present"]
    assert problem.code == "unit_absent" and problem.params == {"unit_role": "survey"}
    assert project.acceptance_meetings == []


def test_a_meeting_before_the_notice_period_ends_is_refused():
    project = at_acceptance()
    notify(project, notified_on=HELD_ON - timedelta(days=3), meeting_on=HELD_ON + timedelta(30))
    with pytest.raises(DomainError) as refused:
        meeting(project)
    assert refused.value.problems()["held_on"][0].code == "meeting_before_notice_period_ends"


def test_a_unit_never_recorded_is_named():
    project = at_acceptance(units=("client", "design", "construction", "supervision"))
    with pytest.raises(DomainError) as refused:
        notify(project)
    assert refused.value.problems()["notified_on"][0].params == {"unit_role": "quality_supervision"}


def test_a_pass_with_defects_or_a_rectification_without_them_is_refused():
    project = at_acceptance()
    notify(project)
    with pytest.raises(DomainError) as refused:
        meeting(project, conclusion="passed", defects=[defect()])
    assert refused.value.problems()["conclusion"][0].code == "passed_with_defects"
    with pytest.raises(DomainError) as refused:
        meeting(project, conclusion="passed_with_rectification")
    assert refused.value.problems()["defects"][0].code == "rectification_without_defects"


def test_a_meeting_date_after_today_is_refused():
    project = at_acceptance()
    notify(project)
    data = acceptance_meeting_data(HELD_ON + timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        project.record_acceptance_meeting(**data, **RULES, actor=STAFF)
    assert refused.value.problems()["held_on"][0].code == "date_after_today"


# ---- gates -----------------------------------------------------------------------------


def test_acceptance_needs_a_record_of_a_passed_meeting():
    project = at_acceptance()
    with pytest.raises(StageGateError) as refused:
        project.transition_to("accepted", actor=STAFF)
    assert refused.value.code == "no_acceptance_record"
    with pytest.raises(StageGateError) as refused:
        project.transition_to("rectification", actor=STAFF)
    assert refused.value.code == "no_acceptance_record"
    notify(project)
    meeting(project)
    with pytest.raises(StageGateError) as refused:
        project.transition_to("rectification", actor=STAFF)
    assert refused.value.code == "no_defects_found"
    project.transition_to("accepted", actor=STAFF)
    assert project.accepted_on() is not None


def test_rectification_runs_until_every_co_approver_signed_off():
    project = at_acceptance()
    supervisor_id = supervisor(project)
    notify(project)
    (first, second) = meeting(
        project,
        conclusion="passed_with_rectification",
        defects=[defect(supervisors=[supervisor_id]), defect("2幢雨水管破损")],
    )
    assert project.rectification_items[first]["co_approvers"] == [
        "supervision_unit",
        supervisor_id,
    ]
    with pytest.raises(StageGateError) as refused:
        project.transition_to("accepted", actor=STAFF)
    assert refused.value.code == "rectification_items_open"
    assert refused.value.params["items"] == [first, second]
    project.transition_to("rectification", actor=STAFF)
    with pytest.raises(StageGateError) as refused:
        project.transition_to("acceptance_inspection", actor=STAFF)
    assert refused.value.code == "rectification_items_open"

    project.require_rectification_work(first, actor=STAFF)
    project.report_rectification_done(first, note="已重做防水", actor=STAFF)
    # a resident supervisor who was not chosen for this item may not sign it off
    other = supervisor(project, "2幢居民监督员")
    with pytest.raises(DomainError) as refused:
        project.approve_rectification(first, approver=other, on_behalf=False, actor=SUPERVISOR)
    assert refused.value.code == "not_co_approver"
    with pytest.raises(DomainError) as refused:
        project.reopen_rectification(
            first, approver=supervisor_id, on_behalf=False, reason=" ", actor=SUPERVISOR
        )
    assert refused.value.code == "reason_required"
    project.reopen_rectification(
        first, approver=supervisor_id, on_behalf=False, reason="仍有渗水", actor=SUPERVISOR
    )
    assert project.rectification_items[first]["status"] == "work_required"
    project.report_rectification_done(first, note="再次处理", actor=STAFF)
    assert not project.approve_rectification(
        first, approver="supervision_unit", on_behalf=True, actor=STAFF
    )
    with pytest.raises(ConflictError):
        project.approve_rectification(
            first, approver="supervision_unit", on_behalf=True, actor=STAFF
        )
    assert project.approve_rectification(
        first, approver=supervisor_id, on_behalf=False, actor=SUPERVISOR
    )
    assert project.rectification_items[first]["status"] == "closed"
    with pytest.raises(ConflictError) as refused:
        project.require_rectification_work(first, actor=STAFF)
    assert refused.value.code == "rectification_item_status"

    project.report_rectification_done(second, actor=STAFF)
    project.approve_rectification(second, approver="supervision_unit", on_behalf=True, actor=STAFF)
    project.transition_to("acceptance_inspection", actor=STAFF)
    project.transition_to("accepted", actor=STAFF)
    assert project.stage == "accepted"


def test_a_failed_meeting_needs_a_new_one_after_rectification():
    project = at_acceptance()
    notify(project)
    (item,) = meeting(project, conclusion="failed", defects=[defect()])
    project.transition_to("rectification", actor=STAFF)
    project.report_rectification_done(item, actor=STAFF)
    project.approve_rectification(item, approver="supervision_unit", on_behalf=True, actor=STAFF)
    project.transition_to("acceptance_inspection", actor=STAFF)
    with pytest.raises(StageGateError) as refused:
        project.transition_to("accepted", actor=STAFF)
    assert refused.value.code == "acceptance_failed"
    with pytest.raises(DomainError) as refused:
        meeting(project)  # the notice was used by the first meeting
    assert refused.value.problems()["held_on"][0].code == "acceptance_not_notified"
    notify(project)
    meeting(project)
    project.transition_to("accepted", actor=STAFF)


# ---- filing, supervisors, hand-over ----------------------------------------------------


def test_filing_follows_acceptance_once():
    project = at_acceptance()
    with pytest.raises(StageGateError) as refused:
        project.file_acceptance(filing_number="宁建竣备2026-001", filed_on=HELD_ON, actor=STAFF)
    assert refused.value.code == "filing_before_acceptance"
    notify(project)
    meeting(project)
    project.transition_to("accepted", actor=STAFF, effective_on=HELD_ON)
    with pytest.raises(DomainError) as refused:
        project.file_acceptance(
            filing_number="宁建竣备2026-001", filed_on=HELD_ON - timedelta(1), actor=STAFF
        )
    assert refused.value.problems()["filed_on"][0].code == "filed_before_acceptance"
    project.file_acceptance(filing_number="宁建竣备2026-001", filed_on=HELD_ON, actor=STAFF)
    assert project.acceptance_filing["filing_number"] == "宁建竣备2026-001"
    with pytest.raises(ConflictError):
        project.file_acceptance(filing_number="x", filed_on=HELD_ON, actor=STAFF)


def test_inspection_notes_photos_and_hand_over():
    project = at_acceptance()
    supervisor_id = supervisor(project)
    with pytest.raises(DomainError) as refused:
        project.record_inspection_note(
            supervisor_id=supervisor_id,
            on_date=HELD_ON,
            text="屋面",
            photos=["../../etc/passwd"],
            milestone_id=None,
            item_id=None,
            on_behalf=False,
            actor=SUPERVISOR,
        )
    assert refused.value.code == "unknown_photo"
    project.record_inspection_note(
        supervisor_id=supervisor_id,
        on_date=HELD_ON,
        text="屋面防水已完成，排水通畅",
        photos=["a" * 64],
        milestone_id=None,
        item_id=None,
        on_behalf=True,
        actor=STAFF,
    )
    assert project.inspection_notes[0]["on_behalf"] is True
    with pytest.raises(StageGateError) as refused:
        project.record_handover(
            manager_kind="property_company",
            manager_name="金陵物业",
            rules_adopted="管理规约",
            maintenance_fund="专项维修资金",
            handed_over_on=HELD_ON,
            actor=STAFF,
        )
    assert refused.value.code == "handover_before_acceptance"
    with pytest.raises(DomainError) as refused:
        project.attach_photos(
            subject="rectification_item", subject_id="9", photos=["b" * 64], actor=STAFF
        )
    assert refused.value.code == "unknown_photo_subject"
