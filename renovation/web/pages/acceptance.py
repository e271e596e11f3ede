"""After construction on the pages: the staff page that records the participating units, the
acceptance notice and meeting, rectification items and their sign-offs, the filing, resident
supervisors (and their accounts), paper inspection notes and the hand-over; and the resident
supervisor's own page, made for a phone, where they sign off items and record their notes.

Every form is checked by the API's schema for the same command, so a page and the API refuse
the same input with the same words; a refused form writes nothing and comes back filled in as
sent, with the reason next to the field. Pages read the acceptance read model only.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from flask import abort, redirect, render_template, request, url_for

from renovation import accounts
from renovation.domain.parts.acceptance import (
    ACCEPTANCE_UNITS,
    CONCLUSIONS,
    REPRESENTATIVE_ROLES,
    UNIT_ROLES,
)
from renovation.domain.parts.supervision import MANAGER_KINDS
from renovation.domain.stages import Stage
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.api.acceptance import acceptance_body, supervisor_account
from renovation.web.auth import actor_for
from renovation.web.pages.acceptance_forms import (
    ACTIONS,
    DONE,
    ITEM_STEPS,
    MAX_DEFECT_ROWS,
    submit,
)
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import project_info, staff_project
from renovation.web.pages.staff import staff_page

# Stages in which the notice and meeting can be recorded (the domain checks them again).
AT_ACCEPTANCE = (Stage.ACCEPTANCE_INSPECTION.value,)


# ---- the staff page ---------------------------------------------------------------------------


def render_staff(
    project_id: UUID,
    *,
    failed: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    _user, project = staff_project(project_id)
    view, _version = acceptance_body(project_id)
    keys = ["unit", "builder", "notice", "meeting", "filing", "supervisor", "note", "handover"]
    keys += [f"{step}-{i['item_id']}" for i in view["items"] for step in ITEM_STEPS]
    keys += [f"account-{sid}" for sid in view["supervisors"]]
    return render_template(
        "pages/staff/acceptance.html",
        project=dict(project_info(project, project_id), stage=project.stage),
        view=view,
        milestones=[(m["milestone_id"], m["name"]) for m in project.milestones.values()],
        accounts=accounts.supervisor_account_names(runtime().engine, str(project_id)),
        labels={a: spec.labels for a, spec in ACTIONS.items()},
        unit_roles=UNIT_ROLES,
        acceptance_units=ACCEPTANCE_UNITS,
        conclusions=CONCLUSIONS,
        representative_roles=[r for r in REPRESENTATIVE_ROLES if r != "resident_supervisor"],
        manager_kinds=MANAGER_KINDS,
        defect_rows=range(MAX_DEFECT_ROWS),
        at_acceptance=project.stage in AT_ACCEPTANCE,
        failed=failed,
        values=values or {},
        errors=errors or {},
        today=runtime().app.today().isoformat(),
        command_ids={k: uuid4().hex for k in keys},
    ), status


def _back(project_id: UUID, anchor: str = ""):
    return redirect(
        url_for("pages.staff_acceptance", project_id=project_id) + (f"#{anchor}" if anchor else "")
    )


@bp.get("/staff/projects/<uuid:project_id>/acceptance")
@access(STAFF)
@staff_page
def staff_acceptance(project_id: UUID):
    """The project's acceptance record for staff, with the forms to add to it."""
    return render_staff(project_id)


STAFF_COMMANDS = {
    "unit": "record_unit",
    "notice": "notify_acceptance",
    "meeting": "record_acceptance_meeting",
    "filing": "file_acceptance",
    "supervisor": "appoint_supervisor",
    "handover": "record_handover",
}


@bp.post("/staff/projects/<uuid:project_id>/acceptance/<string:action>")
@access(STAFF)
@staff_page
def staff_acceptance_record(project_id: UUID, action: str):
    """Record a unit, the notice, the meeting, the filing, a supervisor, a paper note or the
    hand-over."""
    if action not in (*STAFF_COMMANDS, "note", "builder"):
        abort(404)
    user, _project = staff_project(project_id)
    app = runtime().app
    actor = actor_for(user, "web")

    def command(data: dict[str, Any], key: str | None):
        if action == "builder":
            milestone_id = request.form.get("milestone_id", "")
            return app.name_milestone_builder(
                project_id, milestone_id, data, actor=actor, command_id=key
            )
        if action == "note":
            supervisor_id = data.pop("supervisor_id", "") or ""
            return app.record_inspection_note(
                project_id, data, supervisor_id=supervisor_id, actor=actor, command_id=key
            )
        return getattr(app, STAFF_COMMANDS[action])(project_id, data, actor=actor, command_id=key)

    answer = submit(
        action,
        action,
        command,
        lambda **kw: render_staff(project_id, **kw),
        lambda _result: str(DONE[action]),
    )
    return answer or _back(project_id, f"acceptance-{action}")


@bp.post("/staff/projects/<uuid:project_id>/acceptance/items/<string:item_id>/<string:step>")
@access(STAFF)
@staff_page
def staff_rectification_step(project_id: UUID, item_id: str, step: str):
    """One step of a rectification item; staff sign-offs are paper ones, on behalf."""
    if step not in ITEM_STEPS:
        abort(404)
    user, project = staff_project(project_id)
    if item_id not in project.rectification_items:
        abort(404)
    app = runtime().app

    def command(data: dict[str, Any], key: str | None):
        approver = data.pop("approver", None)
        extra = {"approver": approver} if step in ("approve", "reopen") else {}
        return app.rectification_step(
            project_id,
            item_id,
            step,
            data,
            actor=actor_for(user, "web"),
            command_id=key,
            **extra,
        )

    answer = submit(
        step,
        f"{step}-{item_id}",
        command,
        lambda **kw: render_staff(project_id, **kw),
        lambda _result: str(DONE[step]),
    )
    return answer or _back(project_id, f"item-{item_id}")


@bp.post("/staff/projects/<uuid:project_id>/supervisors/<string:supervisor_id>/account")
@access(STAFF)
@staff_page
def staff_supervisor_account(project_id: UUID, supervisor_id: str):
    """Make the account a resident supervisor signs in with (their project only)."""
    _user, project = staff_project(project_id)
    if supervisor_id not in project.supervisors:
        abort(404)

    def command(data: dict[str, Any], _key: str | None):
        return supervisor_account(project_id, supervisor_id, data["username"], data["password"])

    answer = submit(
        "account",
        f"account-{supervisor_id}",
        command,
        lambda **kw: render_staff(project_id, **kw),
        lambda _result: str(DONE["account"]),
    )
    return answer or _back(project_id, "supervisors")
