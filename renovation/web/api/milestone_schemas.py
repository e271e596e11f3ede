"""Schemas of construction milestones (节点): plan, progress, delay, completion, notes."""

from __future__ import annotations

from marshmallow import Schema, fields

from renovation.domain.base import MAX_NAME, MAX_NOTE
from renovation.web.api.schemas import CommandResultSchema, DecimalText
from renovation.web.validation import Length, OneOf, Range

MILESTONE_STATUSES = ("planned", "in_progress", "completed")
DAY = {"description": "a day (ISO 8601); today if left out"}

# ---- in ----------------------------------------------------------------------------------


class MilestoneCreateSchema(Schema):
    name = fields.String(required=True, validate=Length(min=1, max=MAX_NAME))
    item_id = fields.String(
        required=True,
        validate=Length(min=1, max=50),
        metadata={"description": "the content item it builds a share of, e.g. item-1"},
    )
    quantity = DecimalText(
        required=True,
        validate=Range(min=0, min_inclusive=False),
        metadata={"description": "the share of the item's planned quantity, in its unit"},
    )
    planned_start = fields.Date(required=True)
    planned_finish = fields.Date(required=True)


class MilestoneProgressCreateSchema(Schema):
    done_quantity = DecimalText(
        required=True,
        validate=Range(min=0),
        metadata={"description": "cumulative quantity built so far; a lower one needs a note"},
    )
    on_date = fields.Date(metadata=DAY)
    note = fields.String(load_default="", validate=Length(max=MAX_NOTE))


class MilestoneDelayCreateSchema(Schema):
    planned_finish = fields.Date(
        required=True, metadata={"description": "the new planned finish, later than the last"}
    )
    reason = fields.String(
        required=True,
        validate=Length(min=1, max=MAX_NOTE),
        metadata={"description": "published with the delay"},
    )


class MilestoneCompletionCreateSchema(Schema):
    on_date = fields.Date(metadata=DAY)


class SupervisorNoteCreateSchema(Schema):
    supervisor = fields.String(
        required=True,
        validate=Length(min=1, max=MAX_NAME),
        metadata={"description": "the resident supervisor (建设共管), as they wish to be named"},
    )
    note = fields.String(required=True, validate=Length(min=1, max=MAX_NOTE))
    on_date = fields.Date(metadata=DAY)


# ---- out ---------------------------------------------------------------------------------


def _day(description: str = "", **kwargs) -> fields.String:
    """A day as the read model keeps it, an ISO 8601 string."""
    metadata = {"format": "date", **({"description": description} if description else {})}
    return fields.String(metadata=metadata, **kwargs)


class MilestoneReportSchema(Schema):
    on = _day()
    done_quantity = DecimalText()
    note = fields.String()
    by = fields.String(metadata={"description": "the user who entered it"})


class MilestoneDelaySchema(Schema):
    from_ = _day(data_key="from", attribute="from")
    to = _day()
    reason = fields.String()
    at = fields.String(metadata={"format": "date-time", "description": "when it was recorded"})


class SupervisorNoteSchema(Schema):
    on = _day()
    supervisor = fields.String()
    note = fields.String()


class MilestoneSchema(Schema):
    """One milestone as the read model has it; progress is derived, never typed."""

    milestone_id = fields.String()
    name = fields.String()
    item_id = fields.String()
    item = fields.String()
    category = fields.String()
    unit = fields.String()
    quantity = DecimalText()
    done_quantity = DecimalText()
    progress = fields.Integer(metadata={"description": "whole per cent done, rounded down"})
    planned_start = _day()
    planned_finish = _day("after any delays")
    first_planned_finish = _day()
    actual_start = _day(allow_none=True)
    actual_finish = _day(allow_none=True)
    status = fields.String(validate=OneOf(MILESTONE_STATUSES))
    overdue = fields.Boolean(
        metadata={"description": "not completed, and its planned finish has passed"}
    )
    reports = fields.List(fields.Nested(MilestoneReportSchema))
    delays = fields.List(fields.Nested(MilestoneDelaySchema))
    notes = fields.List(fields.Nested(SupervisorNoteSchema))
    version = fields.Integer(metadata={"description": "project version of its last change"})


class MilestoneCreatedSchema(CommandResultSchema):
    milestone_id = fields.String()
