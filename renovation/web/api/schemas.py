"""Marshmallow schemas: what the API accepts (``*CreateSchema``, ``*QueryArgsSchema``), returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields

from renovation.domain.base import LOCAL_TZ
from renovation.domain.project import CATEGORIES, MAX_NAME, MAX_NOTE
from renovation.domain.registration import MAX_PLANNED_COST
from renovation.domain.stages import Stage
from renovation.web.i18n import label
from renovation.web.validation import Length, OneOf, Range

STAGES = [s.value for s in Stage]
Name = fields.String


def _name(required: bool = True, **kwargs) -> fields.String:
    return fields.String(
        required=required,
        validate=Length(min=1 if required else 0, max=MAX_NAME),
        **kwargs,
    )


class DecimalText(fields.Decimal):
    """An exact decimal, given and returned as a string ("75.50") or a JSON number.

    Documented as a string in OpenAPI (see ``init_api``): money and areas are never floats.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("as_string", True)
        super().__init__(**kwargs)


class LocalAwareDateTime(fields.AwareDateTime):
    """ISO 8601; a time without an offset is read as Beijing time, the bureau's clock."""

    def __init__(self, **kwargs) -> None:
        super().__init__(default_timezone=LOCAL_TZ, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        return super()._deserialize(value, attr, data, **kwargs).astimezone(UTC)


# ---- in ----------------------------------------------------------------------------------


class FlatCreateSchema(Schema):
    number = fields.String(required=True, validate=Length(min=1, max=20))
    floor = fields.Integer(required=True, strict=True, validate=Range(min=-5, max=100))
    area = DecimalText(
        required=True,
        validate=Range(min=0, min_inclusive=False, max=10000),
        metadata={"description": "registered exclusive area (m²)"},
    )
    owner_ref = fields.String(
        validate=Length(max=100),
        metadata={
            "description": "an owner reference (not a name); one owner may hold several flats"
        },
    )
    unsold = fields.Boolean(
        load_default=False, metadata={"description": "an unsold developer flat"}
    )


class UnitCreateSchema(Schema):
    code = fields.String(required=True, validate=Length(min=1, max=20))
    flats = fields.List(
        fields.Nested(FlatCreateSchema), required=True, validate=Length(min=1)
    )


class BuildingCreateSchema(Schema):
    code = fields.String(required=True, validate=Length(min=1, max=20))
    name = fields.String(validate=Length(max=MAX_NAME))
    units = fields.List(
        fields.Nested(UnitCreateSchema), required=True, validate=Length(min=1)
    )


class ContentItemCreateSchema(Schema):
    category = fields.String(required=True, validate=OneOf(CATEGORIES, kind="content_category"))
    item = _name()
    unit = fields.String(required=True, validate=Length(min=1, max=20))
    planned_quantity = DecimalText(required=True, validate=Range(min=0))
    planned_cost = DecimalText(
        allow_none=True,
        validate=Range(min=0, max=MAX_PLANNED_COST),
        metadata={
            "description": "planned cost in yuan (fen at most); when every item with "
            "milestones has one, the progress figure weighs items by it"
        },
    )


class BudgetLineCreateSchema(Schema):
    source = _name(metadata={"description": "funding source, e.g. 中央补助资金"})
    amount = DecimalText(required=True, places=None, validate=Range(min=0))


class CommunitySchema(Schema):
    name = _name()
    district = _name()
    city = _name(required=False)
    street = _name(required=False)
    address = _name(required=False)
    year_built = fields.Integer(strict=True, validate=Range(min=1900, max=2100))


class ProjectCreateSchema(Schema):
    community = fields.Nested(CommunitySchema, required=True)
    buildings = fields.List(
        fields.Nested(BuildingCreateSchema), required=True, validate=Length(min=1)
    )
    content_items = fields.List(fields.Nested(ContentItemCreateSchema), load_default=list)
    budget = fields.List(fields.Nested(BudgetLineCreateSchema), load_default=list)
    planned_start = fields.Date(allow_none=True)
    planned_finish = fields.Date(allow_none=True)
    effective_on = fields.Date(
        allow_none=True, metadata={"description": "the day it took effect, if not today"}
    )


class TransitionCreateSchema(Schema):
    to_stage = fields.String(required=True, validate=OneOf(STAGES, kind="project_stage"))
    note = fields.String(load_default="", validate=Length(max=MAX_NOTE))
    effective_on = fields.Date(allow_none=True)


class ProgressCreateSchema(Schema):
    actual_quantity = DecimalText(required=True, validate=Range(min=0))
    note = fields.String(load_default="", validate=Length(max=MAX_NOTE))
    effective_on = fields.Date(allow_none=True)


class ProjectQueryArgsSchema(Schema):
    district = fields.String(validate=Length(max=MAX_NAME))
    stage = fields.String(validate=OneOf(STAGES, kind="project_stage"))
    q = fields.String(validate=Length(max=100))
    page = fields.Integer(load_default=1, validate=Range(min=1))
    per_page = fields.Integer(load_default=20, validate=Range(min=1, max=100))


class ProjectStateQueryArgsSchema(Schema):
    as_of = LocalAwareDateTime(metadata={"description": "ISO 8601; state as recorded then"})
    version = fields.Integer(
        validate=Range(min=1), metadata={"description": "with as_of: the earlier of the two"}
    )


class LanguageQueryArgsSchema(Schema):
    lang = fields.String(
        load_default="zh",
        validate=OneOf(["zh", "en"]),
        metadata={"description": "the one language of the PDF"},
    )


class ReportQueryArgsSchema(LanguageQueryArgsSchema):
    as_of = LocalAwareDateTime(metadata={"description": "render the report as of this time"})


class EventQueryArgsSchema(Schema):
    after_version = fields.Integer(load_default=0, validate=Range(min=0))
    limit = fields.Integer(load_default=500, validate=Range(min=1, max=5000))


# ---- out ---------------------------------------------------------------------------------


class Label(fields.String):
    """The label of a code another field carries, in the API's language (``Accept-Language``):
    ``stage_label = Label("project_stage", attribute="stage")`` → "Under construction" / "施工中".
    The code stays what a client compares; the label is what it may show."""

    def __init__(self, kind: str, *, attribute: str, **kwargs: Any) -> None:
        description = f"the label of `{attribute}` in the language asked for by Accept-Language"
        super().__init__(
            attribute=attribute, dump_only=True, metadata={"description": description}, **kwargs
        )
        self.kind = kind

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else label(self.kind, value)


class RefusalSchema(Schema):
    """Every 4xx and 5xx answer of the API: a stable code, words, the fields to blame."""

    code = fields.String(
        required=True,
        metadata={"description": "stable code of the refusal (see the README), e.g. gate_closed"},
    )
    message = fields.String(
        required=True, metadata={"description": "the refusal in words (Accept-Language: en, zh)"}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "field path → reasons; `_request` when no one field is to blame"},
    )
    params = fields.Dict(
        metadata={"description": "the values the message names (ids, dates, stages), by name"}
    )
    gate = fields.String(metadata={"description": "409 on a stage move: the gate that holds"})
    version = fields.Integer(metadata={"description": "409 on If-Match: the current version"})


