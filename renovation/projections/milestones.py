"""The milestones read model (节点) as a pure fold: one row per milestone.

Progress is derived here from the reported quantities, never stored as typed; the live
projection, a rebuild and a report as of a past time all use this fold.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from events.construction import (
    MilestoneCompleted,
    MilestoneDelayed,
    MilestonePlanned,
    MilestoneProgressReported,
    SupervisorNoteRecorded,
)
from renovation.domain.parts.milestones import progress_percent
from renovation.projections.rows import decode_row, encode_row

MILESTONE_EVENTS = (
    MilestonePlanned,
    MilestoneProgressReported,
    MilestoneDelayed,
    MilestoneCompleted,
    SupervisorNoteRecorded,
)
JSON_COLUMNS = ("reports", "delays", "notes")


def fold_milestone(row: dict[str, Any] | None, event: Any, project: dict[str, Any]) -> dict:
    """The milestone row after ``event``; ``project`` is its summary row (content items)."""
    if isinstance(event, MilestonePlanned):
        item = next(i for i in project["content_items"] if i["id"] == event.item_id)
        return {
            "milestone_id": event.milestone_id,
            "project_id": str(event.originator_id),
            "name": event.name,
            "item_id": event.item_id,
            "item": item["item"],
            "category": item["category"],
            "unit": item["unit"],
            "quantity": _dec(event.quantity),
            "done_quantity": "0",
            "progress": 0,
            "planned_start": event.planned_start.isoformat(),
            "planned_finish": event.planned_finish.isoformat(),
            "first_planned_finish": event.planned_finish.isoformat(),
            "actual_start": None,
            "actual_finish": None,
            "status": "planned",
            "reports": [],
            "delays": [],
            "notes": [],
            "version": event.originator_version,
        }
    assert row is not None, f"{type(event).__name__} before MilestonePlanned"
    row = dict(row, version=event.originator_version)
    if isinstance(event, MilestoneProgressReported):
        done = Decimal(event.done_quantity)
        row["done_quantity"] = _dec(done)
        row["progress"] = progress_percent(done, Decimal(row["quantity"]))
        row["reports"] = [
            *row["reports"],
            {
                "on": event.on_date.isoformat(),
                "done_quantity": _dec(done),
                "note": event.note,
                "by": event.actor_id,
            },
        ]
        if row["actual_start"] is None and done > 0:
            row["actual_start"] = event.on_date.isoformat()
        if row["status"] == "planned" and done > 0:
            row["status"] = "in_progress"
    elif isinstance(event, MilestoneDelayed):
        row["delays"] = [
            *row["delays"],
            {
                "from": row["planned_finish"],
                "to": event.planned_finish.isoformat(),
                "reason": event.reason,
                "at": event.timestamp.isoformat(),
            },
        ]
        row["planned_finish"] = event.planned_finish.isoformat()
    elif isinstance(event, MilestoneCompleted):
        row.update(actual_finish=event.on_date.isoformat(), status="completed", progress=100)
    elif isinstance(event, SupervisorNoteRecorded):
        row["notes"] = [
            *row["notes"],
            {"on": event.on_date.isoformat(), "supervisor": event.supervisor, "note": event.note},
        ]
    return row


def is_overdue(row: dict[str, Any], today: date) -> bool:
    """Not completed, and its (possibly delayed) planned finish has passed."""
    return row["actual_finish"] is None and date.fromisoformat(row["planned_finish"]) < today


def to_columns(row: dict[str, Any]) -> dict[str, Any]:
    return encode_row(row, JSON_COLUMNS)


def from_columns(columns: dict[str, Any]) -> dict[str, Any]:
    return decode_row(columns, JSON_COLUMNS)


def _dec(value: Any) -> str:
    return format(Decimal(value), "f")
