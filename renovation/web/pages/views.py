"""Public pages: the project list and one project's page. No personal data on either."""

from __future__ import annotations

from math import ceil
from typing import Any
from uuid import UUID

from flask import abort, render_template, request

from renovation.domain.project import CATEGORIES
from renovation.domain.stages import Stage
from renovation.projections.milestones import is_overdue
from renovation.projections.progress import progress_of
from renovation.projections.store import districts, get_summary, list_milestones, list_summaries
from renovation.reports import charts
from renovation.vocabulary.markers import N_
from renovation.web import runtime
from renovation.web.api.acceptance import acceptance_body
from renovation.web.i18n import words
from renovation.web.pages.blueprint import bp, query_url
from renovation.web.pages.labels import stage_label, timeline

PER_PAGE = 10
STAGES = [s.value for s in Stage]

# The history says what happened from each event's type and fields, in the reader's words.
MOVED_TO = N_("moved to “%(stage)s”")
REGISTERED = N_("registered")
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


@bp.get("/projects/<uuid:project_id>")
def project(project_id: UUID):
    """One community's renovation: facts, stage, content, construction milestones, budget,
    history."""
    row = get_summary(runtime().engine, str(project_id))
    if row is None:
        abort(404)
    milestones = milestone_rows(project_id)
    by_category = [
        (category, [i for i in row["content_items"] if i["category"] == category])
        for category in CATEGORIES
    ]
    return render_template(
        "pages/public/project.html",
        project=row,
        steps=timeline(row["stage"]),
        content=[(c, items) for c, items in by_category if items],
        milestones=milestones,
        progress=progress_of(row, milestones),
        plan_chart=(
            charts.data_uri(charts.plan_against_done(row["content_items"], words()))
            if row["content_items"]
            else None
        ),
        view=acceptance_body(project_id)[0],
        history=history(row),
    )
