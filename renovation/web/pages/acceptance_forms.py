"""The forms of the acceptance pages (staff and resident supervisors): each is read from the
posted form, checked by the API's schema for the same command, run, and answered with a
redirect, or with the page again, filled in as sent, each problem next to its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import HiddenField

from renovation.domain.errors import DomainError
from renovation.domain.parts.acceptance import SUPERVISION_UNIT
from renovation.web import runtime
from renovation.web.api import acceptance as api
from renovation.web.api import flatten_errors
from renovation.web.i18n import label, refusal_message, words
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import run_command
from renovation.web.pages.staff import command_id, web_command_id

MAX_DEFECT_ROWS = 6
MAX_FORM_PHOTOS = 4  # photos one form may carry
MULTIPART_SLACK = 64 * 1024
ITEM_STEPS = ("work_required", "ready", "approve", "reopen")


class CsrfForm(FlaskForm):
    """The CSRF token and the one-time command id; the fields are read by the schemas."""

    command_id = HiddenField()


@dataclass(frozen=True)
class Action:
    schema: type[Schema]
    labels: dict[str, Any]
    lists: tuple[str, ...] = ()


ACTIONS: dict[str, Action] = {
    "unit": Action(
        api.ParticipatingUnitCreateSchema,
        {
            "role": _l("Kind of unit"),
            "name": _l("Name"),
            "credit_code": _l("Unified social credit code"),
            "contact_role": _l("Contact (position)"),
        },
    ),
    "builder": Action(
        api.MilestoneBuilderSchema,
        {"milestone_id": _l("Milestone"), "unit_role": _l("Unit doing the work")},
    ),
    "notice": Action(
        api.NoticeCreateSchema,
        {
            "notified_on": _l("Notified on"),
            "meeting_on": _l("Meeting on"),
            "place": _l("Place"),
            "group": _l("Acceptance group (one position per line)"),
        },
    ),
    "meeting": Action(
        api.MeetingCreateSchema,
        {
            "held_on": _l("Held on"),
            "place": _l("Place"),
            "units_present": _l("Units present"),
            "representatives": _l("Resident representatives present"),
            "conclusion": _l("Conclusion"),
            "defects": _l("Defects found"),
            "what": _l("Defect"),
            "building": _l("Building"),
            "unit": _l("Unit (stairwell)"),
            "responsible": _l("Responsible unit"),
            "due_on": _l("Due on"),
            "supervisors": _l("Co-approving resident supervisors"),
        },
        lists=("units_present",),
    ),
    "filing": Action(
        api.FilingCreateSchema,
        {"filing_number": _l("Filing number"), "filed_on": _l("Filed on")},
    ),
    "supervisor": Action(
        api.SupervisorCreateSchema,
        {"name": _l("Name (kept private)"), "role_label": _l("Shown as")},
    ),
    "note": Action(
        api.InspectionNoteCreateSchema,
        {
            "supervisor_id": _l("Resident supervisor"),
            "text": _l("What the supervisor found"),
            "on_date": _l("Inspected on"),
            "item_id": _l("Rectification item"),
            "photos": _l("Photos (JPEG or PNG, up to 4)"),
        },
    ),
    "handover": Action(
        api.HandoverCreateSchema,
        {
            "manager_kind": _l("Who manages"),
            "manager_name": _l("Manager's name"),
            "rules_adopted": _l("Rules adopted"),
            "maintenance_fund": _l("Maintenance fund arrangement"),
            "handed_over_on": _l("Handed over on"),
        },
    ),
    "account": Action(
        api.SupervisorAccountCreateSchema,
        {"username": _l("Username"), "password": _l("Password (8 characters or more)")},
    ),
    "work_required": Action(api.StepNoteSchema, {"note": _l("Instruction to the unit")}),
    "ready": Action(
        api.ReadySchema,
        {"note": _l("What was done"), "photos": _l("Photos (JPEG or PNG, up to 4)")},
    ),
    "approve": Action(api.SignOffSchema, {"approver": _l("Signed off by"), "note": _l("Note")}),
    "reopen": Action(api.ReopenSchema, {"approver": _l("Sent back by"), "reason": _l("Reason")}),
}


def acceptance_label(kind: str, code: str | None) -> str:
    return label(kind, code)


def approver_label(view: dict[str, Any], approver: str) -> str:
    """A co-approver in words: the supervision unit, or a supervisor by role label."""
    if approver == SUPERVISION_UNIT:
        return label("co_approver", approver)
    supervisor = view["supervisors"].get(approver)
    return (
        supervisor["role_label"]
        if supervisor
        else label("representative_role", "resident_supervisor")
    )


@bp.app_context_processor
def _acceptance_globals() -> dict[str, Any]:
    return {"approver_label": approver_label}


@bp.app_template_filter("zip_labels")
def zip_labels(codes: Any, kind: str) -> list[tuple[str, str]]:
    """Codes as (code, label) choices."""
    return [(code, label(kind, code)) for code in codes]


@bp.app_template_filter("zip_supervisors")
def zip_supervisors(ids: Any, view: dict[str, Any]) -> list[tuple[str, str]]:
    """Supervisors as (id, role label) choices."""
    return [(sid, view["supervisors"][sid]["role_label"]) for sid in ids]


@bp.app_template_filter("zip_approvers")
def zip_approvers(ids: Any, view: dict[str, Any]) -> list[tuple[str, str]]:
    """Co-approvers as (id, label) choices."""
    return [(a, approver_label(view, a)) for a in ids]


# ---- reading a form --------------------------------------------------------------------------


def form_data(action: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The command's raw data from the posted form, and the values to fill the form in again."""
    form = request.form
    values = {k: v.strip() for k, v in form.items() if k not in ("csrf_token",)}
    data: dict[str, Any] = {}
    for name in ACTIONS[action].schema().fields:
        if name in ACTIONS[action].lists:
            data[name] = form.getlist(name)
        elif name == "group":
            data[name] = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
        elif form.get(name, "").strip():
            data[name] = form[name].replace("\r\n", "\n").strip()
    if action == "meeting":
        data["representatives"] = [{"role": r} for r in form.getlist("rep_roles")] + [
            {"role": "resident_supervisor", "supervisor_id": s}
            for s in form.getlist("rep_supervisors")
        ]
        data["defects"] = []
        for n in range(MAX_DEFECT_ROWS):
            row = {
                key: form.get(f"defect-{n}-{key}", "").strip()
                for key in ("what", "building", "unit", "responsible", "due_on")
            }
            if not any(row.values()):
                continue
            row["supervisors"] = form.getlist(f"defect-{n}-supervisors")
            data["defects"].append({k: v for k, v in row.items() if v != ""})
    return data, values


