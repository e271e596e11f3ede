"""Construction milestones (节点) over the API: plan, progress, delays, completion, notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask.views import MethodView

from renovation.application.base import CommandResult
from renovation.application.errors import ProjectNotFoundError
from renovation.domain.parts.milestones import UnknownMilestoneError
from renovation.projections.milestones import is_overdue
from renovation.projections.queries import get_summary
from renovation.projections.store import list_milestones
from renovation.web import runtime
from renovation.web.access import PUBLIC, STAFF, access
from renovation.web.api.milestone_schemas import (
    MilestoneCompletionCreateSchema,
    MilestoneCreatedSchema,
    MilestoneCreateSchema,
    MilestoneDelayCreateSchema,
    MilestoneProgressCreateSchema,
    MilestoneSchema,
    SupervisorNoteCreateSchema,
)
from renovation.web.api.schemas import CommandResultSchema
from renovation.web.api.writes import WRITE_ROLES, Blueprint, committed, created, staff_write
from renovation.web.auth import require_role

blp = Blueprint(
    "milestones",
    __name__,
    url_prefix="/api/projects",
    description="Construction milestones (节点): progress, delays, supervisors' notes",
)


def milestone_rows(project_id: UUID) -> tuple[list[dict[str, Any]], int]:
    """The project's milestone rows with ``overdue`` as of the bureau's today, and the
    project version the read model reflects."""
    engine = runtime().engine
    summary = get_summary(engine, str(project_id))
    if summary is None:
        raise ProjectNotFoundError(project_id)
    today = runtime().app.today()
    rows = [
        {**row, "overdue": is_overdue(row, today)}
        for row in list_milestones(engine, str(project_id))
    ]
    return rows, summary["version"]


def on_milestone(
    command: Callable[..., CommandResult], project_id: UUID, milestone_id: str, data: dict
) -> CommandResult:
    """Run one of the application's milestone commands for the request's write."""
    return command(project_id, milestone_id, data, **staff_write(project_id).kwargs)


@blp.route("/<uuid:project_id>/milestones")
class Milestones(MethodView):
    @access(PUBLIC)
    @blp.response(200, MilestoneSchema(many=True))
    def get(self, project_id: UUID):
        """The project's milestones in the order planned, with progress and delays (public)."""
        rows, version = milestone_rows(project_id)
        return rows, 200, {"ETag": f'"{version}"'}

    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(MilestoneCreateSchema)
    @blp.response(201, MilestoneCreatedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Plan a milestone: a share of one content item, from the plan until construction
        ends; the milestones of an item add up to no more than its planned quantity."""
        result = runtime().app.plan_milestone(project_id, data, **staff_write(project_id).kwargs)
        body, status, headers = created(result)
        return {**body, "milestone_id": result.value["milestone_id"]}, status, headers


@blp.route("/<uuid:project_id>/milestones/<string:milestone_id>")
class Milestone(MethodView):
    @access(PUBLIC)
    @blp.response(200, MilestoneSchema)
    def get(self, project_id: UUID, milestone_id: str):
        """One milestone: reports, delays with their reasons, supervisors' notes (public)."""
        rows, version = milestone_rows(project_id)
        row = next((r for r in rows if r["milestone_id"] == milestone_id), None)
        if row is None:
            raise UnknownMilestoneError(
                "unknown_milestone", field="milestone_id", milestone_id=milestone_id
            )
        return row, 200, {"ETag": f'"{version}"'}


@blp.route("/<uuid:project_id>/milestones/<string:milestone_id>/progress")
class MilestoneProgress(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(MilestoneProgressCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, milestone_id: str):
        """Report the quantity built so far, under construction; a lower figure than the last
        is a correction and needs a note."""
        result = on_milestone(
            runtime().app.report_milestone_progress, project_id, milestone_id, data
        )
        return committed(result)


@blp.route("/<uuid:project_id>/milestones/<string:milestone_id>/delay")
class MilestoneDelay(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(MilestoneDelayCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, milestone_id: str):
        """Move the planned finish later, with a reason that is published."""
        result = on_milestone(runtime().app.delay_milestone, project_id, milestone_id, data)
        return committed(result)


@blp.route("/<uuid:project_id>/milestones/<string:milestone_id>/complete")
class MilestoneCompletion(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(MilestoneCompletionCreateSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, milestone_id: str):
        """Complete a milestone whose whole quantity has been reported."""
        result = on_milestone(runtime().app.complete_milestone, project_id, milestone_id, data)
        return committed(result)


@blp.route("/<uuid:project_id>/milestones/<string:milestone_id>/notes")
class SupervisorNotes(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(SupervisorNoteCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, milestone_id: str):
        """A resident supervisor's inspection note (建设共管), entered by staff."""
        result = on_milestone(runtime().app.record_supervisor_note, project_id, milestone_id, data)
        return created(result)
