"""Projects: register, list, read (now or as of then), move between stages, record progress."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from renovation.application.app import CommandResult
from renovation.domain.project import RenovationProject
from renovation.domain.stages import next_stages
from renovation.projections.store import list_summaries
from renovation.web import runtime
from renovation.web.api.schemas import (
    CommandResultSchema,
    ProgressCreateSchema,
    ProjectCreateSchema,
    ProjectPageSchema,
    ProjectQueryArgsSchema,
    ProjectSchema,
    ProjectStateQueryArgsSchema,
    ReportQueryArgsSchema,
    TransitionCreateSchema,
)
from renovation.web.auth import actor_for, api_user, check_district, require_role

blp = Blueprint(
    "projects", __name__, url_prefix="/api/projects", description="Renovation projects (改造项目)"
)

_KEY = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")
_ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')
WRITE_ROLES = ("staff", "admin")


def command_id() -> str | None:
    """The client's ``Idempotency-Key``: the same key makes one change, however often sent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.match(key):
        abort(
            400,
            message="Idempotency-Key: 1 to 200 letters, digits or . _ : -",
            messages={"header": {"Idempotency-Key": ["1 to 200 letters, digits or . _ : -"]}},
        )
    return key


def expected_version() -> int | None:
    """The version the client last read (``If-Match``); a stale one gets 409."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if not match:
        abort(
            400,
            message='If-Match: the project version, e.g. "7"',
            messages={"header": {"If-Match": ['must be the project version, e.g. "7"']}},
        )
    return int(match.group(1))


def project_view(project: RenovationProject, as_of: Any = None) -> dict[str, Any]:
    """The project's state as plain values, without owner references (personal data)."""
    return {
        "id": project.id,
        "version": project.version,
        "stage": project.stage,
        "next_stages": next_stages(project.stage),
        "community": project.community,
        "buildings": project.buildings,
        "content_items": project.content_items,
        "budget": project.budget,
        "planned_start": project.planned_start,
        "planned_finish": project.planned_finish,
        "stage_history": project.stage_history,
        "created_on": project.created_on,
        "modified_on": project.modified_on,
        "as_of": as_of,
    }


def committed(result: CommandResult, status: int = 200) -> tuple[dict, int, dict]:
    """Bring the read models up to date (readers see their own writes) and answer."""
    runtime().catch_up(until=result.position)
    body = {"id": result.project_id, "version": result.version, "replayed": result.replayed}
    return body, status, {"ETag": f'"{result.version}"'}


def writable_project(project_id: UUID) -> RenovationProject:
    """The project, if the caller may write to it (staff of its district, or admin)."""
    project = runtime().app.get_project(project_id)
    check_district(api_user(), project.community["district"])
    return project


@blp.route("")
class Projects(MethodView):
    @blp.arguments(ProjectQueryArgsSchema, location="query")
    @blp.response(200, ProjectPageSchema)
    def get(self, args: dict[str, Any]):
        """List projects (public summary), filtered by district, stage (status) or text."""
        items, total = list_summaries(
            runtime().engine,
            district=args.get("district"),
            stage=args.get("status"),
            q=args.get("q"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @require_role(*WRITE_ROLES)
    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any]):
        """Register a project (staff): community, flats, content items, budget, dates."""
        user = api_user()
        check_district(user, data["community"]["district"])
        result = runtime().app.register_project(
            data, actor=actor_for(user, "api"), command_id=command_id()
        )
        return committed(result, 200 if result.replayed else 201)


@blp.route("/<uuid:project_id>")
class ProjectResource(MethodView):
    @blp.arguments(ProjectStateQueryArgsSchema, location="query")
    @blp.response(200, ProjectSchema)
    def get(self, args: dict[str, Any], project_id: UUID):
        """A project's state now, as it stood at a version, or as recorded at a time.

        Given both, the earlier of the two: the state at ``version`` if it was recorded by
        ``as_of``, else the state as recorded at ``as_of``.
        """
        app = runtime().app
        if "as_of" in args:
            project = app.get_project_as_of(project_id, args["as_of"])
            if args.get("version") and args["version"] < project.version:
                project = app.get_project(project_id, version=args["version"])
        else:
            project = app.get_project(project_id, version=args.get("version"))
        return project_view(project, args.get("as_of")), 200, {"ETag": f'"{project.version}"'}


@blp.route("/<uuid:project_id>/transitions")
class Transitions(MethodView):
    @require_role(*WRITE_ROLES)
    @blp.arguments(TransitionCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], project_id: UUID):
        """Move the project to its next stage; a skipped gate gets 409 naming it."""
        writable_project(project_id)
        result = runtime().app.move_project(
            project_id,
            data["to_stage"],
            actor=actor_for(api_user(), "api"),
            note=data["note"],
            effective_on=data.get("effective_on"),
            expected_version=expected_version(),
            command_id=command_id(),
        )
        return committed(result)


@blp.route("/<uuid:project_id>/content-items/<string:item_id>/progress")
class Progress(MethodView):
    @require_role(*WRITE_ROLES)
    @blp.arguments(ProgressCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.doc(security=[{"bearer": []}])
    def post(self, data: dict[str, Any], project_id: UUID, item_id: str):
        """Record the actual quantity built of a content item."""
        writable_project(project_id)
        result = runtime().app.record_progress(
            project_id,
            item_id,
            data["actual_quantity"],
            actor=actor_for(api_user(), "api"),
            note=data["note"],
            effective_on=data.get("effective_on"),
            expected_version=expected_version(),
            command_id=command_id(),
        )
        return committed(result)


@blp.route("/<uuid:project_id>/report.pdf")
class ProjectReport(MethodView):
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(200, content_type="application/pdf", description="the project report (PDF)")
    def get(self, args: dict[str, Any], project_id: UUID):
        """The project report, from the read model, now or as of a past time."""
        from renovation.reports.contexts import project_report_pdf

        pdf = project_report_pdf(runtime(), project_id, as_of=args.get("as_of"), lang=args["lang"])
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="project-{project_id}.pdf"'},
        )
