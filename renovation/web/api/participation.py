"""Residents' voice over the API: consultation rounds, household codes, ballots, opinions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Response, url_for
from flask.views import MethodView

from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import ConflictError
from renovation.domain.participation import UnknownOpinionError, round_status
from renovation.projections.figures_sum import figure_states, opinions_of
from renovation.projections.queries import find_opinion, list_opinions
from renovation.web import runtime
from renovation.web.access import AUDITOR, CITY_AUDITOR, PUBLIC, RESIDENT, STAFF, access
from renovation.web.api.audit import check_project_reader
from renovation.web.api.participation_schemas import (
    AnswerCreateSchema,
    BallotCreateSchema,
    BallotReceiptSchema,
    BatchAnswerCreateSchema,
    ConsultationCreateSchema,
    HouseholdCodesCreateSchema,
    HouseholdCodesQueryArgsSchema,
    HouseholdCodesSchema,
    ModerationCreateSchema,
    OpinionCreateSchema,
    OpinionPageSchema,
    OpinionQueryArgsSchema,
    OpinionReceiptSchema,
    PaperBallotCreateSchema,
    PublicOpinionSchema,
    RatingCreateSchema,
    RoundCreatedSchema,
    RoundSchema,
    StaffOpinionSchema,
    StatsQueryArgsSchema,
    StatsSchema,
)
from renovation.web.api.schemas import CommandResultSchema, RefusalSchema
from renovation.web.api.writes import (
    WRITE_ROLES,
    Blueprint,
    answered,
    committed,
    created,
    resident_write,
    staff_write,
)
from renovation.web.auth import any_user, api_user, require_role
from renovation.web.limits import (
    ballot_writes,
    household_code_checks,
    opinion_writes,
    rating_writes,
    tracking_code_checks,
)
from renovation.web.links import phones_can_open_links, vote_url

blp = Blueprint(
    "participation",
    __name__,
    url_prefix="/api",
    description="Residents' voice: consultations (问需/问计/问效), ballots, opinions (意见建议)",
)


def round_view(round_: dict[str, Any], *, with_live_result: dict | None = None) -> dict:
    status = round_status(round_, datetime.now(UTC))
    return {
        "consultation_id": round_["round_id"],
        **{
            k: round_[k]
            for k in (
                "kind",
                "title",
                "opens_at",
                "closes_at",
                "scope",
                "intent_vote",
                "matter",
                "questions",
            )
        },
        "status": status,
        "result": round_["result"] if round_["result"] is not None else with_live_result,
    }


# ---- rounds ------------------------------------------------------------------------------


@blp.route("/projects/<uuid:project_id>/consultations")
class Consultations(MethodView):
    @access(PUBLIC)
    @blp.response(200, RoundSchema(many=True))
    def get(self, project_id: UUID):
        """The project's consultation rounds; results once a round is closed."""
        project = runtime().app.get_project(project_id)
        return [round_view(r) for r in project.rounds.values()]

    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ConsultationCreateSchema)
    @blp.response(201, RoundCreatedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Open a round: needs, plan or evaluation; an intent vote asks each flat's consent."""
        result = runtime().app.open_consultation(project_id, data, **staff_write(project_id).kwargs)
        body, status, headers = created(result)
        return {**body, "consultation_id": result.value["consultation_id"]}, status, headers


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>")
class Consultation(MethodView):
    @access(PUBLIC)
    @blp.response(200, RoundSchema)
    def get(self, project_id: UUID, consultation_id: str):
        """One round; staff and auditors also see the live count while it is open."""
        app = runtime().app
        round_ = app.get_project(project_id).find_round(consultation_id)
        user = any_user()
        live = app.round_result(project_id, consultation_id) if user is not None else None
        return round_view(round_, with_live_result=live)


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>/votes")
class Ballots(MethodView):
    @access(RESIDENT)
    @ballot_writes
    @household_code_checks
    @blp.arguments(BallotCreateSchema)
    @blp.response(201, BallotReceiptSchema)
    @blp.write(public=True)
    def post(self, data: dict[str, Any], project_id: UUID, consultation_id: str):
        """A household votes with its code (public); voting again before the close replaces it."""
        app = runtime().app
        before = app.get_project(project_id).find_round(consultation_id)["ballots"]
        result = app.cast_vote(
            project_id,
            consultation_id,
            code=data["code"],
            answers=data["answers"],
            consent=data.get("consent"),
            **resident_write().kwargs,
        )
        answered(result)
        flat = result.value["flat_id"]
        return (
            {
                "consultation_id": consultation_id,
                "flat": flat,
                "replaced": flat in before and not result.replayed,
                "version": result.version,
                "replayed": result.replayed,
            },
            200 if result.replayed else 201,
            {"ETag": f'"{result.version}"'},
        )


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>/paper-votes")
class PaperBallots(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(PaperBallotCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, consultation_id: str):
        """Staff enter a paper ballot on a household's behalf (channel "paper")."""
        result = runtime().app.cast_paper_vote(
            project_id,
            consultation_id,
            flat_id=data["flat_id"],
            answers=data["answers"],
            consent=data.get("consent"),
            effective_on=data.get("effective_on"),
            **staff_write(project_id, channel="paper").kwargs,
        )
        return created(result)


@blp.route("/projects/<uuid:project_id>/consultations/<string:consultation_id>/close")
class CloseConsultation(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.response(200, RoundSchema)
    @blp.write()
    def post(self, project_id: UUID, consultation_id: str):
        """Close a round after its window; an intent vote's result moves the project on."""
        app = runtime().app
        result = app.close_consultation(
            project_id, consultation_id, **staff_write(project_id).kwargs
        )
        runtime().catch_up(until=result.position)
        round_ = app.get_project(project_id).find_round(consultation_id)
        return round_view(round_), 200, {"ETag": f'"{result.version}"'}


@blp.route("/projects/<uuid:project_id>/household-codes")
class HouseholdCodes(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(HouseholdCodesCreateSchema)
    @blp.arguments(HouseholdCodesQueryArgsSchema, location="query")
    @blp.response(201, HouseholdCodesSchema)
    @blp.alt_response(201, content_type="application/pdf", description="printable code slips")
    @blp.write()
    def post(self, data: dict[str, Any], args: dict[str, Any], project_id: UUID):
        """Issue new household codes (one per flat, of one building or all); earlier ones lapse.

        The codes are in this answer only (JSON, or ``?format=pdf`` for the printable slips
        with a QR code each): the service keeps only their digests.
        """
        app = runtime().app
        result = app.issue_household_codes(
            project_id, building=data.get("building"), **staff_write(project_id).kwargs
        )
        if result.replayed:
            raise ConflictError("household_codes_not_kept")
        runtime().catch_up(until=result.position)
        if args["format"] == "pdf":
            from renovation.reports.contexts import household_code_sheet_context
            from renovation.reports.household_codes import render_household_code_sheet

            project = app.get_project(project_id)
            pdf = render_household_code_sheet(
                household_code_sheet_context(
                    project_id=str(project_id),
                    community=project.community,
                    flats=project.flats(),
                    codes=result.value,
                    building=data.get("building"),
                    vote_url=lambda code: vote_url(project_id, code),
                    lang=args["lang"],
                    phones_can_open=phones_can_open_links(),
                    audit_checkpoint=runtime().audit_log.printed_checkpoint(result.position),
                )
            )
            return Response(
                pdf,
                status=201,
                mimetype="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="codes-{project_id}.pdf"'},
            )
        codes = [
            {"flat_id": flat, "code": code, "vote_url": vote_url(project_id, code)}
            for flat, code in result.value.items()
        ]
        body = {
            "version": result.version,
            "codes": codes,
            "phones_can_open": phones_can_open_links(),
        }
        return body, 201, {"ETag": f'"{result.version}"'}


# ---- opinions ----------------------------------------------------------------------------


@blp.route("/projects/<uuid:project_id>/opinions")
class Opinions(MethodView):
    @access(PUBLIC)
    @opinion_writes
    @blp.arguments(OpinionCreateSchema)
    @blp.response(201, OpinionReceiptSchema)
    @blp.write(public=True)
    def post(self, data: dict[str, Any], project_id: UUID):
        """Submit an opinion (public); the answer carries the tracking code."""
        result = runtime().app.submit_opinion(project_id, data, **resident_write().kwargs)
        answered(result)
        code = result.value["tracking_code"]
        return (
            {
                **result.value,
                "tracking_url": url_for("participation.OpinionByCode", tracking_code=code),
                "replayed": result.replayed,
            },
            200 if result.replayed else 201,
            {"ETag": f'"{result.version}"'},
        )

    @access(STAFF, AUDITOR)
    @require_role("staff", "admin", "auditor")
    @blp.arguments(OpinionQueryArgsSchema, location="query")
    @blp.response(200, OpinionPageSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self, args: dict[str, Any], project_id: UUID):
        """The opinion queue of a project, oldest first (auditors; staff of the project's
        district; no personal data)."""
        check_project_reader(project_id)
        today = datetime.now(LOCAL_TZ).date().isoformat()
        rows, total = list_opinions(
            runtime().engine,
            project_id=str(project_id),
            status=args.get("status"),
            category=args.get("category"),
            overdue_on=today if args["overdue"] else None,
            page=args["page"],
            per_page=args["per_page"],
        )
        return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/projects/<uuid:project_id>/opinions/<hex:opinion_id>")
class StaffOpinion(MethodView):
    @access(STAFF, AUDITOR)
    @require_role("staff", "admin", "auditor")
    @blp.response(200, StaffOpinionSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self, project_id: UUID, opinion_id: str):
        """One opinion (auditors; staff of its district, who also see the sender's flat and
        contact, logged)."""
        check_project_reader(project_id)
        row = find_opinion(runtime().engine, opinion_id=opinion_id)
        if row is None or row["project_id"] != str(project_id):
            raise UnknownOpinionError(field="opinion_id", opinion_id=opinion_id)
        user = api_user()
        row = dict(row, personal=None)
        if user.role != "auditor" and user.may_write_in(row["district"]):
            vault = runtime().vault
            row["personal"] = vault.open(row["personal_key_id"], row["personal_sealed"])
            if row["personal"] is not None:
                vault.log_read(
                    actor_id=user.actor_id,
                    actor_role=user.role,
                    project_id=str(project_id),
                    subject=f"opinion:{opinion_id}",
                    purpose="answer an opinion (api)",
                )
        return row


@blp.route("/projects/<uuid:project_id>/opinions/<hex:opinion_id>/answer")
class Answer(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(AnswerCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, opinion_id: str):
        """The bureau's answer: adopted, partly or not adopted (with reason), or referred."""
        result = runtime().app.answer_opinions(
            project_id, [opinion_id], data, **staff_write(project_id).kwargs
        )
        return committed(result)


@blp.route("/projects/<uuid:project_id>/opinions/answers")
class BatchAnswer(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(BatchAnswerCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Answer several opinions alike, all or none."""
        write = staff_write(project_id)
        ids = data.pop("opinion_ids")
        result = runtime().app.answer_opinions(project_id, ids, data, **write.kwargs)
        return committed(result)


@blp.route("/projects/<uuid:project_id>/opinions/<hex:opinion_id>/moderation")
class Moderation(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ModerationCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, opinion_id: str):
        """Hide abusive text from public pages (or show it again); the history keeps it."""
        result = runtime().app.moderate_opinion(
            project_id,
            opinion_id,
            hidden=data["hidden"],
            reason=data["reason"],
            **staff_write(project_id).kwargs,
        )
        return committed(result)


@blp.route("/opinions/<string:tracking_code>")
class OpinionByCode(MethodView):
    @access(RESIDENT)
    @tracking_code_checks
    @blp.response(200, PublicOpinionSchema)
    @blp.alt_response(
        429,
        schema=RefusalSchema,
        description="rate_limited: too many tracking-code look-ups from this client address "
        "(CODE_CHECK_RATE_LIMIT, shared with the tracking page)",
    )
    def get(self, tracking_code: str):
        """An opinion's status and answer, by its tracking code (public; no personal data)."""
        code = "".join(ch for ch in tracking_code.upper() if ch.isalnum())
        row = find_opinion(runtime().engine, tracking_code=code)
        if row is None:
            raise UnknownOpinionError(
                "unknown_tracking_code", field="tracking_code", tracking_code=tracking_code
            )
        return dict(row, text=None if row["hidden"] else row["text"])


@blp.route("/opinions/<string:tracking_code>/rating")
class OpinionRating(MethodView):
    @access(RESIDENT)
    @rating_writes
    @tracking_code_checks
    @blp.arguments(RatingCreateSchema)
    @blp.response(200, PublicOpinionSchema)
    @blp.write(public=True, versioned=False)
    def post(self, data: dict[str, Any], tracking_code: str):
        """Rate the answer to one's opinion, by its tracking code (public): satisfied,
        basically_satisfied or dissatisfied; only once it is answered, a new rating replaces
        the last."""
        code = "".join(ch for ch in tracking_code.upper() if ch.isalnum())
        row = find_opinion(runtime().engine, tracking_code=code)
        if row is None:
            raise UnknownOpinionError(
                "unknown_tracking_code", field="tracking_code", tracking_code=tracking_code
            )
        write = resident_write()
        result = runtime().app.rate_opinion_answer(
            UUID(row["project_id"]),
            row["opinion_id"],
            rating=data["rating"],
            actor=write.actor,
            command_id=write.command_id,
        )
        runtime().catch_up(until=result.position)
        row = find_opinion(runtime().engine, tracking_code=code)
        assert row is not None
        return dict(row, text=None if row["hidden"] else row["text"])


# ---- figures -----------------------------------------------------------------------------


@blp.route("/stats")
class Stats(MethodView):
    @access(PUBLIC)
    @blp.arguments(StatsQueryArgsSchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args: dict[str, Any]):
        """Published figures: opinions received, answered, on time, adoption rate (public)."""
        district = args.get("district")
        today = datetime.now(LOCAL_TZ).date()
        # The figures' read model: one small row per project, never the district's opinions.
        states = figure_states(runtime().engine, district=district, year=args.get("year"))
        return {
            "district": district,
            "year": args.get("year"),
            "as_of": today.isoformat(),
            "opinions": opinions_of(states, today),
            "projects": [
                {
                    "project_id": s["project_id"],
                    "name": s["name"],
                    "district": s["district"],
                    "stage": s["stage"],
                    "opinions": opinions_of([s], today),
                }
                for s in states
            ],
        }


@blp.route("/access-log")
class AccessLog(MethodView):
    @access(CITY_AUDITOR)
    @require_role("auditor", "admin", source=any_user)
    @blp.response(200)
    @blp.doc(security=[{"bearer": []}])
    def get(self):
        """Every staff read of residents' personal data, newest first (auditors)."""
        rows, total = runtime().vault.reads(per_page=500)
        return {"items": rows, "total": total}
