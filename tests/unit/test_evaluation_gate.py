"""The satisfaction evaluation (问效) in the project aggregate: the round, its close, the gate
``evaluation_done`` and residents' ratings of answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.participation import ConsultationClosed, EvaluationResultRecorded, OpinionAnswerRated
from renovation.domain.errors import (
    ConflictError,
    DomainError,
    InvalidProjectDataError,
    StageGateError,
)
from renovation.domain.rulesets import get_ruleset
from tests.conftest import STAFF
from tests.unit.test_project_aggregate import CLOSES, OPENS, hold_evaluation, register, walk

UP_TO_EVALUATION = [
    "needs_survey", "intent_vote", "in_plan", "design", "plan_publicized", "plan_approved",
    "under_construction", "acceptance_inspection", "accepted", "evaluation",
]  # fmt: skip


def in_evaluation():
    project = register()
    walk(project, *UP_TO_EVALUATION)
    project.collect_events()
    return project


def gate_refusal(project) -> StageGateError:
    with pytest.raises(StageGateError) as refused:
        project.transition_to("long_term_management", actor=STAFF)
    assert refused.value.gate == "evaluation_done"
    return refused.value


def open_round(project, questions, kind="evaluation"):
    project.open_consultation(
        "r1",
        kind=kind,
        title="测评",
        questions=questions,
        opens_at=OPENS,
        closes_at=CLOSES,
        scope={"level": "community"},
        intent_vote=False,
        matter=None,
        actor=STAFF,
    )


def test_an_evaluation_round_asks_exactly_one_satisfaction_question():
    project = in_evaluation()
    for questions in (
        [{"type": "text", "text": "意见"}],
        [{"type": "satisfaction", "text": "a"}] * 2,
    ):
        with pytest.raises(InvalidProjectDataError) as refused:
            open_round(project, questions)
        assert refused.value.problems()["questions"][0].code == (
            "evaluation_needs_one_satisfaction_question"
        )
    with pytest.raises(InvalidProjectDataError) as refused:
        open_round(project, [{"type": "satisfaction", "text": "满意吗"}], kind="needs")
    assert refused.value.problems()["questions"][0].code == (
        "satisfaction_question_in_evaluation_only"
    )
    with pytest.raises(InvalidProjectDataError) as refused:
        open_round(project, [{"type": "satisfaction", "text": "满意吗", "options": ["好"]}])
    assert "questions.0.options" in refused.value.problems()
    assert project.collect_events() == []


def test_a_satisfaction_answer_is_one_of_the_three_and_is_required():
    project = in_evaluation()
    open_round(project, [{"type": "satisfaction", "text": "满意吗"}])
    assert project.rounds["r1"]["questions"][0]["required"] is True
    flat_id = sorted(project.flat_ids())[0]
    for answers, code in (({"q1": "very"}, "choose_satisfaction"), ({}, "answer_required")):
        with pytest.raises(InvalidProjectDataError) as refused:
            project.cast_vote(
                "r1", flat_id=flat_id, answers=answers, consent=None,
                now=OPENS + timedelta(days=1), actor=STAFF,
            )  # fmt: skip
        assert refused.value.problems()["answers.q1"][0].code == code


def test_the_gate_names_a_missing_round_then_an_open_one():
    project = in_evaluation()
    assert gate_refusal(project).code == "no_evaluation_round"
    hold_evaluation(project, close=False)
    refused = gate_refusal(project)
    assert refused.code == "evaluation_not_closed" and refused.params["title"] == "改造满意度测评"
    assert project.stage == "evaluation"


def test_closing_below_the_minimum_coverage_is_refused_and_nothing_is_recorded():
    project = in_evaluation()
    round_id = hold_evaluation(project, ["satisfied"] * 3, close=False)  # 3 of 7 < 1/2
    project.collect_events()
    version = project.version
    with pytest.raises(DomainError) as refused:
        project.close_consultation(
            round_id, now=CLOSES + timedelta(hours=1), ruleset=get_ruleset("national-2021"),
            actor=STAFF,
        )  # fmt: skip
    assert refused.value.code == "evaluation_coverage_too_low"
    assert refused.value.params == {
        "answered": 3, "households": 7, "coverage": "42.9%", "min_coverage": "50.0%",
    }  # fmt: skip
    assert project.version == version and project.collect_events() == []
    assert not project.rounds[round_id]["closed"]
    assert gate_refusal(project).code == "evaluation_not_closed"


def test_a_close_with_coverage_records_the_result_and_opens_the_gate_even_if_it_fails():
    project = in_evaluation()
    answers = ["satisfied", "basically_satisfied", "dissatisfied", "dissatisfied"]  # 4 of 7
    round_id = hold_evaluation(project, answers)
    closed, recorded = project.collect_events()[-2:]
    assert isinstance(closed, ConsultationClosed) and "satisfaction" not in closed.result
    assert isinstance(recorded, EvaluationResultRecorded)
    assert recorded.ruleset_id == "national-2021"
    result = recorded.result
    assert (result["satisfied"], result["basically_satisfied"], result["dissatisfied"]) == (
        1, 1, 2,
    )  # fmt: skip
    assert result["answered"] == 4 and result["households_in_scope"] == 7
    assert result["rate"] == "1/2" and result["coverage"] == "4/7"
    assert result["coverage_met"] is True and result["passed"] is False
    assert project.rounds[round_id]["result"]["satisfaction"]["rate_percent"] == "50.0%"
    # Passing the threshold is reported; the gate asks for a counted evaluation.
    project.transition_to("long_term_management", actor=STAFF)
    assert project.stage == "long_term_management"


def test_the_result_is_recomputable_from_the_stored_ballots():
    from renovation.domain.participation import satisfaction_of

    project = in_evaluation()
    round_id = hold_evaluation(project, ["satisfied"] * 5 + ["dissatisfied"])
    round_ = project.rounds[round_id]
    again = satisfaction_of(round_, project.flats(), get_ruleset("national-2021")).to_dict()
    assert dict(again, ruleset_id="national-2021") == round_["satisfaction"]


# ---- residents rate the answer to their opinion --------------------------------------------


def opinion(project):
    from datetime import date

    project.submit_opinion(
        "op1", tracking_code="T1", category="plan", text="加装路灯",
        answer_due_on=date(2026, 2, 1), actor=STAFF,
    )  # fmt: skip


def test_an_answer_is_rated_only_once_it_exists_and_a_new_rating_replaces_the_old():
    project = register()
    opinion(project)
    with pytest.raises(ConflictError) as refused:
        project.rate_answer("op1", rating="satisfied", actor=STAFF)
    assert refused.value.code == "opinion_not_answered"
    project.answer_opinion("op1", outcome="adopted", answer="已采纳", actor=STAFF)
    with pytest.raises(DomainError) as refused:
        project.rate_answer("op1", rating="great", actor=STAFF)
    assert refused.value.code == "not_allowed_value" and refused.value.field == "rating"
    project.rate_answer("op1", rating="dissatisfied", actor=STAFF)
    project.rate_answer("op1", rating="basically_satisfied", actor=STAFF)
    assert project.opinions["op1"]["rating"] == "basically_satisfied"
    rated = [e for e in project.collect_events() if isinstance(e, OpinionAnswerRated)]
    assert [e.rating for e in rated] == ["dissatisfied", "basically_satisfied"]


def test_the_satisfaction_question_has_the_three_fixed_options_and_takes_their_words():
    project = in_evaluation()
    open_round(project, [{"type": "satisfaction", "text": "满意吗"}])
    assert project.rounds["r1"]["questions"][0]["options"] == ["满意", "基本满意", "不满意"]
    first, second = sorted(project.flat_ids())[:2]
    for flat_id, answer in ((first, "基本满意"), (second, "dissatisfied")):
        project.cast_vote(
            "r1", flat_id=flat_id, answers={"q1": answer}, consent=None,
            now=OPENS + timedelta(days=1), actor=STAFF,
        )  # fmt: skip
    ballots = project.rounds["r1"]["ballots"]
    assert ballots[first]["answers"] == {"q1": "basically_satisfied"}
    assert ballots[second]["answers"] == {"q1": "dissatisfied"}
    from renovation.domain.participation import round_result

    (tally,) = round_result(project.rounds["r1"], project.flats(), None)["questions"]
    assert tally["counts"] == {"满意": 0, "基本满意": 1, "不满意": 1}
