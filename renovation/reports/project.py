"""The project report: a project's read model, as plain values, to HTML and PDF."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup

from renovation.reports import charts
from renovation.reports.rendering import (
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    report_words,
    translated,
)
from renovation.vocabulary.markers import N_

TEMPLATE = "reports/project/report.html"

# The order the bureau lists renovation content in; unknown categories follow, as met.
CATEGORY_ORDER = ("basic", "improvement", "upgrade")

NOT_APPLICABLE = "—"
# The plan-against-done chart is drawn for up to this many content items; a longer list reads
# only as the table (a bar per item would run over pages and show nothing at a glance).
CHART_MAX_ITEMS = 40

MESSAGES: dict[str, str] = {
    "contents": N_("Contents"),
    "facts": N_("Project facts"),
    "project_name": N_("Community name"),
    "location": N_("Location"),
    "address": N_("Address"),
    "year_built": N_("Year built"),
    "stage": N_("Current stage"),
    "version": N_("Version"),
    "planned_period": N_("Planned period"),
    "planned_to": N_("to"),
    "not_set": N_("not set"),
    "scale": N_("Size"),
    "scale_value": N_("%(buildings)s buildings · %(units)s units · %(flats)s flats"),
    "total_area": N_("Total floor area"),
    "area_unit": N_("m²"),
    "registered_at": N_("Registered at"),
    "content": N_("Content of the renovation"),
    "no_content": N_("No renovation content recorded yet."),
    "item": N_("Renovation item"),
    "unit": N_("Unit of measure"),
    "planned_quantity": N_("Planned quantity"),
    "actual_quantity": N_("Quantity done"),
    "completion": N_("Completion"),
    "subtotal": N_("Subtotal: %(count)s items"),
    "budget": N_("Funding"),
    "source": N_("Source"),
    "amount": N_("Amount (CNY)"),
    "share": N_("Share"),
    "budget_total": N_("Total"),
    "no_budget": N_("No funding recorded yet."),
    "stage_history": N_("Stage history"),
    "no_stage_history": N_("No stage changes recorded yet."),
    "number": N_("No."),
    "history_stage": N_("Stage"),
    "at": N_("At"),
    "actor": N_("By"),
}


def _number(text: Any) -> Decimal | None:
    """A quantity or amount written as a string ("1,200.50") as a Decimal, or None."""
    if text is None or isinstance(text, bool):
        return None
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _percent(part: Decimal | None, whole: Decimal | None) -> str:
    """``part / whole`` as a percentage with one decimal, or "—" when it has no meaning."""
    if part is None or whole is None or whole <= 0:
        return NOT_APPLICABLE
    ratio = (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{ratio}%"


def _content_groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        group = groups.setdefault(
            item["category"],
            {"category": item["category"], "label": item["category_label"], "rows": []},
        )
        actual = item.get("actual_quantity")
        group["rows"].append(
            {
                "item": item["item"],
                "unit": item["unit"],
                "planned_quantity": item["planned_quantity"],
                "actual_quantity": NOT_APPLICABLE if actual is None else actual,
                "completion": _percent(_number(actual), _number(item["planned_quantity"])),
            }
        )

    def rank(category: str) -> int:
        return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)

    ordered = sorted(groups.values(), key=lambda group: rank(group["category"]))
    for group in ordered:
        group["count"] = len(group["rows"])
    return ordered


def _budget_rows(budget: list[dict[str, Any]], total: Any) -> list[dict[str, str]]:
    whole = _number(total)
    return [
        {
            "source": line["source"],
            "amount": line["amount"],
            "share": _percent(_number(line["amount"]), whole),
        }
        for line in budget
    ]


def _section_title(context: dict[str, Any], name: str) -> str | None:
    """The heading of an optional section (its values carry their words), or None if absent."""
    section = context.get(name)
    return section["words"]["title"] if section else None


def table_of_contents(context: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    """(anchor, heading) of each section the report holds, in the order it prints them."""
    progress = context.get("progress")
    entries = [
        ("facts", labels["facts"]),
        ("content", labels["content"]),
        ("progress", progress["words"]["title"] if progress else None),
        ("milestones", _section_title(context, "milestones")),
        ("acceptance", _section_title(context, "acceptance")),
        ("budget", labels["budget"]),
        ("stage-history", labels["stage_history"]),
        ("lifts", _section_title(context, "lifts")),
        ("participation", _section_title(context, "participation")),
        ("verification", labels["verification"]),
    ]
    return [(anchor, title) for anchor, title in entries if title]


def template_values(context: dict[str, Any]) -> dict[str, Any]:
    """The template's values: the caller's context plus labels, groups, percentages, the
    table of contents and the plan-against-done chart (SVG inline: its text stays text)."""
    lang = report_language(context.get("lang"))
    labels = {**layout_labels(lang), **translated(MESSAGES, lang)}
    items = context.get("content_items", [])
    return {
        **context,
        "lang": lang,
        "as_of": context.get("as_of"),
        "words": labels,
        "toc": table_of_contents(context, labels),
        "plan_chart": (
            Markup(charts.plan_against_done(items, report_words(lang)))
            if 0 < len(items) <= CHART_MAX_ITEMS
            else None
        ),
        "content_groups": _content_groups(context.get("content_items", [])),
        "budget_rows": _budget_rows(context.get("budget", []), context.get("budget_total")),
        "budget_total_share": _percent(
            _number(context.get("budget_total")), _number(context.get("budget_total"))
        ),
        "stage_history": context.get("stage_history", []),
    }


def project_report_html(context: dict[str, Any]) -> str:
    """The project report as HTML (for tests and debugging)."""
    return render_html(TEMPLATE, template_values(context))


def render_project_report(context: dict[str, Any]) -> bytes:
    """The project report as PDF bytes."""
    return html_to_pdf(project_report_html(context))
