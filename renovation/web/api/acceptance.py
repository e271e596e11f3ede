"""After construction over the API: participating units, the acceptance notice and meeting,
rectification items and their sign-offs, the filing, resident supervisors (and their
accounts), inspection notes, photos and the hand-over.

Reads come from the acceptance read model (no request loads the project's events). Staff of
the project's district write everything; a resident supervisor's account writes only its own
inspection notes and its own sign-offs, on its own project.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView

from renovation import accounts
from renovation.application.errors import ProjectNotFoundError
from renovation.projections import acceptance as acceptance_model
from renovation.projections.queries import get_summary
from renovation.projections.store import get_acceptance
from renovation.web import runtime
from renovation.web.access import PUBLIC, STAFF, SUPERVISOR, access
from renovation.web.api.acceptance_schemas import (
    AcceptanceSchema,
    FilingCreateSchema,
    HandoverCreateSchema,
    InspectionNoteCreateSchema,
    MeetingCreatedSchema,
    MeetingCreateSchema,
    MilestoneBuilderSchema,
    NoteCreatedSchema,
    NoticeCreateSchema,
    ParticipatingUnitCreateSchema,
    PhotosAttachSchema,
    ReadySchema,
    ReopenSchema,
    SignOffSchema,
    StepNoteSchema,
    SupervisorAccountCreateSchema,
    SupervisorAccountSchema,
    SupervisorCreatedSchema,
    SupervisorCreateSchema,
)
from renovation.web.api.schemas import CommandResultSchema
from renovation.web.api.writes import (
    SUPERVISOR_WRITE_ROLES,
    WRITE_ROLES,
    Blueprint,
    committed,
    created,
    staff_write,
    supervisor_or_staff_write,
)
from renovation.web.auth import api_user, require_role

blp = Blueprint(
    "acceptance",
    __name__,
    url_prefix="/api/projects",
    description="After construction: completion acceptance (竣工验收), rectification (整改), "
    "filing (备案), resident supervisors (居民监督员), hand-over (长效管理)",
)

# ---- reads -------------------------------------------------------------------------------


def acceptance_body(project_id: UUID | str) -> tuple[dict[str, Any], int]:
    """The project's acceptance record as of the bureau's today, from the read models, and
    the project version they reflect."""
    engine = runtime().engine
    summary = get_summary(engine, str(project_id))
    if summary is None:
        raise ProjectNotFoundError(project_id)
    app = runtime().app
    today = app.today()
    ruleset = app.ruleset_for_city(summary.get("city") or "", today)
    row = get_acceptance(engine, str(project_id))
    return acceptance_model.view(row, summary, ruleset, today), summary["version"]


@blp.route("/<uuid:project_id>/acceptance")
class Acceptance(MethodView):
    @access(PUBLIC)
    @blp.response(200, AcceptanceSchema)
    def get(self, project_id: UUID):
        """Units, notices, the meeting, rectification items with their history and overdue
        flags, the filing and its due date, supervisors by role label, the hand-over
        (public)."""
        body, version = acceptance_body(project_id)
        return body, 200, {"ETag": f'"{version}"'}


# ---- writes by staff ----------------------------------------------------------------------


def supervisor_account(
    project_id: UUID, supervisor_id: str, username: str, password: str
) -> accounts.User:
    """Make the account an appointed supervisor signs in with, shown by their role label; an
    unknown supervisor is 404 ``unknown_supervisor``, a second account 422."""
    project = runtime().app.get_project(project_id)
    supervisor = project.find_supervisor(supervisor_id)
    return accounts.add_supervisor_account(
        runtime().engine,
        username,
        password,
        project_id=str(project_id),
        supervisor_id=supervisor_id,
        display_name=supervisor["role_label"],
    )


def _staff_step(project_id: UUID, item_id: str, action: str, data: dict[str, Any]):
    """A rectification step only staff take: the work required, or reported done."""
    return committed(
        runtime().app.rectification_step(
            project_id, item_id, action, data, **staff_write(project_id).kwargs
        )
    )


def _staff(command: str, project_id: UUID, data: dict[str, Any]):
    return getattr(runtime().app, command)(project_id, data, **staff_write(project_id).kwargs)


@blp.route("/<uuid:project_id>/units")
class Units(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ParticipatingUnitCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Record a participating unit (参建单位) with its unified social credit code; a unit
        recorded again under the same role replaces the earlier entry."""
        return created(_staff("record_unit", project_id, data))


