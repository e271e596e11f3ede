"""The district report: the figures' read model of a district, with charts, to HTML and PDF.

A cover, a table of contents with page numbers, the figures, the four charts (pygal SVG drawn
inline, so WeasyPrint draws their text in the report's CJK font), and one line per project.
It reflects the projection's position when rendered, and prints a SHA-256 digest of the figure
rows it summed, so a rebuild of the read model can be checked against it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from markupsafe import Markup

from renovation.projections.figures_sum import district_figures, figure_states, project_line
from renovation.reports import charts
from renovation.reports.figure_tables import figure_values
from renovation.reports.rendering import (
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    report_words,
    translated,
)
from renovation.vocabulary.markers import N_

TEMPLATE = "reports/district/report.html"

MESSAGES: dict[str, str] = {
    "title": N_("%(district)s: old-neighbourhood renovation report"),
    "year": N_("Programme year %(year)s"),
    "all_years": N_("All programme years"),
    "contents": N_("Contents"),
    "figures": N_("Figures"),
    "charts": N_("Charts"),
    "investment": N_("Investment by source: planned and spent"),
    "projects": N_("Projects"),
    "figures_digest": N_("Digest of the figure rows (SHA-256)"),
    "no_projects": N_("No project in this programme year."),
}


def district_report_context(
    runtime: Any, district: str, *, year: int | None, as_of: date | None, lang: str = "zh"
) -> dict[str, Any]:
    """The report's plain values, from the figures' read model only."""
    runtime.catch_up()
    day = as_of or runtime.app.today()
    states = figure_states(runtime.engine, district=district, year=year, as_of=as_of)
    figures = district_figures(states, today=day)
    lines = [project_line(s, day) for s in states]
    position = runtime.projection.position()
    digest = hashlib.sha256(
        json.dumps(states, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return {
        "district": district,
        "year": year,
        "as_of": as_of.isoformat() if as_of else None,
        "lang": report_language(lang),
        "figures": figures,
        "lines": lines,
        "position": position,
        "chain_digest": digest,
        # The signed audit-log checkpoint that includes every event the figures reflect.
        "audit_checkpoint": runtime.audit_log.printed_checkpoint(position),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def template_values(context: dict[str, Any]) -> dict[str, Any]:
    lang = report_language(context.get("lang"))
    words = report_words(lang)
    labels = {**layout_labels(lang), **translated(MESSAGES, lang)}
    figures = context["figures"]
    shown = [
        charts.stage_funnel(figures, words),
        charts.quantities(figures, words),
        charts.rates(figures, words),
        charts.project_progress(context["lines"], words),
    ]
    return {
        **context,
        "title": labels["title"] % {"district": context["district"]},
        "words": labels,
        "values": [(words.label("figure", k), v) for k, v in figure_values(figures).items()],
        "charts": [Markup(svg) for svg in shown],
        "stage_label": lambda stage: words.label("project_stage", stage),
        "column": lambda name: words.label("figure_column", name),
    }


def district_report_html(context: dict[str, Any]) -> str:
    return render_html(TEMPLATE, template_values(context))


def district_report_pdf(
    runtime: Any, district: str, *, year: int | None, as_of: date | None, lang: str = "zh"
) -> bytes:
    """The district report as PDF bytes."""
    context = district_report_context(runtime, district, year=year, as_of=as_of, lang=lang)
    return html_to_pdf(district_report_html(context))
