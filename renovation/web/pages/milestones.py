"""Construction milestones (节点) on the pages: the staff page that plans milestones, reports
their progress, delays and completes them, and records resident supervisors' notes.

The public project page shows the milestones too (``views.project`` with the partial
``pages/public/_milestones.html``); both read the milestones read model. Each form is offered
only in the stages where the domain allows its command; a refused command writes nothing and
comes back as messages naming the field, with the form filled in as it was sent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from renovation.accounts import User
from renovation.application.errors import ConcurrencyError
from renovation.domain.errors import DomainError, StageGateError
from renovation.domain.parts.milestones import (
    PLANNING_STAGES,
    SUPERVISION_STAGES,
    UnknownMilestoneError,
)
from renovation.domain.progress import project_progress
from renovation.domain.project import RenovationProject
from renovation.domain.stages import Stage
from renovation.reports.contexts import quantity
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import label, refusal_message, refusal_problems, words
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import project_info, staff_project
from renovation.web.pages.forms import (
    MilestoneCompleteForm,
    MilestoneDelayForm,
    MilestonePlanForm,
    MilestoneProgressForm,
    SupervisorNoteForm,
)
from renovation.web.pages.staff import command_id, staff_page
from renovation.web.pages.views import milestone_rows

CONSTRUCTION = Stage.UNDER_CONSTRUCTION.value

FORMS: dict[str, type[FlaskForm]] = {
    "plan": MilestonePlanForm,
    "progress": MilestoneProgressForm,
    "delay": MilestoneDelayForm,
    "complete": MilestoneCompleteForm,
    "notes": SupervisorNoteForm,
}
DATE_FIELDS = ("planned_start", "planned_finish", "on_date")
QUANTITY_FIELDS = ("quantity", "done_quantity")
REQUIRED_FIELDS = {
    "plan": ("item_id", "quantity", "planned_start", "planned_finish"),
    "progress": ("done_quantity",),
    "delay": ("planned_finish",),
    "complete": (),
    "notes": (),
}


def milestone_label(kind: str, code: str | None) -> str:
    """A milestone code in words, from the catalogue: ``("status", "completed")`` → 已完成."""
    return label(f"milestone_{kind}", code)


@bp.app_context_processor
def _milestone_globals() -> dict[str, Any]:
    return {"milestone_label": milestone_label}


def allowed_actions(stage: str) -> dict[str, bool]:
    """Which forms the staff page offers at ``stage`` (the domain's own stage sets)."""
    return {
        "plan": stage in PLANNING_STAGES,
        "progress": stage == CONSTRUCTION,
        "delay": stage in PLANNING_STAGES,
        "complete": stage == CONSTRUCTION,
        "notes": stage in SUPERVISION_STAGES,
    }


# ---- quantities in words ---------------------------------------------------------------------


def _amount(text: str) -> str:
    try:
        return quantity(text) or text
    except InvalidOperation:
        return text


# ---- reading the forms -------------------------------------------------------------------------


def form_values(form: FlaskForm) -> dict[str, str]:
    """The form's fields as sent, stripped (the CSRF token left out)."""
    return {
        field.name: (field.data or "").replace("\r\n", "\n").strip()
        for field in form
        if field.name != "csrf_token"
    }


def field_labels(action: str) -> dict[str, str]:
    """Each field's label on ``action``'s form, in the page's language."""
    return {
        field.name: str(field.label.text)
        for field in FORMS[action](formdata=None, meta={"csrf": False})
        if field.name not in ("csrf_token", "command_id")
    }


def parse(action: str, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The command's data from the form, and the problems found before asking the domain."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, text in values.items():
        if name == "command_id":
            continue
        if not text:
            if name in REQUIRED_FIELDS[action]:
                errors[name] = [words().refusal("required")]
            elif name in DATE_FIELDS:
                data[name] = None  # the application dates it today
            else:
                data[name] = ""
            continue
        if name in DATE_FIELDS:
            try:
                data[name] = date.fromisoformat(text)
            except ValueError:
                errors[name] = [words().refusal("must_be_date")]
        elif name in QUANTITY_FIELDS:
            try:
                number = Decimal(text.replace(",", "").replace("，", ""))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                errors[name] = [words().refusal("must_be_number")]
            else:
                data[name] = number
        else:
            data[name] = text
    return data, errors


def run_command(
    action: str,
    project_id: UUID,
    milestone_id: str | None,
    data: dict[str, Any],
    user: User,
    command_key: str | None,
):
    """Send the form's command to the application; the CommandResult."""
    app = runtime().app
    actor = actor_for(user, "web")
    key = f"web-milestone-{action}-{command_key}" if command_key else None
    if action == "plan":
        return app.plan_milestone(project_id, data, actor=actor, command_id=key)
    command = {
        "progress": app.report_milestone_progress,
        "delay": app.delay_milestone,
        "complete": app.complete_milestone,
        "notes": app.record_supervisor_note,
    }[action]
    return command(project_id, milestone_id, data, actor=actor, command_id=key)


def done_message(action: str, milestone: dict[str, Any], data: dict[str, Any], unit: str) -> str:
    name = milestone["name"]
    if action == "plan":
        return _("The milestone “%(name)s” is planned.", name=name)
    if action == "progress":
        return _(
            "The progress of “%(name)s” is recorded: %(done)s of %(quantity)s %(unit)s.",
            name=name,
            done=_amount(str(data["done_quantity"])),
            quantity=_amount(str(milestone["quantity"])),
            unit=unit,
        )
    if action == "delay":
        return _(
            "“%(name)s” is now planned to finish on %(day)s; the reason is published with it.",
            name=name,
            day=data["planned_finish"].isoformat(),
        )
    if action == "complete":
        return _("“%(name)s” is completed.", name=name)
    return _("The supervisor's note on “%(name)s” is recorded.", name=name)


def submit(project_id: UUID, action: str, milestone_id: str | None = None):
    """Run one form of the staff page: a redirect when done, else the page with the problems."""
    user, project = staff_project(project_id)
    if milestone_id is not None and milestone_id not in project.milestones:
        abort(404)
    form = FORMS[action]()
    values = form_values(form)
    if not form.validate_on_submit():
        flash(_("The form has expired; please send it again."), "error")
        return render_staff(
            project, project_id, failed=(action, milestone_id), values=values, status=400
        )
    labels = field_labels(action)
    data, errors = parse(action, values)
    status = 422
    if not errors:
        command_key = command_id(values.get("command_id"))
        try:
            result = run_command(action, project_id, milestone_id, data, user, command_key)
        except UnknownMilestoneError:
            abort(404)
        except StageGateError as error:
            # The catalogue says when the command is allowed; the gate's id is for the API.
            flash(refusal_message(error), "error")
            status = 409
        except DomainError as error:
            for field, messages in refusal_problems(error).items():
                name = "form" if field == "_request" else field
                errors.setdefault(name, []).extend(messages)
        except ConcurrencyError:
            flash(_("The project is busy; please try again in a moment."), "error")
            status = 503
        else:
            runtime().catch_up()
            if result.replayed:
                flash(_("That was already done."), "info")
            else:
                # The project as loaded before the command: a new milestone is in the form.
                milestone = project.milestones.get(milestone_id or "", data)
                item = project.find_content_item(milestone["item_id"]) or {}
                flash(done_message(action, milestone, data, item.get("unit", "")), "success")
            anchor = milestone_id or (result.value or {}).get("milestone_id") or ""
            return redirect(
                url_for("pages.staff_milestones", project_id=project_id)
                + (f"#{anchor}" if anchor else "")
            )
    for field, messages in errors.items():
        what = (
            project.milestones[milestone_id]["name"]
            if field == "milestone_id" and milestone_id
            else labels.get(field)
        )
        for message in messages:
            flash(
                _("%(field)s: %(message)s", field=what, message=message) if what else message,
                "error",
            )
    return render_staff(
        project,
        project_id,
        failed=(action, milestone_id),
        values=values,
        errors=errors,
        status=status,
    )


# ---- the staff page --------------------------------------------------------------------------


def item_choices(project: RenovationProject) -> list[dict[str, Any]]:
    """The content items with what is left to plan of each."""
    planned: dict[str, Decimal] = {}
    for m in project.milestones.values():
        planned[m["item_id"]] = planned.get(m["item_id"], Decimal(0)) + m["quantity"]
    return [
        {
            "id": item["id"],
            "item": item["item"],
            "unit": item["unit"],
            "category": item["category"],
            "planned": _amount(str(item["planned_quantity"])),
            "left": _amount(
                str(Decimal(item["planned_quantity"]) - planned.get(item["id"], Decimal(0)))
            ),
        }
        for item in project.content_items
    ]


def render_staff(
    project: RenovationProject,
    project_id: UUID,
    *,
    failed: tuple[str, str | None] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    rows = milestone_rows(project_id)
    return render_template(
        "pages/staff/milestones.html",
        project=dict(project_info(project, project_id), stage=project.stage),
        milestones=rows,
        overdue=sum(1 for m in rows if m["overdue"]),
        progress=project_progress(project.content_items, rows),
        allowed=allowed_actions(project.stage),
        items=item_choices(project),
        labels={action: field_labels(action) for action in FORMS},
        failed=failed,
        values=values or {},
        errors=errors or {},
        today=runtime().app.today().isoformat(),
        command_ids={
            key: uuid4().hex
            for key in ["plan", *(f"{a}-{m['milestone_id']}" for a in FORMS for m in rows)]
        },
    ), status


@bp.get("/staff/projects/<uuid:project_id>/milestones")
@access(STAFF)
@staff_page
def staff_milestones(project_id: UUID):
    """The project's milestones for staff, with the forms its stage allows."""
    _user, project = staff_project(project_id)
    return render_staff(project, project_id)


@bp.post("/staff/projects/<uuid:project_id>/milestones")
@access(STAFF)
@staff_page
def staff_milestone_plan(project_id: UUID):
    """Plan a milestone: a share of one content item, with its planned dates."""
    return submit(project_id, "plan")


@bp.post("/staff/projects/<uuid:project_id>/milestones/<string:milestone_id>/progress")
@access(STAFF)
@staff_page
def staff_milestone_progress(project_id: UUID, milestone_id: str):
    """Report the quantity built so far (cumulative); progress is worked out from it."""
    return submit(project_id, "progress", milestone_id)


@bp.post("/staff/projects/<uuid:project_id>/milestones/<string:milestone_id>/delay")
@access(STAFF)
@staff_page
def staff_milestone_delay(project_id: UUID, milestone_id: str):
    """Move the planned finish later, with the reason residents will read."""
    return submit(project_id, "delay", milestone_id)


@bp.post("/staff/projects/<uuid:project_id>/milestones/<string:milestone_id>/complete")
@access(STAFF)
@staff_page
def staff_milestone_complete(project_id: UUID, milestone_id: str):
    """Complete a milestone whose whole quantity is reported."""
    return submit(project_id, "complete", milestone_id)


@bp.post("/staff/projects/<uuid:project_id>/milestones/<string:milestone_id>/notes")
@access(STAFF)
@staff_page
def staff_milestone_note(project_id: UUID, milestone_id: str):
    """Record a resident supervisor's inspection note (建设共管)."""
    return submit(project_id, "notes", milestone_id)
