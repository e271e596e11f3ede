"""Construction milestones (节点) in the project report: one table row each, with its delays.

:func:`milestone_values` turns milestone rows of the read model (or of a replay as of a past
time, :func:`renovation.projections.milestone_replay.milestones_at`) into plain template
values: quantities without trailing zeros, dates as written, the status in words and flagged
when the (possibly delayed) planned finish had passed on the report's day. Periods and the
overdue flag are lines of their cells, so a narrow column breaks between them, not inside.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from renovation.projections.milestones import is_overdue

NOT_APPLICABLE = "—"

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "施工节点",
        "name": "节点",
        "item": "改造内容",
        "done": "完成/计划",
        "progress": "进度",
        "planned": "计划工期",
        "actual": "实际工期",
        "status": "状态",
        "period_from": "{start} 至",
        "open_end": "{start} 起",
        "delay": "延期：计划完工由 {from_} 改为 {to}；原因：{reason}",
        "note": "居民监督员意见（{on}，{supervisor}）：{note}",
        "overdue": "已逾期",
        "footnote": "进度按上报的累计完成量计算；逾期指截至 {day} 仍未完成且已过计划完工日期。",
    },
    "en": {
        "title": "Construction milestones",
        "name": "Milestone",
        "item": "Content item",
        "done": "Done / planned",
        "progress": "Progress",
        "planned": "Planned",
        "actual": "Actual",
        "status": "Status",
        "period_from": "{start} to",
        "open_end": "from {start}",
        "delay": "Delayed: planned finish moved from {from_} to {to}; reason: {reason}",
        "note": "Resident supervisor's note ({on}, {supervisor}): {note}",
        "overdue": "overdue",
        "footnote": "Progress is the reported cumulative quantity; overdue means not completed "
        "and past its planned finish on {day}.",
    },
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "zh": {"planned": "未开工", "in_progress": "施工中", "completed": "已完成"},
    "en": {"planned": "Not started", "in_progress": "In progress", "completed": "Completed"},
}


def labels(lang: str) -> dict[str, str]:
    """The section's labels in ``lang`` ("zh" or "en"; else Chinese)."""
    return LABELS.get(lang, LABELS["zh"])


def _quantity(text: str) -> str:
    number = Decimal(text)
    return format(number.normalize() if number == number.to_integral() else number, "f")


def _period(start: str | None, finish: str | None, L: dict[str, str]) -> list[str]:
    """A period as the lines of its cell: "2026-04-01 至", "2026-05-31" (each kept whole)."""
    if start is None:
        return [NOT_APPLICABLE]
    if finish is None:
        return [L["open_end"].format(start=start)]
    return [L["period_from"].format(start=start), finish]


def milestone_values(rows: list[dict[str, Any]], lang: str, today: date) -> dict[str, Any]:
    """The section's values: labels, and one row per milestone with its delays and notes.

    ``today`` is the report's day (the day of ``as_of`` for a report of a past time): a
    milestone not completed by then and past its planned finish is flagged overdue.
    """
    lang = lang if lang in LABELS else "zh"
    L = labels(lang)
    statuses = STATUS_LABELS[lang]
    values = []
    for row in rows:
        status = statuses.get(row["status"], row["status"])
        overdue = is_overdue(row, today)
        values.append(
            {
                "name": row["name"],
                "item": row["item"],
                "done": f"{_quantity(row['done_quantity'])} / {_quantity(row['quantity'])} "
                f"{row['unit']}",
                "progress": f"{row['progress']}%",
                "planned": _period(row["planned_start"], row["planned_finish"], L),
                "actual": _period(row["actual_start"], row["actual_finish"], L),
                "status": status,
                "overdue": L["overdue"] if overdue else None,
                "delays": [
                    L["delay"].format(from_=d["from"], to=d["to"], reason=d["reason"])
                    for d in row["delays"]
                ],
                "notes": [
                    L["note"].format(on=n["on"], supervisor=n["supervisor"], note=n["note"])
                    for n in row["notes"]
                ],
            }
        )
    return {"L": L, "rows": values, "footnote": L["footnote"].format(day=today.isoformat())}
