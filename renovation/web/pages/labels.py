"""Words shown on the pages for the codes the domain uses: stages, categories, gates, fields.

Every label goes through gettext, so the Chinese text lives in the translation catalogue
beside everything else on the pages.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from renovation.domain.stages import ORDER, Stage

_ = lazy_gettext


def N_(message: str) -> str:
    """Marks a message for extraction; translated later, when it is shown."""
    return message


STAGE_LABELS = {
    Stage.REGISTERED: _("Registered"),
    Stage.NEEDS_SURVEY: _("Needs survey"),
    Stage.INTENT_VOTE: _("Intent vote"),
    Stage.IN_PLAN: _("In the renovation plan"),
    Stage.REJECTED_BY_RESIDENTS: _("Not agreed by residents"),
    Stage.DESIGN: _("Design"),
    Stage.PLAN_PUBLICIZED: _("Plan on public notice"),
    Stage.PLAN_APPROVED: _("Plan approved"),
    Stage.UNDER_CONSTRUCTION: _("Under construction"),
    Stage.ACCEPTANCE_INSPECTION: _("Completion acceptance"),
    Stage.RECTIFICATION: _("Rectification"),
    Stage.ACCEPTED: _("Accepted"),
    Stage.EVALUATION: _("Satisfaction evaluation"),
    Stage.LONG_TERM_MANAGEMENT: _("Long-term management"),
}

# One line for residents on what each stage means.
STAGE_HINTS = {
    Stage.REGISTERED: _("The community is registered for renovation."),
    Stage.NEEDS_SURVEY: _("Residents are asked what needs fixing."),
    Stage.INTENT_VOTE: _("Residents say whether they want the renovation."),
    Stage.IN_PLAN: _("The community is in this year's renovation plan."),
    Stage.REJECTED_BY_RESIDENTS: _("Residents did not agree; they may be asked again later."),
    Stage.DESIGN: _("The plan is designed, with residents' ideas."),
    Stage.PLAN_PUBLICIZED: _("The plan is on public notice for comments."),
    Stage.PLAN_APPROVED: _("The plan is approved."),
    Stage.UNDER_CONSTRUCTION: _("Works are under way."),
    Stage.ACCEPTANCE_INSPECTION: _("The finished works are inspected."),
    Stage.RECTIFICATION: _("Defects found at inspection are being fixed."),
    Stage.ACCEPTED: _("The works passed acceptance."),
    Stage.EVALUATION: _("Residents rate the results."),
    Stage.LONG_TERM_MANAGEMENT: _("The community is looked after for the long term."),
}

CATEGORY_LABELS = {
    "basic": _("Basic"),
    "improvement": _("Improvement"),
    "upgrade": _("Upgrade"),
}

# What a clerk may type in the category column of pasted content items.
CATEGORY_WORDS = {
    "basic": "basic",
    "基础类": "basic",
    "基础": "basic",
    "improvement": "improvement",
    "完善类": "improvement",
    "完善": "improvement",
    "upgrade": "upgrade",
    "提升类": "upgrade",
    "提升": "upgrade",
}

GATE_LABELS = {
    "project_registered": _("the project is registered"),
    "needs_survey_done": _("the needs survey is done"),
    "intent_vote_passed": _("the intent vote passed"),
    "intent_vote_failed": _("the intent vote failed"),
    "residents_asked_again": _("residents are asked again"),
    "project_in_plan": _("the project is in the plan"),
    "design_done": _("the design is done"),
    "plan_publicized": _("the plan was on public notice"),
    "plan_approved": _("the plan is approved"),
    "construction_finished": _("construction is finished"),
    "no_open_rectification": _("no rectification item is open"),
    "defects_found": _("defects were found"),
    "rectification_done": _("rectification is done"),
    "accepted": _("the works are accepted"),
    "evaluation_done": _("the evaluation is done"),
    "no_way_back_to_registered": _("a project cannot go back to registered"),
}

FIELD_LABELS = {
    "name": _("Community name"),
    "district": _("District"),
    "city": _("City"),
    "street": _("Street (subdistrict)"),
    "address": _("Address"),
    "year_built": _("Year built"),
    "planned_start": _("Planned start"),
    "planned_finish": _("Planned finish"),
    "building_code": _("building"),
    "unit_code": _("unit (stairwell)"),
    "number": _("flat number"),
    "floor": _("floor"),
    "area": _("area (m²)"),
    "owner_ref": _("owner reference"),
    "unsold": _("unsold"),
    "units": _("units"),
    "flats": _("flats"),
    "category": _("category"),
    "item": _("item"),
    "unit": _("unit of measure"),
    "planned_quantity": _("planned quantity"),
    "source": _("source"),
    "amount": _("amount"),
}


def stage_label(stage: str) -> str:
    try:
        return str(STAGE_LABELS[Stage(stage)])
    except ValueError:
        return stage


def stage_hint(stage: str) -> str:
    try:
        return str(STAGE_HINTS[Stage(stage)])
    except ValueError:
        return ""


def category_label(category: str) -> str:
    label = CATEGORY_LABELS.get(category)
    return str(label) if label else category


def gate_label(gate: str) -> str:
    """The gate in words: its own label, or the stage a skipped step demands."""
    if gate in GATE_LABELS:
        return str(GATE_LABELS[gate])
    if gate.startswith("requires_"):
        return gettext(
            "the project must first reach “%(stage)s”",
            stage=stage_label(gate.removeprefix("requires_")),
        )
    return gate


def timeline(stage: str) -> list[dict[str, str]]:
    """The happy path with each step marked done, current, next or later.

    A stage off the happy path (rectification, residents' refusal) is shown as the current
    step right after the step it branches from.
    """
    branches = {
        Stage.RECTIFICATION: Stage.ACCEPTANCE_INSPECTION,
        Stage.REJECTED_BY_RESIDENTS: Stage.INTENT_VOTE,
    }
    current = Stage(stage)
    steps = [s for s in ORDER]
    if current in branches:
        steps.insert(steps.index(branches[current]) + 1, current)
    at = steps.index(current)
    marked = []
    for index, step in enumerate(steps):
        if index < at:
            state = "done"
        elif index == at:
            state = "current"
        elif index == at + 1 and current != Stage.REJECTED_BY_RESIDENTS:
            state = "next"
        else:
            state = "later"
        marked.append({"stage": step.value, "label": stage_label(step), "state": state})
    return marked


def explain_problem(message: object) -> str:
    """A schema's message as text: it is a lazy catalogue string in the request's language."""
    return str(message)