class ContentItemSchema(Schema):
    id = fields.String()
    category = fields.String()
    category_label = Label("content_category", attribute="category")
    item = fields.String()
    unit = fields.String()
    planned_quantity = DecimalText()
    planned_cost = DecimalText(allow_none=True)
    actual_quantity = DecimalText(allow_none=True)


class BudgetLineSchema(Schema):
    source = fields.String()
    amount = DecimalText()


class ProjectSummarySchema(Schema):
    id = fields.String()
    name = fields.String()
    district = fields.String()
    city = fields.String()
    street = fields.String()
    address = fields.String()
    year_built = fields.Integer(allow_none=True)
    year = fields.Integer(allow_none=True, metadata={"description": "programme year (年度)"})
    batch = fields.String(allow_none=True, metadata={"description": "programme batch (批次)"})
    stage = fields.String()
    stage_label = Label("project_stage", attribute="stage")
    version = fields.Integer()
    buildings = fields.Integer()
    units = fields.Integer()
    flats = fields.Integer()
    households = fields.Integer()
    total_area = fields.String()
    budget_total = fields.String()
    planned_start = fields.String(allow_none=True)
    planned_finish = fields.String(allow_none=True)
    updated_at = fields.String()
    position = fields.Integer(metadata={"description": "event position the summary reflects"})


