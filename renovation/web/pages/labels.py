"""Words shown on the pages for the codes the domain uses: stages, categories, gates, fields.

Every label goes through gettext, so the Chinese text lives in the translation catalogue
beside everything else on the pages.
"""

from __future__ import annotations

import re

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


# Messages of marshmallow's validators and of the domain's registration checks, in words
# for the clerk; anything not listed is shown as it came.
_PROBLEMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), m)
    for p, m in [
        (r"^Missing data for required field\.$", N_("must be filled in")),
        (r"^must not be empty$", N_("must be filled in")),
        (r"^Field may not be null\.$", N_("must be filled in")),
        (r"^Not a valid integer\.$", N_("must be a whole number")),
        (r"^Not a valid (number|decimal)\.$", N_("must be a number")),
        (r"^must be a (finite )?number$", N_("must be a number")),
        (r"^Special numeric values .*$", N_("must be a number")),
        (r"^Not a valid date\.$", N_("must be a date (YYYY-MM-DD)")),
        (r"^Not a valid boolean\.$", N_("must be yes or no")),
        (
            r"^Must be greater than (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$",
            N_("must be more than %(min)s and at most %(max)s"),
        ),
        (
            r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to "
            r"(?P<max>\S+)\.$",
            N_("must be between %(min)s and %(max)s"),
        ),
        (r"^Must be greater than or equal to (?P<min>\S+)\.$", N_("must be at least %(min)s")),
        (r"^must be greater than 0$", N_("must be more than 0")),
        (r"^must not be negative$", N_("must not be negative")),
        (
            r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$",
            N_("must have %(min)s to %(max)s characters"),
        ),
        (
            r"^Longer than maximum length (?P<max>\d+)\.$",
            N_("must have at most %(max)s characters"),
        ),
        (r"^at most (?P<max>\d+) characters$", N_("must have at most %(max)s characters")),
        (r"^Shorter than minimum length (?P<min>\d+)\.$", N_("must be filled in")),
        (r"^Must be one of: .*$", N_("is not one of the allowed values")),
        (r"^must be one of .*$", N_("is not one of the allowed values")),
        (r"^must be a floor number$", N_("must be a floor number")),
        (r"^must be a year$", N_("must be a year between 1900 and 2100")),
        (r"^flat (?P<name>.+) is listed twice$", N_("flat %(name)s is listed twice")),
        (r"^unit (?P<name>.+) is listed twice$", N_("unit %(name)s is listed twice")),
        (r"^building (?P<name>.+) is listed twice$", N_("building %(name)s is listed twice")),
        (r"^(?P<name>.+) is listed twice$", N_("%(name)s is listed twice")),
        (r"^at least one (building|unit|flat)$", N_("list at least one flat")),
        (r"^must not be before planned_start$", N_("must not be before the planned start")),
        (r"^at most two decimals \(fen\)$", N_("at most two decimals (fen)")),
    ]
]


def explain_problem(message: str) -> str:
    """A validation message from the schema or the domain, translated where we know it."""
    for pattern, translated in _PROBLEMS:
        match = pattern.match(message)
        if match:
            return gettext(translated, **match.groupdict())
    return message
