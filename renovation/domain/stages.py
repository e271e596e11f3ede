"""The life of a project (DOMAIN.md) as data: stages, their order, and the gates between them."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    REGISTERED = "registered"
    NEEDS_SURVEY = "needs_survey"
    INTENT_VOTE = "intent_vote"
    IN_PLAN = "in_plan"
    REJECTED_BY_RESIDENTS = "rejected_by_residents"
    DESIGN = "design"
    PLAN_PUBLICIZED = "plan_publicized"
    PLAN_APPROVED = "plan_approved"
    UNDER_CONSTRUCTION = "under_construction"
    ACCEPTANCE_INSPECTION = "acceptance_inspection"
    RECTIFICATION = "rectification"
    ACCEPTED = "accepted"
    EVALUATION = "evaluation"
    LONG_TERM_MANAGEMENT = "long_term_management"


# Each allowed move; the gate named is what the target stage demands of the project.
TRANSITIONS: dict[Stage, dict[Stage, str]] = {
    Stage.REGISTERED: {Stage.NEEDS_SURVEY: "project_registered"},
    Stage.NEEDS_SURVEY: {Stage.INTENT_VOTE: "needs_survey_done"},
    Stage.INTENT_VOTE: {
        Stage.IN_PLAN: "intent_vote_passed",
        Stage.REJECTED_BY_RESIDENTS: "intent_vote_failed",
    },
    # Residents who said no may be asked again in a later year.
    Stage.REJECTED_BY_RESIDENTS: {Stage.NEEDS_SURVEY: "residents_asked_again"},
    Stage.IN_PLAN: {Stage.DESIGN: "project_in_plan"},
    Stage.DESIGN: {Stage.PLAN_PUBLICIZED: "design_done"},
    Stage.PLAN_PUBLICIZED: {Stage.PLAN_APPROVED: "plan_publicized"},
    Stage.PLAN_APPROVED: {Stage.UNDER_CONSTRUCTION: "plan_approved"},
    Stage.UNDER_CONSTRUCTION: {Stage.ACCEPTANCE_INSPECTION: "construction_finished"},
    Stage.ACCEPTANCE_INSPECTION: {
        Stage.ACCEPTED: "no_open_rectification",
        Stage.RECTIFICATION: "defects_found",
    },
    Stage.RECTIFICATION: {Stage.ACCEPTANCE_INSPECTION: "rectification_done"},
    Stage.ACCEPTED: {Stage.EVALUATION: "accepted"},
    Stage.EVALUATION: {Stage.LONG_TERM_MANAGEMENT: "evaluation_done"},
    Stage.LONG_TERM_MANAGEMENT: {},
}

# The stage each stage must be reached from, for naming the gate of a skipped step.
_REQUIRED_BEFORE: dict[Stage, Stage] = {}
for _source, _targets in TRANSITIONS.items():
    for _target in _targets:
        _REQUIRED_BEFORE.setdefault(_target, _source)

# The happy path, in order; used to tell a skip (forward) from a step back.
ORDER: list[Stage] = [
    Stage.REGISTERED,
    Stage.NEEDS_SURVEY,
    Stage.INTENT_VOTE,
    Stage.IN_PLAN,
    Stage.DESIGN,
    Stage.PLAN_PUBLICIZED,
    Stage.PLAN_APPROVED,
    Stage.UNDER_CONSTRUCTION,
    Stage.ACCEPTANCE_INSPECTION,
    Stage.ACCEPTED,
    Stage.EVALUATION,
    Stage.LONG_TERM_MANAGEMENT,
]


def next_stages(stage: str) -> list[str]:
    """The stages a project in ``stage`` may move to."""
    return [str(s) for s in TRANSITIONS[Stage(stage)]]


def gate_for(from_stage: str, to_stage: str) -> str:
    """The gate a move must pass: the transition's own, or the step it would skip."""
    source, target = Stage(from_stage), Stage(to_stage)
    if target in TRANSITIONS[source]:
        return TRANSITIONS[source][target]
    required = _REQUIRED_BEFORE.get(target)
    if required is None:
        return "no_way_back_to_registered"
    return f"requires_{required}"