@blp.route("/<uuid:project_id>/milestones/<string:milestone_id>/builder")
class MilestoneBuilder(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(MilestoneBuilderSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, milestone_id: str):
        """Name the participating unit that does a milestone's work."""
        return committed(
            runtime().app.name_milestone_builder(
                project_id, milestone_id, data, **staff_write(project_id).kwargs
            )
        )


@blp.route("/<uuid:project_id>/acceptance/notices")
class Notices(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Notify the quality supervision body of the meeting's time, place and group; the
        meeting may be no earlier than the ruleset's notice period of working days."""
        return created(_staff("notify_acceptance", project_id, data))


@blp.route("/<uuid:project_id>/acceptance/meetings")
class Meetings(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(MeetingCreateSchema)
    @blp.response(201, MeetingCreatedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Record the acceptance meeting: all five units present, the representatives by
        role, the conclusion; each defect becomes a rectification item."""
        result = _staff("record_acceptance_meeting", project_id, data)
        body, status, headers = created(result)
        return {**body, "item_ids": result.value["item_ids"]}, status, headers


@blp.route("/<uuid:project_id>/acceptance/filing")
class Filing(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(FilingCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Record the filing (竣工验收备案) of the passed acceptance, with its number."""
        return created(_staff("file_acceptance", project_id, data))


@blp.route("/<uuid:project_id>/handover")
class Handover(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(HandoverCreateSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Record the hand-over to long-term management: who manages, the rules adopted,
        the maintenance fund arrangement, the day."""
        return created(_staff("record_handover", project_id, data))


@blp.route("/<uuid:project_id>/photo-attachments")
class PhotoAttachments(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(PhotosAttachSchema)
    @blp.response(201, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Attach uploaded photos to a milestone, rectification item or inspection note."""
        return created(_staff("attach_photos", project_id, data))


@blp.route("/<uuid:project_id>/supervisors")
class Supervisors(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(SupervisorCreateSchema)
    @blp.response(201, SupervisorCreatedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """Appoint a resident of the compound as a resident supervisor (居民监督员): the name is
        sealed as personal data, pages show the role label."""
        result = _staff("appoint_supervisor", project_id, data)
        body, status, headers = created(result)
        return {**body, "supervisor_id": result.value["supervisor_id"]}, status, headers


@blp.route("/<uuid:project_id>/supervisors/<string:supervisor_id>/account")
class SupervisorAccount(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(SupervisorAccountCreateSchema)
    @blp.response(201, SupervisorAccountSchema)
    @blp.write(versioned=False)
    def post(self, data: dict[str, Any], project_id: UUID, supervisor_id: str):
        """An account for an appointed supervisor, limited to this project: its own inspection
        notes and its own sign-offs of rectification items, nothing else staff see."""
        staff_write(project_id)
        user = supervisor_account(project_id, supervisor_id, data["username"], data["password"])
        return {"username": user.username, "supervisor_id": supervisor_id}, 201


# ---- writes by staff or by the project's own resident supervisor ---------------------------


def _approver(data: dict[str, Any]) -> str | None:
    """A supervisor signs as themself; staff name whose paper sign-off they enter."""
    user = api_user()
    if user is not None and user.role == "supervisor":
        return user.supervisor_id
    return data.get("approver")


def _step(project_id: UUID, item_id: str, action: str, data: dict[str, Any], **extra: Any):
    write = supervisor_or_staff_write(project_id)
    return runtime().app.rectification_step(
        project_id, item_id, action, data, **extra, **write.kwargs
    )


@blp.route("/<uuid:project_id>/acceptance/items/<string:item_id>/work-required")
class ItemWorkRequired(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(StepNoteSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, item_id: str):
        """The responsible unit is told to do the work."""
        return _staff_step(project_id, item_id, "work_required", data)


@blp.route("/<uuid:project_id>/acceptance/items/<string:item_id>/ready")
class ItemReady(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(ReadySchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, item_id: str):
        """The work is done and ready for the co-approvers' review, with photos."""
        return _staff_step(project_id, item_id, "ready", data)


@blp.route("/<uuid:project_id>/acceptance/items/<string:item_id>/approve")
class ItemApprove(MethodView):
    @access(STAFF, SUPERVISOR)
    @require_role(*SUPERVISOR_WRITE_ROLES)
    @blp.arguments(SignOffSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, item_id: str):
        """A co-approver signs off (销项); the item closes when every co-approver has. Staff
        entering a paper sign-off name the co-approver; it is marked as made on their
        behalf."""
        return committed(_step(project_id, item_id, "approve", data, approver=_approver(data)))


@blp.route("/<uuid:project_id>/acceptance/items/<string:item_id>/reopen")
class ItemReopen(MethodView):
    @access(STAFF, SUPERVISOR)
    @require_role(*SUPERVISOR_WRITE_ROLES)
    @blp.arguments(ReopenSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, item_id: str):
        """A co-approver sends the work back, with a reason."""
        return committed(_step(project_id, item_id, "reopen", data, approver=_approver(data)))


@blp.route("/<uuid:project_id>/inspection-notes")
class InspectionNotes(MethodView):
    @access(STAFF, SUPERVISOR)
    @require_role(*SUPERVISOR_WRITE_ROLES)
    @blp.arguments(InspectionNoteCreateSchema)
    @blp.response(201, NoteCreatedSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID):
        """A resident supervisor's inspection note, with photos; staff entering a paper note
        name the supervisor, and it is marked as entered on their behalf."""
        write = supervisor_or_staff_write(project_id)
        user = api_user()
        supervisor_id = (
            user.supervisor_id if user.role == "supervisor" else data.get("supervisor_id") or ""
        )
        result = runtime().app.record_inspection_note(
            project_id, data, supervisor_id=supervisor_id, **write.kwargs
        )
        body, status, headers = created(result)
        return {**body, "note_id": result.value["note_id"]}, status, headers
