"""The auditors' reads of one project: a page of its history from ``event_log``, the facts of
its verification, and what two past states differ in.

Every query here reads one project's rows by ``(project_id, version)`` (the log's unique
index): never a district's events, never a whole history to show one page of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, func, select

from renovation.application.app import RenovationApplication
from renovation.domain.base import LOCAL_TZ
from renovation.projections.audit import verify_project
from renovation.projections.store import event_log, opinions


@dataclass(frozen=True)
class HistoryFilter:
    """Which of a project's events to show: kinds, actor roles, a range of Beijing days
    (by recording time), and no version after ``until_version``."""

    kinds: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    until_version: int | None = None


def day_start(day: date) -> datetime:
    """The first instant of a Beijing calendar day."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def day_end(day: date) -> datetime:
    """The last instant of a Beijing calendar day (what was recorded by then counts)."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def _stamp(moment: datetime) -> str:
    """An instant as ``recorded_at`` is stored (UTC ISO 8601), for comparing text with text."""
    return moment.astimezone(UTC).isoformat()


def _history_query(project_id: str, where: HistoryFilter):
    query = select(
        event_log.c.position,
        event_log.c.version,
        event_log.c.event_type,
        event_log.c.recorded_at,
        event_log.c.effective_on,
        event_log.c.actor_role,
        event_log.c.summary,
    ).where(event_log.c.project_id == project_id)
    if where.kinds:
        query = query.where(event_log.c.event_type.in_(where.kinds))
    if where.roles:
        query = query.where(event_log.c.actor_role.in_(where.roles))
    if where.since:
        query = query.where(event_log.c.recorded_at >= _stamp(day_start(where.since)))
    if where.until:
        query = query.where(event_log.c.recorded_at <= _stamp(day_end(where.until)))
    if where.until_version:
        query = query.where(event_log.c.version <= where.until_version)
    return query


def history_page(
    engine: Engine, project_id: str, where: HistoryFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """One page of the project's events, oldest first, and how many match in all."""
    query = _history_query(project_id, where)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(event_log.c.version).limit(per_page).offset((page - 1) * per_page)
        ).mappings()
        return [dict(r) for r in rows], total


def event_positions(engine: Engine, project_id: str, up_to: int) -> dict[int, int]:
    """The position of each of the project's versions up to ``up_to`` (a replay's bound)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(event_log.c.version, event_log.c.position).where(
                event_log.c.project_id == project_id, event_log.c.version <= up_to
            )
        )
        return {version: position for version, position in rows}


def version_at(engine: Engine, project_id: str, version: int) -> dict[str, Any] | None:
    """The log row of one version of the project (its position and recording time)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(event_log.c.position, event_log.c.version, event_log.c.recorded_at).where(
                event_log.c.project_id == project_id, event_log.c.version == version
            )
        ).first()
    return dict(row._mapping) if row else None


@dataclass
class VerificationFacts:
    """What the verification panel and the audit report print. ``checkpoint`` is the signed
    tree head the project was checked against, when the store keeps one (None until then)."""

    ok: bool
    events_checked: int
    chain_digest: str
    first_problem: dict[str, Any] | None = None
    problems: int = 0
    checkpoint: dict[str, Any] | None = field(default=None)


def verification_facts(
    app: RenovationApplication, engine: Engine, project_id: UUID, audit_log: Any = None
) -> VerificationFacts:
    """Recompute the project's chain from the stored events (one project's events, in the
    store's order) and name the first problem by its version and position; with the
    ``audit_log`` (renovation.ledger), also check the events against the leaves it logged and
    the signed checkpoint that covers them (``checkpoint``)."""
    result = verify_project(app, engine, project_id)
    first = None
    if result.problems:
        problem = result.problems[0]
        logged = version_at(engine, str(project_id), problem["version"])
        first = {
            "version": problem["version"],
            "position": logged["position"] if logged else None,
            "problem": problem["problem"],
        }
    checkpoint = None
    if audit_log is not None:
        from renovation.ledger.project_check import check_project

        checkpoint = check_project(audit_log, app.recorder.select_events(project_id), project_id)
        if first is None and checkpoint["first_bad"]:
            first = {**checkpoint["first_bad"], "problem": "differs from the signed log"}
    return VerificationFacts(
        ok=result.ok and (checkpoint is None or checkpoint["ok"]),
        events_checked=result.events_checked,
        chain_digest=result.chain_digest,
        first_problem=first,
        problems=len(result.problems) + (0 if checkpoint is None or checkpoint["ok"] else 1),
        checkpoint=checkpoint,
    )


def opinion_counts(engine: Engine, project_id: str, by: datetime) -> dict[str, int]:
    """How many opinions the project had received, and answered, by ``by``."""
    stamp = _stamp(by)
    with engine.connect() as conn:
        received = conn.execute(
            select(func.count()).where(
                opinions.c.project_id == project_id, opinions.c.submitted_at <= stamp
            )
        ).scalar_one()
        answered = conn.execute(
            select(func.count()).where(
                opinions.c.project_id == project_id,
                opinions.c.answered_at.is_not(None),
                opinions.c.answered_at <= stamp,
            )
        ).scalar_one()
    return {"received": received, "answered": answered}
