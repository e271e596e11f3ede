"""Residents' written answers of a round for the bureau: read by question (building and unit
only, each read logged), exported as CSV or XLSX, and marked as taken up into an opinion or
into the plan. Auditors see how many answers each question has, not the texts."""

from __future__ import annotations

from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from renovation.domain.written_answers import TAKEN_UP_INTO
from renovation.projections.queries import get_summary, list_opinions
from renovation.web import runtime
from renovation.web.access import AUDITOR, STAFF, access
from renovation.web.auth import actor_for, check_district, page_user, require_role
from renovation.web.i18n import label
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import run_command, staff_project
from renovation.web.pages.consultations import shown
from renovation.web.pages.staff import command_id, staff_page, web_command_id
from renovation.web.written_answers import (
    EXPORT_FORMATS,
    export_response,
    written_answers_for,
)

READER_ROLES = ("staff", "admin", "auditor")
BASE = "/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>/written-answers"


def _reader_and_round(project_id: UUID, consultation_id: str):
    """The signed-in reader (staff of the district, an admin or an auditor), the project's
    summary row and the round; 404 for an unknown one."""
    user = page_user()
    summary = get_summary(runtime().engine, str(project_id))
    if summary is None:
        abort(404)
    if user.role == "staff":
        check_district(user, summary["district"])
    round_ = runtime().app.get_project(project_id).rounds.get(consultation_id)
    if round_ is None:
        abort(404)
    return user, summary, round_


def _read(user, summary: dict, consultation_id: str, purpose: str):
    return written_answers_for(
        user, summary["id"], consultation_id, summary["district"], purpose=purpose
    )


@bp.get(BASE)
@access(STAFF, AUDITOR)
@login_required
@require_role(*READER_ROLES, source=page_user)
def staff_written_answers(project_id: UUID, consultation_id: str):
    """Every written answer of the round, by question; counts only for auditors."""
    user, summary, round_ = _reader_and_round(project_id, consultation_id)
    groups, texts_shown = _read(user, summary, consultation_id, "read written answers (page)")
    may_take_up = user.role != "auditor" and user.may_write_in(summary["district"])
    for answer in (a for g in groups for a in g["answers"] or []):
        answer["command_id"] = uuid4().hex  # one form each: sent twice, it marks once
    opinions = []
    if may_take_up:
        rows, _total = list_opinions(runtime().engine, project_id=str(project_id), per_page=200)
        opinions = [(r["opinion_id"], f"{r['tracking_code']} · {r['text'][:30]}") for r in rows]
    return render_template(
        "pages/staff/written_answers.html",
        project={"id": str(project_id), "name": summary["name"]},
        round=shown(round_),
        groups=groups,
        texts_shown=texts_shown,
        may_take_up=may_take_up,
        opinions=opinions,
        intos=[(v, label("taken_up_into", v)) for v in TAKEN_UP_INTO],
    )


@bp.get(BASE + ".<string:fmt>")
@access(STAFF)
@staff_page
def staff_written_answers_export(project_id: UUID, consultation_id: str, fmt: str):
    """The written answers as a CSV or XLSX file (the read is logged)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    user, summary, _round = _reader_and_round(project_id, consultation_id)
    groups, _shown = _read(user, summary, consultation_id, f"export written answers (page, {fmt})")
    return export_response(groups, fmt, f"answers-{consultation_id}")


@bp.post(BASE + "/<string:answer_id>/taken-up")
@access(STAFF)
@staff_page
def staff_take_up_written_answer(project_id: UUID, consultation_id: str, answer_id: str):
    """Mark one written answer as taken up into an opinion or into the plan."""
    user, _project = staff_project(project_id)
    back = url_for(
        "pages.staff_written_answers", project_id=project_id, consultation_id=consultation_id
    )
    data = {
        "into": request.form.get("into", ""),
        "opinion_id": request.form.get("opinion_id") or None,
        "note": request.form.get("note", ""),
    }
    if data["into"] == "plan":
        data["opinion_id"] = None  # the form's opinion list is for "into an opinion" only
    errors: dict[str, list[str]] = {}
    done = run_command(
        lambda: runtime().app.take_up_written_answer(
            project_id,
            consultation_id,
            answer_id,
            data,
            actor=actor_for(user, "web"),
            command_id=web_command_id("take-up", command_id(request.form.get("command_id"))),
        ),
        errors=errors,
    )
    if done is None:
        names = {"opinion_id": _("Opinion"), "into": _("Taken up"), "note": _("Remarks")}
        for field, messages in errors.items():
            for message in messages:
                where = names.get(field)
                flash(
                    _("%(column)s: %(message)s", column=where, message=message)
                    if where
                    else message,
                    "error",
                )
    else:
        flash(_("The answer is marked as taken up."), "success")
    return redirect(f"{back}#answer-{answer_id}")
