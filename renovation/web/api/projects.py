"""Projects: register, list, read (now or as of then), move between stages, record progress."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
from flask.views import MethodView

from renovation.domain.progress import project_progress
from renovation.domain.project import RenovationProject
from renovation.domain.stages import next_stages
from renovation.projections.queries import list_summaries
from renovation.web import runtime
from renovation.web.access import PUBLIC, STAFF, access
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
from renovation.web.api.writes import (
    WRITE_ROLES,
    Blueprint,
    committed,
    created,
    staff_write,
)
from renovation.web.auth import api_user, check_district, require_role

blp = Blueprint(
    "projects", __name__, url_prefix="/api/projects", description="Renovation projects (改造项目)"
)


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
        # the same figure the pages work out from the read model, from this state's milestones
        "progress": project_progress(project.content_items, project.milestones.values()),
        "created_on": project.created_on,
        "modified_on": project.modified_on,
        "as_of": as_of,
    }


@blp.route("")
class Projects(MethodView):
    @access(PUBLIC)
    @blp.arguments(ProjectQueryArgsSchema, location="query")
    @blp.response(200, ProjectPageSchema)
    def get(self, args: dict[str, Any]):
        """List projects (public summary), filtered by district, stage (status) or text."""
        items, total = list_summaries(
            runtime().engine,
            district=args.get("district"),
            stage=args.get("stage"),
            q=args.get("q"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write(versioned=False)
    def post(self, data: dict[str, Any]):
        """Register a project (staff): community, flats, content items, budget, dates.

        The project has no version yet: an If-Match other than "*" is answered 412."""
        check_district(api_user(), data["community"]["district"])
        write = staff_write(None)
        result = runtime().app.register_project(
            data, actor=write.actor, command_id=write.command_id
        )
        return created(result)


@blp.route("/<uuid:project_id>")
class ProjectResource(MethodView):
    @access(PUBLIC)
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
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(TransitionCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Move the project to its next stage; a skipped gate gets 409 naming it."""
        result = runtime().app.transition_project(
            project_id,
            data["to_stage"],
            note=data["note"],
            effective_on=data.get("effective_on"),
            **staff_write(project_id).kwargs,
        )
        return committed(result)


@blp.route("/<uuid:project_id>/content-items/<string:item_id>/progress")
class Progress(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ProgressCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, item_id: str):
        """Record the actual quantity built of a content item."""
        result = runtime().app.record_progress(
            project_id,
            item_id,
            data["actual_quantity"],
            note=data["note"],
            effective_on=data.get("effective_on"),
            **staff_write(project_id).kwargs,
        )
        return committed(result)


@blp.route("/<uuid:project_id>/report.pdf")
class ProjectReport(MethodView):
    @access(PUBLIC)
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
