"""Public pages: the project list and one project's page. No personal data on either."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from math import ceil
from typing import Any
from uuid import UUID

from flask import abort, render_template, request

from renovation.application.errors import ProjectNotFoundError
from renovation.domain.project import CATEGORIES
from renovation.domain.stages import Stage
from renovation.projections import acceptance as acceptance_model
from renovation.projections.acceptance_replay import acceptance_at
from renovation.projections.figures_sum import figure_states, investment_lines
from renovation.projections.history import day_end
from renovation.projections.milestone_replay import milestones_at
from renovation.projections.milestones import is_overdue
from renovation.projections.progress import progress_of
from renovation.projections.queries import districts, get_summary, list_summaries
from renovation.projections.replay import summary_at
from renovation.projections.store import list_milestones
from renovation.reports import charts
from renovation.vocabulary.markers import N_
from renovation.web import runtime
from renovation.web.access import PUBLIC, access
from renovation.web.api.acceptance import acceptance_body
from renovation.web.i18n import words
from renovation.web.pages.blueprint import bp, query_url
from renovation.web.pages.labels import stage_label, timeline
from renovation.web.validation import FIRST_YEAR, LAST_YEAR

PER_PAGE = 10
STAGES = [s.value for s in Stage]

# The history says what happened from each event's type and fields, in the reader's words.
MOVED_TO = N_("moved to “%(stage)s”")
REGISTERED = N_("registered")
BAD_AS_OF = N_("The date “as of” %(problem)s; the current state is shown.")
OUT_OF_RANGE = N_("must be between the years 1900 and 2199")
NOT_YET_REGISTERED = N_(
    "The project was not yet registered on %(day)s; the current state is shown."
)
MOVE_SENTENCES = {
    ("intent_vote", "in_plan"): N_(
        "The residents agreed in the intent vote: the community is in the renovation plan."
    ),
    ("intent_vote", "rejected_by_residents"): N_("The residents did not agree in the intent vote."),
}
# The moves above are made by closing the intent vote, never by a person: they carry no
# person's note (older ones stored the service's own English line, which the sentence says).


def list_filters() -> dict[str, object]:
    """District, stage, text and page from the query string, with nonsense dropped."""
    stage = request.args.get("stage", "")
    return {
        "district": request.args.get("district", "").strip()[:200],
        "stage": stage if stage in STAGES else "",
        "q": request.args.get("q", "").strip()[:100],
        "page": min(max(request.args.get("page", 1, type=int), 1), 100_000),
    }


def pagination(path: str, filters: dict, total: int, per_page: int) -> dict:
    """Page numbers and the links to the pages before and after, keeping the filters."""
    pages = max(ceil(total / per_page), 1)
    page = filters["page"]
    args = {k: v for k, v in filters.items() if k != "page"}
    return {
        "page": page,
        "pages": pages,
        "total": total,
        "prev_url": query_url(path, **args, page=page - 1) if page > 1 else None,
        "next_url": query_url(path, **args, page=page + 1) if page < pages else None,
    }


@bp.get("/")
@access(PUBLIC)
def index():
    """Every project, filtered by district, stage and text, ten to a page."""
    engine = runtime().engine
    filters = list_filters()
    rows, total = list_summaries(
        engine,
        district=filters["district"] or None,
        stage=filters["stage"] or None,
        q=filters["q"] or None,
        page=filters["page"],
        per_page=PER_PAGE,
    )
    return render_template(
        "pages/public/index.html",
        projects=rows,
        filters=filters,
        districts=districts(engine),
        stages=[(s, stage_label(s)) for s in STAGES],
        pager=pagination("/", filters, total, PER_PAGE),
    )


def milestone_rows(project_id: UUID) -> list[dict]:
    """The project's milestones from the read model, each flagged overdue as of the bureau's
    today (shared by the public page and the staff page)."""
    today = runtime().app.today()
    return [
        dict(m, overdue=is_overdue(m, today))
        for m in list_milestones(runtime().engine, str(project_id))
    ]


def history(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The project's history, newest first: one sentence per stage move, from its stages,
    with the note a person wrote (never a sentence the service stored), then registration."""
    v = words()
    entries = []
    for step in reversed(row["stage_history"]):
        sentence = MOVE_SENTENCES.get((step.get("from_stage"), step["to_stage"]))
        note = (step.get("note") or "").strip()
        entries.append(
            {
                "at": step["at"],
                "text": v.gettext(sentence)
                if sentence
                else v.gettext(MOVED_TO, stage=v.label("project_stage", step["to_stage"])),
                "effective_on": v.date(step["effective_on"]) if step.get("effective_on") else None,
                "note": "" if sentence else note,
            }
        )
    entries.append(
        {
            "at": row["registered_at"],
            "text": v.gettext(REGISTERED),
            "effective_on": None,
            "note": "",
        }
    )
    return entries


