"""Words the pages add to the catalogue's labels: a hint per stage, the form's field names,
the words a clerk may type for a category, and the stages as a timeline.

The label of every enumerated value (stage, category, gate, outcome…) comes from
:mod:`renovation.vocabulary.labels` through :func:`renovation.web.i18n.label`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from renovation.domain.stages import ORDER, Stage
from renovation.web.i18n import label

_ = lazy_gettext


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
    "planned_cost": _("planned cost (yuan)"),
    "source": _("source"),
    "amount": _("amount"),
}


def stage_label(stage: str) -> str:
    """The stage's label from the catalogue, in the request's language."""
    return label("project_stage", stage)


def stage_hint(stage: str) -> str:
    try:
        return str(STAGE_HINTS[Stage(stage)])
    except ValueError:
        return ""


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
