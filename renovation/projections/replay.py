"""The project summary as it stood at a past time, folded from the stored events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.application.errors import ProjectNotFoundError
from renovation.projections.history import event_positions
from renovation.projections.queries import get_summary
from renovation.projections.summary import GENESIS_DIGEST, chain_digest, fold


def summary_at(
    app: RenovationApplication, engine: Engine, project_id: UUID, as_of: datetime | None = None
) -> dict[str, Any]:
    """The summary row now (from the read model) or as of ``as_of`` (the same fold, replayed).

    Replaying uses exactly the fold of the live projection, so the row for the latest time
    equals the stored one; positions come from the event log the projection kept.
    """
    if as_of is None:
        app_row = get_summary(engine, str(project_id))
        if app_row is None:
            raise ProjectNotFoundError(project_id)
        return app_row
    return summary_at_version(
        app, engine, project_id, app.get_project_as_of(project_id, as_of).version
    )


def summary_at_version(
    app: RenovationApplication, engine: Engine, project_id: UUID, version: int
) -> dict[str, Any]:
    """The summary row as it was just after ``version`` (the live projection's fold, replayed
    over the project's stored events up to it)."""
    positions = event_positions(engine, str(project_id), version)
    row: dict[str, Any] | None = None
    digest = GENESIS_DIGEST
    for stored in app.recorder.select_events(project_id, lte=version):
        digest = chain_digest(
            digest, stored.originator_id, stored.originator_version, stored.topic, stored.state
        )
        row = fold(
            row,
            app.mapper.to_domain_event(stored),
            position=positions.get(stored.originator_version, 0),
            digest=digest,
        )
    if row is None:
        raise ProjectNotFoundError(project_id)
    return row