def day_from(text: str) -> tuple[date | None, str | None]:
    """``YYYY-MM-DD`` as a date of the years the service knows, or why it is not one."""
    try:
        day = date.fromisoformat(text) if len(text) <= 10 else None
    except ValueError:
        day = None
    if day is None:
        return None, words().refusal("must_be_date")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return None, words().gettext(OUT_OF_RANGE)
    return day, None


def as_of_day() -> tuple[date | None, str | None]:
    """``?as_of=YYYY-MM-DD`` as a date, or the message saying why it is not one."""
    text = request.args.get("as_of", "").strip()
    if not text:
        return None, None
    day, problem = day_from(text)
    return day, words().gettext(BAD_AS_OF, problem=problem) if problem else None


def past_state(project_id: UUID, day: date) -> tuple[dict, list[dict], dict] | None:
    """The summary, milestones and acceptance record as recorded by the end of ``day``
    (Beijing time), replayed from the project's events; None before it was registered."""
    rt = runtime()
    moment = day_end(day)
    try:
        row = summary_at(rt.app, rt.engine, project_id, moment)
    except ProjectNotFoundError:
        return None
    milestones = [
        dict(m, overdue=is_overdue(m, day))
        for m in milestones_at(rt.app, rt.engine, project_id, moment, summary=row)
    ]
    ruleset = rt.app.ruleset_for_city(row.get("city") or "", day)
    record = acceptance_at(rt.app, rt.engine, project_id, moment, summary=row)
    return row, milestones, acceptance_model.view(record, row, ruleset, day)


def money_lines(project_id: UUID, day: date | None) -> dict[str, Any] | None:
    """Each funding source's planned amount and what was paid out of it by the end of ``day``
    (today if None), from the figures' read model; None before its first row."""
    states = figure_states(runtime().engine, project_id=str(project_id), as_of=day)
    if not states:
        return None
    lines = investment_lines(states, day or runtime().app.today())
    return {
        "lines": lines,
        "planned": sum((Decimal(line["planned"]) for line in lines), Decimal(0)),
        "spent": sum((Decimal(line["spent"]) for line in lines), Decimal(0)),
    }


@bp.get("/projects/<uuid:project_id>")
@access(PUBLIC)
def project(project_id: UUID):
    """One community's renovation: facts, stage, content, construction milestones, budget,
    history; ``?as_of=YYYY-MM-DD`` shows it as recorded by the end of that day, under a
    banner that says so."""
    row = get_summary(runtime().engine, str(project_id))
    if row is None:
        abort(404)
    day, problem = as_of_day()
    past = past_state(project_id, day) if day and day < runtime().app.today() else None
    if day and past is None and day < runtime().app.today():
        problem = words().gettext(NOT_YET_REGISTERED, day=words().date(day))
    if past is not None:
        row, milestones, view = past
    else:
        milestones, view = milestone_rows(project_id), acceptance_body(project_id)[0]
    by_category = [
        (category, [i for i in row["content_items"] if i["category"] == category])
        for category in CATEGORIES
    ]
    return render_template(
        "pages/public/project.html",
        project=row,
        money_lines=money_lines(project_id, day if past is not None else None),
        steps=timeline(row["stage"]),
        content=[(c, items) for c, items in by_category if items],
        milestones=milestones,
        progress=progress_of(row, milestones),
        plan_chart=(
            charts.data_uri(charts.plan_against_done(row["content_items"], words()))
            if row["content_items"]
            else None
        ),
        view=view,
        history=history(row),
        as_of=words().date(day) if past is not None else None,
        as_of_problem=problem,
    ), (400 if problem else 200)
