"""A project's milestones as they stood at a past time, folded from the stored events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.projections.milestones import MILESTONE_EVENTS, fold_milestone
from renovation.projections.replay import summary_at
from renovation.projections.store import list_milestones


def milestones_at(
    app: RenovationApplication,
    engine: Engine,
    project_id: UUID,
    as_of: datetime | None = None,
    *,
    summary: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The milestone rows now (the read model) or as of ``as_of``, in the order planned.

    As of a past time, the live projection's fold is replayed over the project's events up to
    the version it had then, so the rows are those the read model held at that moment.
    ``summary`` is the project's summary as of the same time (``summary_at``), if the caller
    has it already: its version bounds the replay and its content items name the milestones'.
    """
    if as_of is None:
        return list_milestones(engine, str(project_id))
    project = summary if summary is not None else summary_at(app, engine, project_id, as_of)
    rows: dict[str, dict[str, Any]] = {}
    for stored in app.recorder.select_events(project_id, lte=project["version"]):
        event = app.mapper.to_domain_event(stored)
        if isinstance(event, MILESTONE_EVENTS):
            rows[event.milestone_id] = fold_milestone(rows.get(event.milestone_id), event, project)
    return sorted(rows.values(), key=lambda m: int(m["milestone_id"].rsplit("-", 1)[1]))
