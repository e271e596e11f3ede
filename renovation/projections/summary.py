"""The project-summary read model as a pure fold over events.

The live projection, a rebuild and an as-of report all call ``fold``; a row is plain JSON-safe
values only (decimals and dates as strings), so a rebuild compares equal byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from events.construction import MilestonePlanned, MilestoneProgressReported
from events.flats import FlatsImported
from events.participation import ConsultationOpened, OpinionSubmitted
from events.project import (
    ContentItemProgressRecorded,
    ProgrammeAssigned,
    ProjectEvent,
    ProjectRegistered,
    StageChanged,
)

GENESIS_DIGEST = "0" * 64


def chain_digest(
    previous: str, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> str:
    """SHA-256 link of one stored event onto the project's chain."""
    head = f"{previous}|{UUID(str(originator_id))}|{version}|{topic}|".encode()
    return hashlib.sha256(head + bytes(state)).hexdigest()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _dec(value: Any) -> str | None:
    return None if value is None else format(Decimal(value), "f")


def fold(row: dict[str, Any] | None, event: ProjectEvent, *, position: int, digest: str) -> dict:
    """The summary row after ``event``; ``row`` is None before the first event."""
    if isinstance(event, ProjectRegistered):
        row = _registered(event)
    elif row is None:
        raise ValueError(f"{type(event).__name__} before registration of {event.originator_id}")
    elif isinstance(event, StageChanged):
        row["stage"] = event.to_stage
        row["stage_history"] = [
            *row["stage_history"],
            {
                "from_stage": event.from_stage,
                "to_stage": event.to_stage,
                "at": _iso(event.timestamp),
                "effective_on": _iso(event.effective_on),
                "actor_id": event.actor_id,
                "actor_role": event.actor_role,
                "note": event.note,
                "version": event.originator_version,
            },
        ]
    elif isinstance(event, ContentItemProgressRecorded):
        row["content_items"] = [
            dict(item, actual_quantity=_dec(event.actual_quantity))
            if item["id"] == event.item_id
            else item
            for item in row["content_items"]
        ]
    elif isinstance(event, MilestonePlanned):
        row["content_items"] = [
            dict(item, milestones={**item.get("milestones", {}), event.milestone_id: "0"})
            if item["id"] == event.item_id
            else item
            for item in row["content_items"]
        ]
    elif isinstance(event, MilestoneProgressReported):
        # An item with milestones has, as its actual quantity, what its milestones built.
        row["content_items"] = [
            _with_milestone_done(item, event.milestone_id, Decimal(event.done_quantity))
            if event.milestone_id in item.get("milestones", {})
            else item
            for item in row["content_items"]
        ]
    elif isinstance(event, ProgrammeAssigned):
        row["year"], row["batch"] = event.year, event.batch
    elif isinstance(event, FlatsImported):
        row.update(register_counts(event.buildings))
    elif isinstance(event, OpinionSubmitted):
        row["opinions"] += 1
    elif isinstance(event, ConsultationOpened):
        row["consultations"] += 1
    row["version"] = event.originator_version
    row["updated_at"] = _iso(event.timestamp)
    row["position"] = position
    row["chain_digest"] = digest
    row["event_count"] = row.get("event_count", 0) + 1
    return row


def _with_milestone_done(item: dict[str, Any], milestone_id: str, done: Decimal) -> dict:
    milestones = {**item["milestones"], milestone_id: _dec(done)}
    total = sum((Decimal(q) for q in milestones.values()), Decimal(0))
    return dict(item, milestones=milestones, actual_quantity=_dec(total))


def register_counts(buildings: list[dict[str, Any]]) -> dict[str, Any]:
    """Buildings, units, flats, households (distinct owners) and area of a flat register."""
    flats = [f for b in buildings for u in b["units"] for f in u["flats"]]
    return {
        "buildings": len(buildings),
        "units": sum(len(b["units"]) for b in buildings),
        "flats": len(flats),
        "households": len({f["owner_ref"] for f in flats}),
        "total_area": _dec(sum((Decimal(f["area"]) for f in flats), Decimal(0))),
    }


def _registered(event: ProjectRegistered) -> dict[str, Any]:
    community = event.community
    return {
        "id": str(event.originator_id),
        "name": community["name"],
        "district": community["district"],
        "city": community.get("city") or "",
        "street": community.get("street") or "",
        "address": community.get("address") or "",
        "year_built": community.get("year_built"),
        "stage": "registered",
        **register_counts(event.buildings),
        "content_items": [
            {
                "id": i["id"],
                "category": i["category"],
                "item": i["item"],
                "unit": i["unit"],
                "planned_quantity": _dec(i["planned_quantity"]),
                "actual_quantity": None,
                # only when registered with one (rows of older projects are unchanged)
                **({"planned_cost": _dec(i["planned_cost"])} if "planned_cost" in i else {}),
            }
            for i in event.content_items
        ],
        "budget": [{"source": b["source"], "amount": _dec(b["amount"])} for b in event.budget],
        "budget_total": _dec(sum((Decimal(b["amount"]) for b in event.budget), Decimal(0))),
        "planned_start": _iso(event.planned_start),
        "planned_finish": _iso(event.planned_finish),
        "stage_history": [],
        "registered_at": _iso(event.timestamp),
        "event_count": 0,
        "opinions": 0,
        "consultations": 0,
        "year": None,  # the programme's year and batch (ProgrammeAssigned)
        "batch": None,
    }


JSON_COLUMNS = ("content_items", "budget", "stage_history")


def to_columns(row: dict[str, Any]) -> dict[str, Any]:
    """A row as stored: JSON columns serialised deterministically."""
    return {
        k: json.dumps(v, ensure_ascii=False, sort_keys=True) if k in JSON_COLUMNS else v
        for k, v in row.items()
    }


def from_columns(columns: dict[str, Any]) -> dict[str, Any]:
    return {k: json.loads(v) if k in JSON_COLUMNS else v for k, v in columns.items()}
