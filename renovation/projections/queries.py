"""Queries of the read model (renovation.projections.store keeps its tables): what pages,
API reads and reports ask of it. No query loads a project's events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Engine,
    func,
    or_,
    select,
)

from renovation.projections import figures as figure_model
from renovation.projections import opinions as opinion_model
from renovation.projections import written_answers as written_model
from renovation.projections.store import (
    event_log,
    milestones,
    opinions,
    project_acceptance,
    project_lifts,
    project_summaries,
)
from renovation.projections.summary import from_columns


def list_summaries(
    engine: Engine,
    *,
    district: str | None = None,
    stage: str | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 20,
    districts: list[str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of project summaries and the total count, filtered.

    ``districts`` limits the list to those districts (a staff member's scope).
    """
    query = select(project_summaries)
    if district:
        query = query.where(project_summaries.c.district == district)
    if districts is not None:
        query = query.where(project_summaries.c.district.in_(districts))
    if stage:
        query = query.where(project_summaries.c.stage == stage)
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                project_summaries.c.name.like(pattern),
                project_summaries.c.address.like(pattern),
                project_summaries.c.street.like(pattern),
            )
        )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(
                project_summaries.c.district, project_summaries.c.name, project_summaries.c.id
            )
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).mappings()
        return [from_columns(dict(r)) for r in rows], total


def get_summary(engine: Engine, project_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(select(project_summaries).where(project_summaries.c.id == project_id))
            .mappings()
            .first()
        )
    return from_columns(dict(row)) if row else None


def project_event_log(engine: Engine, project_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_log)
            .where(event_log.c.project_id == project_id)
            .order_by(event_log.c.version)
        ).mappings()
        return [dict(r) for r in rows]


def districts(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(project_summaries.c.district)
                .distinct()
                .order_by(project_summaries.c.district)
            ).scalars()
        )


def dump_read_model(engine: Engine) -> dict[str, list[tuple]]:
    """Every read-model row in a stable order, for comparing a rebuild with the live model."""
    with engine.connect() as conn:
        return {
            **figure_model.dump(conn),
            "project_summaries": [
                tuple(r)
                for r in conn.execute(select(project_summaries).order_by(project_summaries.c.id))
            ],
            "event_log": [
                tuple(r) for r in conn.execute(select(event_log).order_by(event_log.c.position))
            ],
            "opinions": [
                tuple(r) for r in conn.execute(select(opinions).order_by(opinions.c.opinion_id))
            ],
            "milestones": [
                tuple(r)
                for r in conn.execute(
                    select(milestones).order_by(milestones.c.project_id, milestones.c.milestone_id)
                )
            ],
            "project_acceptance": [
                tuple(r)
                for r in conn.execute(
                    select(project_acceptance).order_by(project_acceptance.c.project_id)
                )
            ],
            "project_lifts": [
                tuple(r)
                for r in conn.execute(select(project_lifts).order_by(project_lifts.c.project_id))
            ],
            **written_model.dump(conn),
        }


def find_opinion(
    engine: Engine, *, tracking_code: str | None = None, opinion_id: str | None = None
) -> dict[str, Any] | None:
    """One opinion by its public tracking code or its id."""
    query = select(opinions)
    if tracking_code is not None:
        query = query.where(opinions.c.tracking_code == tracking_code)
    else:
        query = query.where(opinions.c.opinion_id == opinion_id)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return opinion_model.from_columns(dict(row)) if row else None


def list_opinions(
    engine: Engine,
    *,
    project_id: str | None = None,
    districts: list[str] | None = None,
    status: str | None = None,
    category: str | None = None,
    overdue_on: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """The opinion queue, oldest first, filtered; ``overdue_on`` keeps open ones due before it."""
    query = select(opinions)
    if project_id:
        query = query.where(opinions.c.project_id == project_id)
    if districts is not None:
        query = query.where(opinions.c.district.in_(districts))
    if status:
        query = query.where(opinions.c.status == status)
    if category:
        query = query.where(opinions.c.category == category)
    if overdue_on:
        query = query.where(opinions.c.status == "open", opinions.c.answer_due_on < overdue_on)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(opinions.c.submitted_at, opinions.c.opinion_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).mappings()
        return [opinion_model.from_columns(dict(r)) for r in rows], total


def opinion_rows(
    engine: Engine, *, project_id: str | None = None, district: str | None = None
) -> list[dict[str, Any]]:
    """The columns the published figures need, for a project or a district (or all)."""
    columns = [
        opinions.c.status,
        opinions.c.outcome,
        opinions.c.answered_on_time,
        opinions.c.answer_due_on,
        opinions.c.project_id,
        opinions.c.district,
        opinions.c.rating,
    ]
    query = select(*columns)
    if project_id:
        query = query.where(opinions.c.project_id == project_id)
    if district:
        query = query.where(opinions.c.district == district)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
