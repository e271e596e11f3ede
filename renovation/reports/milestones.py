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
from renovation.reports.rendering import report_words, translated
from renovation.vocabulary.markers import N_

NOT_APPLICABLE = "—"

MESSAGES: dict[str, str] = {
    "title": N_("Construction milestones"),
    "name": N_("Milestone"),
    "item": N_("Content item"),
    "done": N_("Done / planned"),
    "progress": N_("Progress"),
    "planned": N_("Planned period"),
    "actual": N_("Actual period"),
    "status": N_("Status"),
    "period_from": N_("%(start)s to"),
    "open_end": N_("from %(start)s"),
    "delay": N_("Delayed: planned finish moved from %(from_)s to %(to)s; reason: %(reason)s"),
    "note": N_("Resident supervisor's note (%(on)s, %(supervisor)s): %(note)s"),
    "overdue": N_("overdue"),
    "footnote": N_(
        "Progress is the reported cumulative quantity; overdue means not completed "
        "and past its planned finish on %(day)s."
    ),
}


def labels(lang: str) -> dict[str, str]:
    """The section's labels in ``lang`` ("zh" or "en"; else Chinese)."""
    return translated(MESSAGES, lang)


def _quantity(text: str) -> str:
    number = Decimal(text)
    return format(number.normalize() if number == number.to_integral() else number, "f")


def _period(start: str | None, finish: str | None, words: dict[str, str]) -> list[str]:
    """A period as the lines of its cell: "2026-04-01 至", "2026-05-31" (each kept whole)."""
    if start is None:
        return [NOT_APPLICABLE]
    if finish is None:
        return [words["open_end"] % {"start": start}]
    return [words["period_from"] % {"start": start}, finish]


def milestone_values(rows: list[dict[str, Any]], lang: str, today: date) -> dict[str, Any]:
    """The section's values: labels, and one row per milestone with its delays and notes.

    ``today`` is the report's day (the day of ``as_of`` for a report of a past time): a
    milestone not completed by then and past its planned finish is flagged overdue.
    """
    v = report_words(lang)
    words = labels(lang)
    values = []
    for row in rows:
        status = v.label("milestone_status", row["status"])
        overdue = is_overdue(row, today)
        values.append(
            {
                "name": row["name"],
                "item": row["item"],
                "done": f"{_quantity(row['done_quantity'])} / {_quantity(row['quantity'])} "
                f"{row['unit']}",
                "progress": f"{row['progress']}%",
                "planned": _period(row["planned_start"], row["planned_finish"], words),
                "actual": _period(row["actual_start"], row["actual_finish"], words),
                "status": status,
                "overdue": words["overdue"] if overdue else None,
                "delays": [
                    words["delay"] % {"from_": d["from"], "to": d["to"], "reason": d["reason"]}
                    for d in row["delays"]
                ],
                "notes": [
                    words["note"]
                    % {"on": n["on"], "supervisor": n["supervisor"], "note": n["note"]}
                    for n in row["notes"]
                ],
            }
        )
    return {
        "words": words,
        "rows": values,
        "footnote": words["footnote"] % {"day": today.isoformat()},
    }
