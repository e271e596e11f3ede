"""The auditor's reads: the full event history of a project and its chain verification."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, abort
from flask.views import MethodView
from marshmallow import ValidationError, fields, validates_schema

from renovation.application.app import event_data
from renovation.application.errors import ProjectNotFoundError
from renovation.projections.audit import verify_project
from renovation.projections.queries import get_summary
from renovation.web import runtime
from renovation.web.access import AUDITOR, STAFF, access
from renovation.web.api.schemas import (
    EventPageSchema,
    EventQueryArgsSchema,
    LanguageQueryArgsSchema,
    VerificationSchema,
)
from renovation.web.api.writes import Blueprint
from renovation.web.auth import any_user, require_role
from renovation.web.i18n import words

blp = Blueprint("audit", __name__, url_prefix="/api/projects", description="Audit (审计)")

READ_HISTORY_ROLES = ("auditor", "admin", "staff")


def check_project_reader(project_id: UUID) -> None:
    """Auditors and admins read every project's history and queue; staff only those of their
    own districts (404 for an unknown project, 403 for another district's)."""
    summary = get_summary(runtime().engine, str(project_id))
    if summary is None:
        raise ProjectNotFoundError(project_id)
    user = any_user()
    if user is not None and user.role == "staff" and not user.may_write_in(summary["district"]):
        abort(403, description=f"your account does not cover the district {summary['district']}")


@blp.route("/<uuid:project_id>/events")
class Events(MethodView):
    @access(STAFF, AUDITOR)
    @require_role(*READ_HISTORY_ROLES, source=any_user)
    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, EventPageSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self, args: dict[str, Any], project_id: UUID):
        """Every event of the project, in order, read from the event store itself (auditors;
        staff of the project's district)."""
        check_project_reader(project_id)
        events = runtime().app.project_history(
            project_id, after_version=args["after_version"], limit=args["limit"]
        )
        return {
            "project_id": project_id,
            "events": [
                {
                    "version": e.originator_version,
                    "type": type(e).__name__,
                    "recorded_at": e.timestamp,
                    "effective_on": e.effective_on,
                    "actor_id": e.actor_id,
                    "actor_role": e.actor_role,
                    "channel": e.channel,
                    "command_id": e.command_id,
                    "data": _plain(event_data(e)),
                }
                for e in events
            ],
        }


@blp.route("/<uuid:project_id>/verify")
class Verify(MethodView):
    @access(AUDITOR)
    @require_role("auditor", "admin", source=any_user)
    @blp.response(200, VerificationSchema)
    @blp.doc(security=[{"bearer": []}])
    def get(self, project_id: UUID):
        """Recompute the project's hash chain from the stored events and compare."""
        rt = runtime()
        rt.catch_up()
        result = verify_project(rt.app, rt.engine, project_id)
        return {
            "project_id": result.project_id,
            "ok": result.ok,
            "events_checked": result.events_checked,
            "chain_digest": result.chain_digest,
            "problems": result.problems,
        }


class AuditReportArgsSchema(LanguageQueryArgsSchema):
    since = fields.Date(data_key="from", metadata={"description": "first day (Beijing time)"})
    until = fields.Date(data_key="to", metadata={"description": "last day, included"})

    @validates_schema
    def _in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError(words().refusal("before_first_date"), field_name="to")


@blp.route("/<uuid:project_id>/audit-report.pdf")
class AuditReport(MethodView):
    @access(STAFF, AUDITOR)
    @require_role(*READ_HISTORY_ROLES, source=any_user)
    @blp.arguments(AuditReportArgsSchema, location="query")
    @blp.response(200, content_type="application/pdf", description="the audit report (PDF)")
    @blp.doc(security=[{"bearer": []}])
    def get(self, args: dict[str, Any], project_id: UUID):
        """The project's history over a period with its chain verified, as a PDF (auditors;
        staff of the project's district)."""
        from renovation.reports.audit import audit_report_pdf

        check_project_reader(project_id)
        pdf = audit_report_pdf(
            runtime(),
            project_id,
            since=args.get("since"),
            until=args.get("until"),
            lang=args["lang"],
        )
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="audit-{project_id}.pdf"'},
        )


def _plain(value: Any) -> Any:
    """Event data as JSON-safe values (decimals and dates as strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
