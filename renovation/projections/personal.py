"""The sealed personal data of one project's opinions, for finding a resident to erase."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from renovation.projections.store import opinions


def sealed_personal_data(engine: Engine, project_id: str) -> list[dict[str, Any]]:
    """Building, unit, key id and sealed record of each opinion of the project still holding
    personal data (one project's rows, never a district's)."""
    query = select(
        opinions.c.building,
        opinions.c.unit,
        opinions.c.personal_key_id,
        opinions.c.personal_sealed,
    ).where(opinions.c.project_id == project_id, opinions.c.personal_key_id.is_not(None))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
