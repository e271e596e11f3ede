"""The district dashboard: the published figures with charts (public), and the staff version
with each project's workload and its programme year and batch. From the figures' read model
only: no request loads a district's events or opinions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from renovation.application.errors import ConcurrencyError
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import DomainError
from renovation.domain.project import PROGRAMME_YEARS
from renovation.projections.figures_sum import (
    district_figures,
    figure_states,
    programme_years,
    project_line,
)
from renovation.projections.queries import districts
from renovation.reports import charts
from renovation.reports.figure_tables import figure_values
from renovation.web import runtime
from renovation.web.access import PUBLIC, STAFF, access
from renovation.web.auth import actor_for, page_user
from renovation.web.i18n import refusal_problems, words
from renovation.web.pages.blueprint import bp, safe_next
from renovation.web.pages.staff import command_id, scope_of, staff_page, web_command_id
from renovation.web.pages.views import as_of_day


class ProgrammeForm(FlaskForm):
    """The programme year and batch of one project (staff dashboard)."""

    year = StringField()
    batch = StringField()
    command_id = HiddenField()
    back = HiddenField()


def dashboard_filters() -> dict[str, Any]:
    """Year and past date from the query string; a year out of range is dropped, a past
    date that is not one is said (``as_of_problem``) and the current figures shown."""
    year = request.args.get("year", type=int)
    if year is not None and not PROGRAMME_YEARS[0] <= year <= PROGRAMME_YEARS[1]:
        year = None
    as_of, problem = as_of_day()
    return {"year": year, "as_of": as_of, "as_of_problem": problem}


def dashboard_context(district: str | None, *, districts: list[str] | None = None) -> dict:
    """The figures, the project lines and the four charts, for a district or the city."""
    filters = dashboard_filters()
    day = filters["as_of"] or datetime.now(LOCAL_TZ).date()
    states = figure_states(
        runtime().engine,
        district=district,
        year=filters["year"],
        as_of=filters["as_of"],
        districts=districts,
    )
    if district and not states and filters["year"] is None and filters["as_of"] is None:
        abort(404)
    figures = district_figures(states, today=day)
    lines = [project_line(s, day) for s in states]
    vocab = words()
    shown = [
        (
            charts.stage_funnel(figures, vocab),
            _("How many projects reached each stage, from registration to long-term management."),
        ),
        (charts.quantities(figures, vocab), _("Each kind of works: done against plan.")),
        (charts.rates(figures, vocab), _("Opinions answered on time and adopted; satisfaction.")),
        (charts.project_progress(lines, vocab), _("Each project's overall progress.")),
    ]
    return {
        "district": district,
        "filters": filters,
        "day": day,
        "as_of": vocab.date(day) if filters["as_of"] else None,
        "years": programme_years(runtime().engine),
        "figures": figures,
        "values": figure_values(figures),
        "lines": lines,
        "charts": [{"src": charts.data_uri(svg), "alt": alt} for svg, alt in shown],
    }


@bp.get("/districts")
@access(PUBLIC)
def city_dashboard():
    """The city's figures, every district together (public), with a link to each district."""
    return render_template(
        "pages/public/dashboard.html",
        **dashboard_context(None),
        districts=districts(runtime().engine),
    )


@bp.get("/districts/<string:district>")
@access(PUBLIC)
def district_dashboard(district: str):
    """A district's figures at a glance (public): counts, charts, one line per project."""
    return render_template("pages/public/dashboard.html", **dashboard_context(district[:200]))


@bp.get("/staff/districts/<string:district>")
@access(STAFF)
@staff_page
def staff_dashboard(district: str):
    """The district's figures with each project's workload, and its programme year and batch."""
    scope = scope_of(page_user())
    if scope is not None and district not in scope:
        abort(403)
    context = dashboard_context(district[:200])
    for line in context["lines"]:
        line["command_id"] = uuid4().hex
    return render_template(
        "pages/staff/dashboard.html", **context, back=request.full_path.rstrip("?")
    )


def _staff_dashboard_again(district: str, status: int):
    """The staff dashboard with the messages just flashed, answered with ``status``."""
    return staff_dashboard(district), status


@bp.post("/staff/projects/<uuid:project_id>/programme")
@access(STAFF)
@staff_page
def assign_programme(project_id: UUID):
    """Set a project's programme year and batch; a refused value comes back naming its field."""
    user = page_user()
    form = ProgrammeForm()
    back = safe_next(form.back.data) or url_for("pages.staff_console")
    if not form.validate_on_submit():
        flash(_("The form has expired; please send it again."), "error")
        return redirect(back), 303
    rt = runtime()
    project = rt.app.get_project(project_id)
    if not user.may_write_in(project.community["district"]):
        abort(403)
    name = project.community["name"]
    year_text = (form.year.data or "").strip()
    try:
        result = rt.app.assign_programme(
            project_id,
            int(year_text) if year_text.isdigit() else year_text,
            form.batch.data or "",
            actor=actor_for(user, "web"),
            command_id=web_command_id("programme", command_id(form.command_id.data)),
        )
    except DomainError as error:
        for field, messages in refusal_problems(error).items():
            label = {"year": _("Programme year"), "batch": _("Batch")}.get(field, field)
            for message in messages:
                refusal = _("%(field)s: %(message)s", field=label, message=message)
                flash(_("“%(name)s”: %(refusal)s", name=name, refusal=refusal), "error")
        return _staff_dashboard_again(project.community["district"], 422)
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
        return redirect(back), 303
    rt.catch_up(until=result.position)
    flash(_("“%(name)s”: programme year and batch saved.", name=name), "success")
    return redirect(f"{back}#project-{project_id}"), 303
