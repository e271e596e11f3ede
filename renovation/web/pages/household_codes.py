"""Household codes in the staff console: issue a building's codes and print them, one slip a
flat. Issuing again voids the building's earlier slips, so it is confirmed first."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from renovation.domain import participation as rules
from renovation.domain.errors import DomainError
from renovation.domain.project import RenovationProject
from renovation.reports.contexts import household_code_sheet_context, local_time
from renovation.reports.household_codes import render_household_code_sheet
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import refusal_message
from renovation.web.links import phones_can_open_links, vote_url
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import flat_label, project_info, staff_project
from renovation.web.pages.confirming import confirm_page, unconfirmed
from renovation.web.pages.staff import staff_page

# ---- staff: household codes ------------------------------------------------------------------


def _flat_order(flat: dict[str, Any]) -> tuple:
    def key(text: str) -> tuple:
        return (0, int(text), "") if text.isdigit() else (1, 0, text)

    return key(flat["unit"]), flat["floor"], key(flat["number"])


def building_flats(project: RenovationProject, building: str) -> list[dict[str, Any]]:
    """A building's flats in slip order, each with when its current code was issued."""
    issues = project.code_issues()
    return [
        dict(f, issued=issues.get(rules.flat_id(f["building"], f["unit"], f["number"])))
        for f in sorted(project.flats(), key=_flat_order)
        if f["building"] == building
    ]


def _codes_page(project_id: UUID) -> Any:
    return redirect(url_for("pages.staff_household_codes", project_id=project_id))


@bp.route("/staff/projects/<uuid:project_id>/household-codes", methods=["GET", "POST"])
@access(STAFF)
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
            return _codes_page(project_id)
        refused = unconfirmed(
            f"codes:{building}",
            project_id,
            project,
            url_for("pages.confirm_household_codes", project_id=project_id, building=building),
        )
        if refused is not None:
            return refused
        try:
            result = runtime().app.issue_household_codes(
                project_id, building=building, actor=actor_for(user, "web")
            )
        except DomainError as error:
            flash(refusal_message(error), "error")
            return _codes_page(project_id)
        runtime().catch_up()
        issued = runtime().app.get_project(project_id)
        flats = building_flats(issued, building)
        flash(
            _(
                "Codes of building %(building)s issued %(at)s: %(count)s slips. Slips issued "
                "to these flats before no longer work.",
                building=building,
                at=local_time(flats[0]["issued"]["at"]) if flats and flats[0]["issued"] else "",
                count=len(result.value),
            ),
            "success",
        )
        pdf = render_household_code_sheet(
            household_code_sheet_context(
                project_id=str(project_id),
                community=project.community,
                flats=flats,
                codes=result.value,
                building=building,
                vote_url=lambda code: vote_url(project_id, code),
                lang=str(get_locale() or "zh"),
                phones_can_open=phones_can_open_links(),
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
    rows = []
    for building in buildings:
        flats = building_flats(project, building)
        times = [f["issued"]["at"] for f in flats if f["issued"]]
        rows.append(
            {
                "building": building,
                "flats": len(flats),
                "with_codes": len(times),
                "issued_at": local_time(max(times)) if times else None,
            }
        )
    return render_template(
        "pages/staff/codes.html",
        project=info,
        buildings=rows,
        phones_can_open=phones_can_open_links(),
        sample_url=vote_url(project_id, "").removesuffix("#code="),
    )


@bp.get("/staff/projects/<uuid:project_id>/household-codes/confirm")
@access(STAFF)
@staff_page
def confirm_household_codes(project_id: UUID):
    """What issuing a building's codes does, and which printed slips it voids."""
    _user, project = staff_project(project_id)
    building = request.args.get("building", "")
    if building not in [b["code"] for b in project.buildings]:
        abort(404)
    flats = building_flats(project, building)
    voided = [
        _(
            "%(flat)s: the slip issued %(at)s",
            flat=flat_label(f["building"], f["unit"], f["number"]),
            at=local_time(f["issued"]["at"]),
        )
        for f in flats
        if f["issued"]
    ]
    reachable = phones_can_open_links()
    return confirm_page(
        project_id,
        project,
        action=f"codes:{building}",
        title=_("Issue new codes for building %(building)s?", building=building),
        what=_(
            "Each of the %(count)s flats of building %(building)s gets a new code, printed on "
            "a sheet of slips (PDF) that downloads at once; the service keeps no copy of the "
            "codes. Codes issued to these flats before stop working.",
            count=len(flats),
            building=building,
        ),
        checks=[
            {
                "ok": True if reachable else None,
                "text": _("Phones can open the slips' links and QR codes.")
                if reachable
                else _(
                    "The public address (PUBLIC_BASE_URL) is not set or is this computer's: "
                    "phones cannot open these slips' links and QR codes until it is set."
                ),
            }
        ],
        post_to=url_for("pages.staff_household_codes", project_id=project_id),
        fields={"building": building},
        button=_("Issue codes and download the sheet (PDF)"),
        cancel=url_for("pages.staff_household_codes", project_id=project_id),
        voided=voided,
        working=_(
            "Making the sheet of slips (PDF)… It downloads by itself when it is ready; a large "
            "building takes a few seconds."
        ),
    )
