"""The flat register in the staff console: its buildings and units, an import from an XLSX or
CSV file with a row-by-row report of what was refused, and the owner grouping — which flats
the service counts as one owner, their references masked."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.application.flat_import import MAX_FILE_BYTES, FlatImportFileError
from renovation.domain import participation as rules
from renovation.domain.errors import DomainError
from renovation.domain.parts.flat_register import (
    COLUMNS,
    MAX_ROWS,
    FlatImportRefusedError,
    column_name,
)
from renovation.domain.project import RenovationProject
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import refusal_message, refusal_problems
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import import_report, project_info, staff_project
from renovation.web.pages.staff import staff_page


def masked(owner_ref: str) -> str:
    """An owner reference with all but its first and last characters hidden."""
    if len(owner_ref) <= 2:
        return owner_ref[:1] + "*" * (len(owner_ref) - 1)
    return owner_ref[0] + "*" * (len(owner_ref) - 2) + owner_ref[-1]


def owner_groups(project: RenovationProject) -> list[dict[str, Any]]:
    """Who counts as one owner (DOMAIN.md, consent): each owner reference, and all unsold
    developer flats together; owners of several flats first."""
    groups: dict[tuple[bool, str], list[dict[str, Any]]] = {}
    for flat in project.flats():
        key = (True, "") if flat.get("unsold") else (False, flat["owner_ref"])
        groups.setdefault(key, []).append(flat)
    rows = [
        {
            "developer": unsold,
            "owner": "" if unsold else masked(ref),
            "flats": [rules.flat_id(f["building"], f["unit"], f["number"]) for f in flats],
            "area": sum((f["area"] for f in flats), 0),
        }
        for (unsold, ref), flats in groups.items()
    ]
    return sorted(rows, key=lambda g: (-len(g["flats"]), g["flats"][0]))


def register_units(project: RenovationProject) -> list[dict[str, Any]]:
    return [
        {"building": b["code"], "unit": u["code"], "flats": len(u["flats"])}
        for b in project.buildings
        for u in b["units"]
    ]


def _page(project_id: UUID, project: RenovationProject, *, report=None, status: int = 200):
    return render_template(
        "pages/staff/flats.html",
        project=project_info(project, project_id),
        units=register_units(project),
        groups=owner_groups(project),
        columns=[column_name(field) for field in COLUMNS],
        max_kb=MAX_FILE_BYTES // 1024,
        max_rows=MAX_ROWS,
        report=report,
    ), status


@bp.get("/staff/projects/<uuid:project_id>/flats")
@access(STAFF)
@staff_page
def staff_flats(project_id: UUID):
    """The project's flat register, the import form and the owner grouping."""
    _user, project = staff_project(project_id)
    return _page(project_id, project)


@bp.post("/staff/projects/<uuid:project_id>/flats/import")
@access(STAFF)
@staff_page
def import_flats(project_id: UUID):
    """Import a file's flats; a refused file comes back with every refused row named."""
    user, project = staff_project(project_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to import."), "error")
        return _page(project_id, project, status=422)
    try:
        content = upload.read(MAX_FILE_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    try:
        result = runtime().app.import_flats(
            project_id, upload.filename, content, actor=actor_for(user, "web")
        )
    except FlatImportRefusedError as error:
        flash(refusal_message(error), "error")
        return _page(project_id, project, report=import_report(error), status=422)
    except FlatImportFileError as error:
        flash(_("File: %(message)s", message=refusal_message(error)), "error")
        return _page(project_id, project, status=413 if "large" in error.code else 422)
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
        return redirect(url_for("pages.staff_flats", project_id=project_id)), 303
    runtime().catch_up(until=result.position)
    flash(_("%(count)s flats imported.", count=result.value), "success")
    return redirect(url_for("pages.staff_flats", project_id=project_id)), 303


CORRECTION_FIELDS = ("flat_id", "area", "owner_ref", "effective_on", "reason")


def _day(text: str) -> date | str:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return text


@bp.post("/staff/projects/<uuid:project_id>/flats/correct")
@access(STAFF)
@staff_page
def correct_flat(project_id: UUID):
    """Correct a flat's area or owner from a date, with a reason; a refusal names its field."""
    user, project = staff_project(project_id)
    form = {name: request.form.get(name, "").strip() for name in CORRECTION_FIELDS}
    labels = {
        "flat_id": _("Flat (building-unit-number)"),
        "area": _("Corrected exclusive area (m²)"),
        "owner_ref": _("New owner reference"),
        "effective_on": _("In effect from"),
        "reason": _("Reason"),
    }
    try:
        result = runtime().app.correct_flat(
            project_id,
            form["flat_id"],
            area=form["area"] or None,
            owner_ref=form["owner_ref"] or None,
            effective_on=_day(form["effective_on"]) if form["effective_on"] else None,
            reason=form["reason"],
            actor=actor_for(user, "web"),
        )
    except DomainError as error:
        for field, messages in refusal_problems(error).items():
            for message in messages:
                label = labels.get(field, labels["flat_id"])
                flash(_("%(field)s: %(message)s", field=label, message=message), "error")
        return _page(project_id, project, status=422)
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
        return redirect(url_for("pages.staff_flats", project_id=project_id)), 303
    runtime().catch_up(until=result.position)
    flash(_("Flat %(flat_id)s corrected.", flat_id=form["flat_id"]), "success")
    return redirect(url_for("pages.staff_flats", project_id=project_id)), 303
