"""Lift retrofits over the API: polls, votes, stages, objections, cost shares, the notice PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from renovation.domain.base import LOCAL_TZ
from renovation.domain.cost_shares import BudgetMissingError
from renovation.domain.lifts import LIFT_CHOICES, OBJECTION_OUTCOMES, LiftStage
from renovation.web import runtime
from renovation.web.access import PUBLIC, RESIDENT, STAFF, access
from renovation.web.api.schemas import (
    CommandResultSchema,
    DecimalText,
    Label,
    LanguageQueryArgsSchema,
    LocalAwareDateTime,
)
from renovation.web.api.writes import (
    WRITE_ROLES,
    Blueprint,
    committed,
    created,
    resident_write,
    staff_write,
)
from renovation.web.auth import require_role
from renovation.web.limits import household_code_checks, lift_objection_writes, lift_vote_writes
from renovation.web.links import lift_public_url

blp = Blueprint(
    "lifts", __name__, url_prefix="/api/projects", description="Lift retrofits (加装电梯)"
)

# ---- schemas -----------------------------------------------------------------------------


# The highest floor a unit's agreed coefficients may name (old compounds have 6 to 9 floors).
MAX_FLOORS = 40


class LiftCreateSchema(Schema):
    building = fields.String(required=True, validate=validate.Length(min=1, max=20))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=20))
    veto_flats = fields.List(
        fields.String(validate=validate.Length(min=1, max=70)),
        load_default=list,
        metadata={"description": "flats whose exclusive part the lift would occupy (veto)"},
    )
    poll_opens_at = LocalAwareDateTime(required=True)
    poll_closes_at = LocalAwareDateTime(required=True)


class PollReopenSchema(Schema):
    poll_opens_at = LocalAwareDateTime(required=True)
    poll_closes_at = LocalAwareDateTime(required=True)


class LiftVoteCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=4, max=30))
    choice = fields.String(required=True, validate=validate.OneOf(LIFT_CHOICES))


class PaperLiftVoteCreateSchema(Schema):
    flat_id = fields.String(required=True, validate=validate.Length(min=1, max=70))
    choice = fields.String(required=True, validate=validate.OneOf(LIFT_CHOICES))
    effective_on = fields.Date(allow_none=True)


class AgreementSchema(Schema):
    """What a stage records; the agreement's budget is needed for cost shares."""

    manager = fields.String(validate=validate.Length(min=1, max=200))
    budget = DecimalText(places=None, validate=validate.Range(min=0))
    subsidy = DecimalText(places=None, validate=validate.Range(min=0))
    cost_sharing = fields.String(validate=validate.Length(min=1, max=1000))
    maintenance_sharing = fields.String(validate=validate.Length(min=1, max=1000))
    compensation = fields.String(validate=validate.Length(max=1000))
    document = fields.String(validate=validate.Length(min=1, max=200))
    authority = fields.String(validate=validate.Length(min=1, max=200))
    report = fields.String(validate=validate.Length(min=1, max=200))
    registration = fields.String(validate=validate.Length(min=1, max=200))
    reason = fields.String(validate=validate.Length(min=1, max=1000))
    floor_coefficients = fields.Dict(
        keys=fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_FLOORS)),
        values=DecimalText(places=None),
        metadata={
            "description": "agreement only: the unit's own coefficient per floor, e.g. "
            '{"1": "0", "2": "0.5", "3": "1.0"}, one for every floor that pays; '
            "left out, the ruleset's reference table applies"
        },
    )
    exempt_floors = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        metadata={"description": "agreement only: floors that pay nothing"},
    )


class LiftTransitionCreateSchema(Schema):
    to_stage = fields.String(required=True, validate=validate.OneOf([s.value for s in LiftStage]))
    on = fields.Date(
        allow_none=True, metadata={"description": "the day it happened; today if left out"}
    )
    details = fields.Nested(AgreementSchema, load_default=dict)


class ObjectionCreateSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    code = fields.String(
        validate=validate.Length(min=4, max=30),
        metadata={"description": "the objector's household code, if any"},
    )


class ObjectionAnswerSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OBJECTION_OUTCOMES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class LiftSchema(Schema):
    lift_id = fields.String()
    building = fields.String()
    unit = fields.String()
    stage = fields.String()
    stage_label = Label("lift_stage", attribute="stage")
    poll_opens_at = fields.DateTime()
    poll_closes_at = fields.DateTime()
    poll_closed = fields.Boolean()
    veto_flats = fields.List(fields.String())
    notice_ends_on = fields.Date(allow_none=True)
    objections_end_on = fields.Date(allow_none=True)
    flats = fields.List(fields.Dict())
    consent = fields.Dict(metadata={"description": "Civil Code art. 278 arithmetic, explained"})
    agreement = fields.Dict(allow_none=True)
    cost_sharing_agreed = fields.Dict(
        allow_none=True,
        metadata={"description": "the unit's agreed coefficients per floor, if recorded"},
    )
    objections = fields.List(fields.Dict())
    deadlines = fields.List(fields.Dict())
    cost_shares = fields.Dict(allow_none=True)


class LiftCreatedSchema(CommandResultSchema):
    lift_id = fields.String()