def store_photos(data: dict[str, Any]) -> dict[str, list[str]]:
    """Keep the form's photos (re-encoded, under their hashes) and name them in ``data``; a
    refused file is a problem of the field ``photos``, and the command is not sent."""
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    if len(uploads) > MAX_FORM_PHOTOS:
        return {"photos": [words().refusal("too_many", {"max": MAX_FORM_PHOTOS})]}
    hashes = []
    for upload in uploads:
        try:
            hashes.append(runtime().photo_store.put(upload.read()))
        except DomainError as error:
            return {"photos": [f"{upload.filename}: {refusal_message(error)}"]}
        finally:
            upload.close()
    data["photos"] = hashes
    return {}


def load(action: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The data as the API's schema loads it, or the problems by field."""
    try:
        return ACTIONS[action].schema().load(data), {}
    except ValidationError as error:
        return {}, {k: [str(m) for m in v] for k, v in flatten_errors(error.messages).items()}


def page_errors(action: str, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Problems keyed by the form's field names (a defect row's ``defects.1.what`` becomes
    ``defect-1-what``), each flashed with its field's label too."""
    labels = ACTIONS[action].labels
    named: dict[str, list[str]] = {}
    for field, messages in errors.items():
        parts = field.split(".")
        if parts[0] == "defects" and len(parts) >= 3:
            key, what = f"defect-{parts[1]}-{parts[2]}", labels.get(parts[2])
            what = _("Defect %(n)s: %(field)s", n=int(parts[1]) + 1, field=what)
        else:
            key, what = parts[0] if parts[0] != "_request" else "form", labels.get(parts[0])
        named.setdefault(key, []).extend(messages)
        for message in messages:
            flash(
                _("%(field)s: %(message)s", field=what, message=message) if what else message,
                "error",
            )
    return named


# ---- running a command ----------------------------------------------------------------------


def submit(
    action: str,
    key: str,
    command: Callable[[dict[str, Any], str | None], Any],
    render: Callable[..., Any],
    done: Callable[[Any], str],
):
    """Run one form: a redirect when done, else the page again with the problems (nothing is
    written when anything is refused)."""
    # A form with photos may be larger than the app's request limit; the store's own holds.
    request.max_content_length = (
        current_app.config["PHOTO_MAX_BYTES"] * MAX_FORM_PHOTOS + MULTIPART_SLACK
    )
    form = CsrfForm()
    data, values = form_data(action)
    if not form.validate_on_submit():
        flash(_("The form has expired; please send it again."), "error")
        return render(failed=key, values=values, status=400)
    photo_errors = store_photos(data) if "photos" in ACTIONS[action].schema().fields else {}
    loaded, errors = load(action, data)
    errors = {**errors, **photo_errors}
    if not errors:
        key_id = web_command_id(f"acceptance-{key}", command_id(values.get("command_id")))
        problems: dict[str, list[str]] = {}
        result = run_command(lambda: command(loaded, key_id), errors=problems)
        if result is not None:
            if getattr(result, "replayed", False):
                flash(_("That was already done."), "info")
            else:
                flash(done(result), "success")
            return None
        errors = problems
    return render(failed=key, values=values, errors=page_errors(action, errors), status=422)


DONE: dict[str, Any] = {
    "unit": _l("The unit is recorded."),
    "builder": _l("The milestone names the unit doing its work."),
    "notice": _l("The acceptance notice is recorded."),
    "meeting": _l("The acceptance meeting is recorded."),
    "filing": _l("The filing is recorded."),
    "supervisor": _l("The resident supervisor is appointed."),
    "note": _l("The inspection note is recorded."),
    "handover": _l("The hand-over is recorded."),
    "account": _l("The supervisor's account is made: give them the username and password."),
    "work_required": _l("The unit is told to do the work."),
    "ready": _l("The item is ready for review."),
    "approve": _l("The sign-off is recorded."),
    "reopen": _l("The item is sent back, with the reason."),
}
