"""Schemas of residents' participation: rounds, ballots, household codes, opinions, answers."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from renovation.domain.participation import (
    CONSENT_CHOICES,
    LINK_KINDS,
    MAX_ANSWER,
    MAX_OPINION,
    MAX_TITLE,
    OPINION_CATEGORIES,
    OUTCOMES,
    QUESTION_TYPES,
    ROUND_KINDS,
    SCOPE_LEVELS,
)
from renovation.domain.project import PROGRAMME_YEARS
from renovation.domain.rulesets import Matter
from renovation.domain.satisfaction import SATISFACTION_CHOICES
from renovation.web.api.schemas import Label, LocalAwareDateTime
from renovation.web.i18n import words
from renovation.web.validation import Length, OneOf, Range

# ---- in ----------------------------------------------------------------------------------


class QuestionCreateSchema(Schema):
    type = fields.String(required=True, validate=OneOf(QUESTION_TYPES))
    text = fields.String(required=True, validate=Length(min=1, max=MAX_TITLE))
    options = fields.List(fields.String(validate=Length(min=1, max=100)), load_default=list)
    required = fields.Boolean(load_default=False)


class ScopeSchema(Schema):
    level = fields.String(load_default="community", validate=OneOf(SCOPE_LEVELS))
    building = fields.String(allow_none=True, validate=Length(max=20))
    unit = fields.String(allow_none=True, validate=Length(max=20))


class ConsultationCreateSchema(Schema):
    kind = fields.String(required=True, validate=OneOf(ROUND_KINDS))
    title = fields.String(required=True, validate=Length(min=1, max=MAX_TITLE))
    questions = fields.List(fields.Nested(QuestionCreateSchema), load_default=list)
    opens_at = LocalAwareDateTime(required=True)
    closes_at = LocalAwareDateTime(required=True)
    scope = fields.Nested(ScopeSchema, load_default=lambda: {"level": "community"})
    intent_vote = fields.Boolean(
        load_default=False,
        metadata={
            "description": "an intent vote (意愿征询): each flat's consent, Civil Code art. 278"
        },
    )
    matter = fields.String(
        allow_none=True,
        validate=OneOf([m.value for m in Matter]),
        metadata={"description": "consent matter class of an intent vote"},
    )


class BallotCreateSchema(Schema):
    code = fields.String(
        required=True,
        validate=Length(min=4, max=30),
        metadata={"description": "the household code printed on the sheet"},
    )
    answers = fields.Dict(keys=fields.String(), load_default=dict)
    consent = fields.String(allow_none=True, validate=OneOf(CONSENT_CHOICES))


class PaperBallotCreateSchema(Schema):
    flat_id = fields.String(required=True, validate=Length(min=1, max=70))
    answers = fields.Dict(keys=fields.String(), load_default=dict)
    consent = fields.String(allow_none=True, validate=OneOf(CONSENT_CHOICES))
    effective_on = fields.Date(allow_none=True, metadata={"description": "the day it was cast"})


class HouseholdCodesCreateSchema(Schema):
    building = fields.String(
        allow_none=True,
        validate=Length(min=1, max=20),
        metadata={"description": "one building; all flats when left out"},
    )


class HouseholdCodesQueryArgsSchema(Schema):
    format = fields.String(load_default="json", validate=OneOf(["json", "pdf"]))
    lang = fields.String(load_default="zh", validate=OneOf(["zh", "en"]))


def flat_field(description: str) -> fields.String:
    return fields.String(
        validate=Length(max=20), load_default="", metadata={"description": description}
    )


def contact_field(description: str) -> fields.String:
    return fields.String(
        validate=Length(max=100), load_default="", metadata={"description": description}
    )


class OpinionCreateSchema(Schema):
    category = fields.String(required=True, validate=OneOf(OPINION_CATEGORIES))
    text = fields.String(required=True, validate=Length(min=1, max=MAX_OPINION))
    building = fields.String(validate=Length(max=20), load_default="")
    unit = fields.String(validate=Length(max=20), load_default="")
    flat = flat_field("personal data: sealed, shown to staff only")
    contact = contact_field("personal data: sealed, shown to staff only")


class LinkSchema(Schema):
    kind = fields.String(required=True, validate=OneOf(LINK_KINDS))
    id = fields.String(required=True, validate=Length(min=1, max=50))


class AnswerCreateSchema(Schema):
    outcome = fields.String(required=True, validate=OneOf(OUTCOMES))
    answer = fields.String(required=True, validate=Length(min=1, max=MAX_ANSWER))
    reason = fields.String(load_default="", validate=Length(max=MAX_ANSWER))
    referred_to = fields.String(load_default="", validate=Length(max=200))
    links = fields.List(fields.Nested(LinkSchema), load_default=list)


class BatchAnswerCreateSchema(AnswerCreateSchema):
    opinion_ids = fields.List(
        fields.String(validate=Length(min=1, max=32)),
        required=True,
        validate=Length(min=1, max=200),
        metadata={"uniqueItems": True},
    )

    @validates_schema
    def _distinct(self, data, **_kwargs) -> None:
        ids = data.get("opinion_ids", [])
        twice = next((i for i in ids if ids.count(i) > 1), None)
        if twice is not None:
            message = words().refusal("listed_twice", {"name": twice})
            raise ValidationError(message, field_name="opinion_ids")


class ModerationCreateSchema(Schema):
    hidden = fields.Boolean(required=True)
    reason = fields.String(load_default="", validate=Length(max=500))


class ErasureCreateSchema(Schema):
    reason = fields.String(
        required=True,
        validate=Length(min=1, max=200),
        metadata={"description": "why, e.g. the resident's request of a date; no personal data"},
    )


class ResidentErasureCreateSchema(ErasureCreateSchema):
    """A resident named by their flat (building, unit, flat, as they typed them) or contact."""

    building = fields.String(validate=Length(max=20), load_default="")
    unit = fields.String(validate=Length(max=20), load_default="")
    flat = flat_field("the flat the resident gave; with building and unit")
    contact = contact_field("the contact the resident gave (a phone number, say)")

    @validates_schema
    def _named(self, data, **_kwargs) -> None:
        if not (data.get("flat") or "").strip() and not (data.get("contact") or "").strip():
            message = words().refusal("resident_not_named", {})
            raise ValidationError(message, field_name="flat")


class OpinionQueryArgsSchema(Schema):
    status = fields.String(validate=OneOf(["open", "answered"]))
    category = fields.String(validate=OneOf(OPINION_CATEGORIES))
    overdue = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=Range(min=1))
    per_page = fields.Integer(load_default=50, validate=Range(min=1, max=200))


class StatsQueryArgsSchema(Schema):
    district = fields.String(validate=Length(max=200))
    year = fields.Integer(
        validate=Range(min=PROGRAMME_YEARS[0], max=PROGRAMME_YEARS[1]),
        metadata={"description": "the programme year (年度)"},
    )


# ---- out ---------------------------------------------------------------------------------


class RoundCreatedSchema(Schema):
    consultation_id = fields.String()
    version = fields.Integer()
    replayed = fields.Boolean()


class RoundSchema(Schema):
    consultation_id = fields.String()
    kind = fields.String()
    kind_label = Label("consultation_kind", attribute="kind")
    title = fields.String()
    status = fields.String(metadata={"description": "upcoming | open | closed"})
    status_label = Label("consultation_status", attribute="status")
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    scope = fields.Dict()
    intent_vote = fields.Boolean()
    matter = fields.String(allow_none=True)
    questions = fields.List(fields.Dict())
    result = fields.Dict(allow_none=True)


class BallotReceiptSchema(Schema):
    consultation_id = fields.String()
    flat = fields.String(metadata={"description": "building-unit of the ballot's flat"})
    replaced = fields.Boolean(
        metadata={"description": "an earlier ballot of the flat was replaced"}
    )
    version = fields.Integer()
    replayed = fields.Boolean()


class HouseholdCodeSchema(Schema):
    flat_id = fields.String()
    code = fields.String()
    vote_url = fields.String()


class HouseholdCodesSchema(Schema):
    version = fields.Integer()
    codes = fields.List(fields.Nested(HouseholdCodeSchema))
    phones_can_open = fields.Boolean(
        metadata={
            "description": "false while PUBLIC_BASE_URL is unset or a loopback address: "
            "phones cannot open the voting links"
        }
    )


class OpinionReceiptSchema(Schema):
    opinion_id = fields.String()
    tracking_code = fields.String()
    tracking_url = fields.String()
    replayed = fields.Boolean()


class PublicOpinionSchema(Schema):
    """What anyone holding the tracking code may see: no personal data."""

    tracking_code = fields.String()
    project_id = fields.String()
    project_name = fields.String()
    category = fields.String()
    category_label = Label("opinion_category", attribute="category")
    text = fields.String(allow_none=True, metadata={"description": "null when moderated"})
    hidden = fields.Boolean()
    status = fields.String()
    status_label = Label("opinion_status", attribute="status")
    submitted_at = fields.String()
    answer_due_on = fields.String()
    outcome = fields.String(allow_none=True)
    outcome_label = Label("answer_outcome", attribute="outcome", allow_none=True)
    answer = fields.String()
    reason = fields.String()
    referred_to = fields.String()
    links = fields.List(fields.Dict())
    answered_at = fields.String(allow_none=True)
    rating = fields.String(
        allow_none=True,
        metadata={"description": "the resident's rating of the answer, null until rated"},
    )
    rating_label = Label("satisfaction", attribute="rating", allow_none=True)
    rated_at = fields.String(allow_none=True)


class RatingCreateSchema(Schema):
    """The resident's rating of the answer to their opinion: 满意 / 基本满意 / 不满意."""

    rating = fields.String(required=True, validate=OneOf(SATISFACTION_CHOICES))


