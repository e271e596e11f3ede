"""Public pages: the project list and one project's page. No personal data on either."""

from __future__ import annotations

from math import ceil
from uuid import UUID

from flask import abort, render_template, request

from renovation.domain.project import CATEGORIES
from renovation.domain.stages import Stage
from renovation.projections.milestones import is_overdue
from renovation.projections.store import districts, get_summary, list_milestones, list_summaries
from renovation.web import runtime
from renovation.web.pages.blueprint import bp, query_url
from renovation.web.pages.labels import stage_label, timeline

PER_PAGE = 10
STAGES = [s.value for s in Stage]


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


@bp.get("/projects/<uuid:project_id>")
def project(project_id: UUID):
    """One community's renovation: facts, stage, content, construction milestones, budget,
    history."""
    row = get_summary(runtime().engine, str(project_id))
    if row is None:
        abort(404)
    by_category = [
        (category, [i for i in row["content_items"] if i["category"] == category])
        for category in CATEGORIES
    ]
    return render_template(
        "pages/public/project.html",
        project=row,
        steps=timeline(row["stage"]),
        content=[(c, items) for c, items in by_category if items],
        milestones=milestone_rows(project_id),
        history=list(reversed(row["stage_history"])),
    )
