"""A project's acceptance row now, or as it stood at a past time, at its summary's version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.projections.acceptance import ACCEPTANCE_EVENTS, fold_acceptance
from renovation.projections.queries import get_summary
from renovation.projections.replay import summary_at
from renovation.projections.store import get_acceptance


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
    return row_at(
        app, engine, project_id, as_of, summary, get_acceptance, ACCEPTANCE_EVENTS, fold_acceptance
    )


def row_at(
    app: RenovationApplication,
    engine: Engine,
    project_id: UUID,
    as_of: datetime | None,
    summary: dict[str, Any] | None,
    stored_row: Callable[[Engine, str], dict[str, Any] | None],
    events: tuple[type, ...],
    fold_row: Callable[[dict[str, Any] | None, Any], dict[str, Any]],
) -> dict[str, Any] | None:
    """A per-project JSON row (acceptance, lifts) at the summary's version: the stored row
    when the summary did not move on while it was read, else ``fold_row`` replayed."""
    project = summary if summary is not None else summary_at(app, engine, project_id, as_of)
    if as_of is None:
        stored = stored_row(engine, str(project_id))
        # The projection writes both rows in one transaction: when the summary still has
        # the version it had before the row was read, that row is of the version.
        again = get_summary(engine, str(project_id))
        if again is not None and again["version"] == project["version"]:
            return stored
    row: dict[str, Any] | None = None
    for stored_event in app.recorder.select_events(project_id, lte=project["version"]):
        event = app.mapper.to_domain_event(stored_event)
        if isinstance(event, events):
            row = fold_row(row, event)
    return row