def _plain(value: Any) -> Any:
    """Dates, datetimes and decimals in nested dicts as strings for the JSON answer."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def lift_body(project_id: UUID, lift_id: str) -> dict[str, Any]:
    app = runtime().app
    view = app.lift_view(project_id, lift_id)
    try:
        shares = app.lift_cost_shares(project_id, lift_id)
    except BudgetMissingError:
        shares = None
    view["cost_shares"] = shares
    view["flats"] = _plain(view["flats"])
    view["agreement"] = _plain(view["agreement"])
    view["objections"] = _plain(view["objections"])
    view["deadlines"] = _plain(view["deadlines"])
    return view


# ---- routes ------------------------------------------------------------------------------


@blp.route("/<uuid:project_id>/lifts")
class Lifts(MethodView):
    @access(PUBLIC)
    @blp.response(200, LiftSchema(many=True))
    def get(self, project_id: UUID):
        """The project's lift retrofits (public)."""
        return [
            lift_body(project_id, lift_id)
            for lift_id in runtime().app.get_project(project_id).lifts
        ]

    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(LiftCreateSchema)
    @blp.response(201, LiftCreatedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Start a unit's lift retrofit with a willingness poll."""
        result = runtime().app.propose_lift(project_id, data, **staff_write(project_id).kwargs)
        body, status, headers = created(result)
        return {**body, "lift_id": result.value["lift_id"]}, status, headers


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>")
class Lift(MethodView):
    @access(PUBLIC)
    @blp.response(200, LiftSchema)
    def get(self, project_id: UUID, lift_id: str):
        """Stage, votes, the consent result with its arithmetic, cost shares and deadlines."""
        return lift_body(project_id, lift_id)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/votes")
class LiftVotes(MethodView):
    @access(RESIDENT)
    @lift_vote_writes
    @household_code_checks
    @blp.arguments(LiftVoteCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write(public=True)
    def post(self, data: dict[str, Any], project_id: UUID, lift_id: str):
        """A flat's consent, with its household code (public); a later vote replaces it."""
        result = runtime().app.cast_lift_vote(
            project_id,
            lift_id,
            code=data["code"],
            choice=data["choice"],
            **resident_write().kwargs,
        )
        return created(result)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/paper-votes")
class PaperLiftVotes(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(PaperLiftVoteCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, lift_id: str):
        """A paper vote entered by staff on a flat's behalf (channel "paper")."""
        result = runtime().app.cast_lift_vote(
            project_id,
            lift_id,
            flat_id=data["flat_id"],
            choice=data["choice"],
            effective_on=data.get("effective_on"),
            **staff_write(project_id, channel="paper").kwargs,
        )
        return created(result)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/close-poll")
class ClosePoll(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.response(200, LiftSchema)
    @blp.write()
    def post(self, project_id: UUID, lift_id: str):
        """Count the poll by the ruleset in force today; passing moves it to consent_passed."""
        result = runtime().app.close_lift_poll(
            project_id, lift_id, **staff_write(project_id).kwargs
        )
        runtime().catch_up(until=result.position)
        return lift_body(project_id, lift_id), 200, {"ETag": f'"{result.version}"'}


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/reopen-poll")
class ReopenPoll(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(PollReopenSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, lift_id: str):
        """Hold a failed poll again, in a new window."""
        result = runtime().app.reopen_lift_poll(
            project_id, lift_id, data, **staff_write(project_id).kwargs
        )
        return committed(result)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/transitions")
class LiftTransitions(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(LiftTransitionCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, lift_id: str):
        """Move the retrofit on; a gate not passed (notice, objections, inspection,
        registration) answers 409 naming it."""
        result = runtime().app.transition_lift(
            project_id,
            lift_id,
            data["to_stage"],
            on=data.get("on"),
            details=data["details"],
            **staff_write(project_id).kwargs,
        )
        return committed(result)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/objections")
class Objections(MethodView):
    @access(PUBLIC)
    @lift_objection_writes
    @blp.arguments(ObjectionCreateSchema)
    @blp.response(201, LiftCreatedSchema)
    @blp.write(public=True)
    def post(self, data: dict[str, Any], project_id: UUID, lift_id: str):
        """An objection during the public notice or the objection window (public)."""
        result = runtime().app.lodge_objection(
            project_id,
            lift_id,
            text=data["text"],
            code=data.get("code"),
            **resident_write().kwargs,
        )
        body, status, headers = created(result)
        return {**body, "lift_id": lift_id, **result.value}, status, headers


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/objections/<string:objection_id>/answer")
class ObjectionAnswer(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ObjectionAnswerSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, lift_id: str, objection_id: str):
        """Mediated, upheld (the design goes back for change) or dismissed, with a reason."""
        result = runtime().app.answer_objection(
            project_id,
            lift_id,
            objection_id,
            outcome=data["outcome"],
            reason=data["reason"],
            **staff_write(project_id).kwargs,
        )
        return committed(result)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/cost-shares")
class CostShares(MethodView):
    @access(PUBLIC)
    @blp.response(200)
    def get(self, project_id: UUID, lift_id: str):
        """Each flat's share: floor coefficient × area × cost per m², after subsidies."""
        return runtime().app.lift_cost_shares(project_id, lift_id)


@blp.route("/<uuid:project_id>/lifts/<string:lift_id>/notice.pdf")
class Notice(MethodView):
    @access(PUBLIC)
    @blp.arguments(LanguageQueryArgsSchema, location="query")
    @blp.response(200, content_type="application/pdf", description="the public notice (公示)")
    def get(self, args: dict[str, Any], project_id: UUID, lift_id: str):
        """The public notice (公示) of the unit's lift: votes, arithmetic, dates, shares."""
        from renovation.projections.queries import get_summary
        from renovation.reports.lift_notice import render_lift_notice

        rt = runtime()
        rt.catch_up()
        body = lift_body(project_id, lift_id)
        view = rt.app.lift_view(project_id, lift_id)
        summary = get_summary(rt.engine, str(project_id))
        pdf = render_lift_notice(
            {
                "lang": args["lang"],
                "project": {
                    "id": str(project_id),
                    "name": summary["name"],
                    "district": summary["district"],
                    "street": summary["street"],
                },
                "lift": view,
                "shares": body["cost_shares"],
                "public_url": lift_public_url(project_id, lift_id),
                "position": summary["position"],
                "chain_digest": summary["chain_digest"],
                "audit_checkpoint": rt.audit_log.printed_checkpoint(summary["position"]),
                "rendered_at": datetime.now(UTC).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
            }
        )
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="lift-notice-{lift_id}.pdf"'},
        )