class StaffOpinionSchema(PublicOpinionSchema):
    opinion_id = fields.String()
    moderation_reason = fields.String()
    building = fields.String()
    unit = fields.String()
    channel = fields.String()
    answered_on_time = fields.Boolean(allow_none=True)
    answered_by = fields.String(allow_none=True)
    personal = fields.Dict(
        allow_none=True,
        metadata={"description": "flat and contact; only on a single opinion, and logged"},
    )


class OpinionPageSchema(Schema):
    items = fields.List(fields.Nested(StaffOpinionSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class FiguresSchema(Schema):
    received = fields.Integer()
    answered = fields.Integer()
    open = fields.Integer()
    overdue = fields.Integer()
    answered_on_time = fields.Integer()
    on_time_rate = fields.String(allow_none=True)
    outcomes = fields.Dict(keys=fields.String(), values=fields.Integer())
    adoption_rate = fields.String(allow_none=True)
    ratings = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "residents' ratings of the answers: satisfied, … dissatisfied"},
    )
    rated = fields.Integer()
    answer_satisfaction_rate = fields.String(
        allow_none=True,
        metadata={"description": "(satisfied + basically satisfied) / answers rated"},
    )


class ProjectFiguresSchema(Schema):
    project_id = fields.String()
    name = fields.String()
    district = fields.String()
    stage = fields.String()
    stage_label = Label("project_stage", attribute="stage")
    opinions = fields.Nested(FiguresSchema)


class StatsSchema(Schema):
    district = fields.String(allow_none=True)
    year = fields.Integer(allow_none=True)
    as_of = fields.String()
    opinions = fields.Nested(FiguresSchema)
    projects = fields.List(fields.Nested(ProjectFiguresSchema))
