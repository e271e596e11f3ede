"""A project's acceptance row now, or as it stood at a past time, at its summary's version."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.projections.acceptance import ACCEPTANCE_EVENTS, fold_acceptance
from renovation.projections.replay import summary_at
from renovation.projections.store import get_acceptance, get_summary


def acceptance_at(
    app: RenovationApplication,
    engine: Engine,
    project_id: UUID,
    as_of: datetime | None = None,
    *,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The acceptance row (``None`` when the project had none) at the summary's version.

    ``summary`` is the project's summary as of the same time (:func:`summary_at`), if the
    caller has it already: the row returned is the one of its version, so a report prints
    the position and digest of exactly what it shows. Now, that is the stored row, unless the
    read model moved on between the two reads; as of a past time (or when it moved on), the
    live projection's fold is replayed over the project's events up to that version.
    """
    project = summary if summary is not None else summary_at(app, engine, project_id, as_of)
    if as_of is None:
        stored = get_acceptance(engine, str(project_id))
        # The projection writes both rows in one transaction: when the summary still has
        # the version it had before the acceptance row was read, that row is of the version.
        again = get_summary(engine, str(project_id))
        if again is not None and again["version"] == project["version"]:
            return stored
    row: dict[str, Any] | None = None
    for stored_event in app.recorder.select_events(project_id, lte=project["version"]):
        event = app.mapper.to_domain_event(stored_event)
        if isinstance(event, ACCEPTANCE_EVENTS):
            row = fold_acceptance(row, event)
    return row
