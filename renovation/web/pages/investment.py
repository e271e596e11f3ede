"""Investment spent in the staff console: each funding source's planned amount against what was
paid out of it, every payment, and the form that records one (a refusal names its field and
keeps what was typed)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.domain.errors import DomainError
from renovation.domain.parts.investment import MAX_VOUCHER
from renovation.domain.project import RenovationProject
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import refusal_problems
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import project_info, staff_project
from renovation.web.pages.staff import staff_page

FIELDS = ("source", "amount", "paid_on", "purpose", "voucher")


def _labels() -> dict[str, str]:
    return {
        "source": _("Funding source"),
        "amount": _("Amount paid (yuan)"),
        "paid_on": _("Paid on"),
        "purpose": _("What it paid for"),
        "voucher": _("Voucher number"),
    }


def _day(text: str) -> date | str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


def _page(project_id: UUID, project: RenovationProject, *, form=None, status: int = 200):
    lines = project.investment()
    for line in lines:
        line["rate"] = f"{line['spent'] * 100 / line['planned']:.1f}%" if line["planned"] else None
    return render_template(
        "pages/staff/investment.html",
        project=project_info(project, project_id),
        lines=lines,
        form=form or {"paid_on": runtime().app.today().isoformat()},
        labels=_labels(),
        max_voucher=MAX_VOUCHER,
    ), status


@bp.get("/staff/projects/<uuid:project_id>/investment")
@access(STAFF)
@staff_page
def staff_investment(project_id: UUID):
    """Planned against spent per funding source, the payments so far and the form."""
    _user, project = staff_project(project_id)
    return _page(project_id, project)


@bp.post("/staff/projects/<uuid:project_id>/investment")
@access(STAFF)
@staff_page
def record_spending(project_id: UUID):
    """Record a payment; a refusal names each refused field and keeps the form filled."""
    user, project = staff_project(project_id)
    form: dict[str, Any] = {name: request.form.get(name, "").strip() for name in FIELDS}
    data = {**form, "paid_on": _day(form["paid_on"]), "amount": form["amount"] or None}
    try:
        result = runtime().app.record_spending(project_id, data, actor=actor_for(user, "web"))
    except DomainError as error:
        labels = _labels()
        for field, messages in refusal_problems(error).items():
            for message in messages:
                label = labels.get(field, labels["source"])
                flash(_("%(field)s: %(message)s", field=label, message=message), "error")
        return _page(project_id, project, form=form, status=422)
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
        return redirect(url_for("pages.staff_investment", project_id=project_id)), 303
    runtime().catch_up(until=result.position)
    line = result.value
    flash(_("Payment %(voucher)s recorded.", voucher=form["voucher"]), "success")
    if line["over_plan"]:
        flash(
            _(
                "%(source)s: %(spent)s yuan spent, beyond the %(planned)s yuan planned. "
                "The payment is recorded; reconcile it with the plan.",
                source=line["source"],
                spent=line["spent"],
                planned=line["planned"],
            ),
            "info",
        )
    return redirect(url_for("pages.staff_investment", project_id=project_id)), 303
