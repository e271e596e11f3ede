"""A project's lift retrofits now, or as they stood at a past time, at its summary's version."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.projections.acceptance_replay import row_at
from renovation.projections.lifts import LIFT_EVENTS, fold_lifts
from renovation.projections.store import get_lifts


def lifts_at(
    app: RenovationApplication,
    engine: Engine,
    project_id: UUID,
    as_of: datetime | None = None,
    *,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The lifts row (``None`` when the project had no lift retrofit) at the version of
    ``summary`` (the project's summary as of the same time): the stored row now, the live
    projection's fold replayed over the project's events as of a past time."""
    return row_at(app, engine, project_id, as_of, summary, get_lifts, LIFT_EVENTS, fold_lifts)
