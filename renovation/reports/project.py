"""The project report: a project's read model, as plain values, to HTML and PDF."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from renovation.reports.rendering import html_to_pdf, layout_labels, render_html

TEMPLATE = "reports/project/report.html"

# The order the bureau lists renovation content in; unknown categories follow, as met.
CATEGORY_ORDER = ("basic", "improvement", "upgrade")

NOT_APPLICABLE = "—"

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "facts": "项目概况",
        "project_name": "小区名称",
        "location": "所在地",
        "address": "地址",
        "year_built": "建成年份",
        "stage": "当前阶段",
        "version": "版本",
        "planned_period": "计划工期",
        "planned_to": "至",
        "not_set": "未定",
        "scale": "规模",
        "scale_value": "{buildings} 栋 · {units} 个单元 · {flats} 户",
        "total_area": "总建筑面积",
        "area_unit": "m²",
        "registered_at": "登记时间",
        "project_id": "项目编号",
        "content": "改造内容",
        "no_content": "尚未登记改造内容。",
        "item": "改造项目",
        "unit": "单位",
        "planned_quantity": "计划量",
        "actual_quantity": "完成量",
        "completion": "完成率",
        "subtotal": "小计：{count} 项",
        "budget": "资金来源",
        "source": "资金来源",
        "amount": "金额（元）",
        "share": "占比",
        "budget_total": "合计",
        "no_budget": "尚未登记资金来源。",
        "stage_history": "阶段记录",
        "no_stage_history": "尚无阶段记录。",
        "number": "序号",
        "history_stage": "阶段",
        "at": "时间",
        "actor": "操作人",
    },
    "en": {
        "facts": "Project facts",
        "project_name": "Community",
        "location": "Location",
        "address": "Address",
        "year_built": "Year built",
        "stage": "Stage",
        "version": "Version",
        "planned_period": "Planned period",
        "planned_to": "to",
        "not_set": "not set",
        "scale": "Size",
        "scale_value": "{buildings} buildings · {units} units · {flats} flats",
        "total_area": "Total floor area",
        "area_unit": "m²",
        "registered_at": "Registered at",
        "project_id": "Project id",
        "content": "Renovation content",
        "no_content": "No renovation content recorded yet.",
        "item": "Item",
        "unit": "Unit",
        "planned_quantity": "Planned",
        "actual_quantity": "Done",
        "completion": "Completion",
        "subtotal": "Subtotal: {count} items",
        "budget": "Funding",
        "source": "Source",
        "amount": "Amount (CNY)",
        "share": "Share",
        "budget_total": "Total",
        "no_budget": "No funding recorded yet.",
        "stage_history": "Stage history",
        "no_stage_history": "No stage changes recorded yet.",
        "number": "No.",
        "history_stage": "Stage",
        "at": "At",
        "actor": "By",
    },
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


def template_values(context: dict[str, Any]) -> dict[str, Any]:
    """The template's values: the caller's context plus labels, groups and percentages."""
    lang = context.get("lang", "zh")
    labels = {**layout_labels(lang), **LABELS.get(lang, LABELS["zh"])}
    return {
        **context,
        "lang": lang,
        "as_of": context.get("as_of"),
        "L": labels,
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
