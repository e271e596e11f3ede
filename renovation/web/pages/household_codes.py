"""Household codes in the staff console: issue a building's codes and print them, one slip a
flat."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from renovation.domain.errors import DomainError
from renovation.reports.contexts import household_code_sheet_context
from renovation.reports.household_codes import render_household_code_sheet
from renovation.web import runtime
from renovation.web.auth import actor_for
from renovation.web.i18n import refusal_message
from renovation.web.links import vote_url
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    project_info,
    staff_project,
)
from renovation.web.pages.staff import staff_page

# ---- staff: household codes ------------------------------------------------------------------


def _flat_order(flat: dict[str, Any]) -> tuple:
    def key(text: str) -> tuple:
        return (0, int(text), "") if text.isdigit() else (1, 0, text)

    return key(flat["unit"]), flat["floor"], key(flat["number"])


@bp.route("/staff/projects/<uuid:project_id>/household-codes", methods=["GET", "POST"])
@staff_page
def staff_household_codes(project_id: UUID):
    """Issue new household codes for one building and print them (PDF, one slip a flat)."""
    user, project = staff_project(project_id)
    buildings = [b["code"] for b in project.buildings]
    info = project_info(project, project_id)
    if request.method == "POST":
        building = request.form.get("building", "")
        if building not in buildings:
            flash(_("Choose a building."), "error")
            return redirect(url_for("pages.staff_household_codes", project_id=project_id))
        try:
            result = runtime().app.issue_household_codes(
                project_id, building=building, actor=actor_for(user, "web")
            )
        except DomainError as error:
            flash(refusal_message(error), "error")
            return redirect(url_for("pages.staff_household_codes", project_id=project_id))
        runtime().catch_up()
        pdf = render_household_code_sheet(
            household_code_sheet_context(
                project_id=str(project_id),
                community=project.community,
                flats=sorted(project.flats(), key=_flat_order),
                codes=result.value,
                building=building,
                vote_url=lambda code: vote_url(project_id, code),
                lang=str(get_locale() or "zh"),
                audit_checkpoint=runtime().audit_log.printed_checkpoint(result.position),
            )
        )
        response = send_file(
            io.BytesIO(pdf),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"household-codes-{info['name']}-{building}.pdf",
        )
        response.headers["Cache-Control"] = "no-store"  # the codes are secrets
        return response
    return render_template(
        "pages/staff/codes.html",
        project=info,
        buildings=buildings,
        flats_per_building={
            b["code"]: sum(len(u["flats"]) for u in b["units"]) for b in project.buildings
        },
    )