class ProjectPageSchema(Schema):
    items = fields.List(fields.Nested(ProjectSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class FlatSchema(Schema):
    number = fields.String()
    floor = fields.Integer()
    area = DecimalText()
    unsold = fields.Boolean()


class UnitSchema(Schema):
    code = fields.String()
    flats = fields.List(fields.Nested(FlatSchema))


class BuildingSchema(Schema):
    code = fields.String()
    name = fields.String()
    units = fields.List(fields.Nested(UnitSchema))


class StageStepSchema(Schema):
    from_stage = fields.String()
    to_stage = fields.String()
    at = fields.DateTime()
    effective_on = fields.Date(allow_none=True)
    actor_id = fields.String()
    version = fields.Integer()


class ProgressSchema(Schema):
    """The project's progress as one figure, weighted from its construction milestones."""

    percent = DecimalText(
        metadata={"description": 'per cent done, one decimal, rounded down, e.g. "62.5"'}
    )
    basis = fields.String(
        metadata={
            "description": "how content items are weighed: planned_cost (every item with "
            "milestones has a planned cost) or planned_quantity (equal weights across items)"
        }
    )
    basis_label = Label("progress_basis", attribute="basis")
    explanation = Label("progress_basis_explanation", attribute="basis")


class ProjectSchema(Schema):
    """A project's full state (owner references are left out: they are personal data)."""

    id = fields.UUID()
    version = fields.Integer()
    stage = fields.String()
    stage_label = Label("project_stage", attribute="stage")
    next_stages = fields.List(fields.String())
    community = fields.Dict()
    buildings = fields.List(fields.Nested(BuildingSchema))
    content_items = fields.List(fields.Nested(ContentItemSchema))
    budget = fields.List(fields.Nested(BudgetLineSchema))
    planned_start = fields.Date(allow_none=True)
    planned_finish = fields.Date(allow_none=True)
    stage_history = fields.List(fields.Nested(StageStepSchema))
    progress = fields.Nested(
        ProgressSchema,
        allow_none=True,
        metadata={"description": "null while no construction milestone is planned"},
    )
    created_on = fields.DateTime()
    modified_on = fields.DateTime()
    as_of = fields.DateTime(allow_none=True)


class CommandResultSchema(Schema):
    id = fields.UUID()
    version = fields.Integer()
    replayed = fields.Boolean(metadata={"description": "true when the Idempotency-Key was seen"})


class EventSchema(Schema):
    version = fields.Integer()
    type = fields.String()
    recorded_at = fields.DateTime()
    effective_on = fields.Date(allow_none=True)
    actor_id = fields.String()
    actor_role = fields.String()
    channel = fields.String()
    command_id = fields.String(allow_none=True)
    data = fields.Dict()


class EventPageSchema(Schema):
    project_id = fields.UUID()
    events = fields.List(fields.Nested(EventSchema))


class VerificationSchema(Schema):
    project_id = fields.String()
    ok = fields.Boolean()
    events_checked = fields.Integer()
    chain_digest = fields.String()
    problems = fields.List(fields.Dict())
