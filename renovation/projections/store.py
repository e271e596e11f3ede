"""Read-model tables and the tracking projection that keeps them.

Each batch of events and the tracking position that follows it commit in one transaction,
and the position moves only by compare-and-set, so concurrent catch-ups from several web
processes and a worker never apply an event twice, and a crash at any point loses nothing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Engine,
    Table,
    or_,
    select,
)
from sqlalchemy.engine import Connection

from events.participation import PersonalDataErased
from renovation.application.app import RenovationApplication
from renovation.projections import acceptance as acceptance_model
from renovation.projections import figures as figure_model
from renovation.projections import lifts as lift_model
from renovation.projections import milestones as milestone_model
from renovation.projections import opinions as opinion_model
from renovation.projections import written_answers as written_model
from renovation.projections.event_summary import summarise
from renovation.projections.summary import (
    GENESIS_DIGEST,
    chain_digest,
    fold,
    from_columns,
    to_columns,
)
from renovation.projections.tables import (
    _add_missing_columns,
    event_log,
    metadata,
    milestones,
    opinions,
    project_acceptance,
    project_lifts,
    project_summaries,
    projection_positions,
)

PROJECTION = "project_summary"
BATCH_SIZE = 500

@dataclass(frozen=True)
class ProjectionStatus:
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class ProjectSummaryProjection:
    """Keeps ``project_summaries`` and ``event_log`` up to date with the event store."""

    def __init__(self, app: RenovationApplication, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._seen: int | None = None  # the position this process last saw
        self._catching_up = threading.Lock()

    def create_tables(self, conn: Connection | None = None) -> None:
        """Create the read-model tables, in ``conn``'s transaction if one is given."""
        if conn is None:
            with self._write() as conn:
                self.create_tables(conn)
            return
        metadata.create_all(conn)
        written_model.metadata.create_all(conn)
        figure_model.metadata.create_all(conn)
        _add_missing_columns(conn)
        exists = conn.execute(
            select(projection_positions.c.position).where(projection_positions.c.name == PROJECTION)
        ).first()
        if exists is None:
            conn.execute(projection_positions.insert().values(name=PROJECTION, position=0))

    def drop_tables(self) -> None:
        metadata.drop_all(self.engine)
        written_model.metadata.drop_all(self.engine)
        figure_model.metadata.drop_all(self.engine)
        self._seen = None

    @contextmanager
    def _write(self):
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            yield conn

    def position(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(projection_positions.c.position).where(
                    projection_positions.c.name == PROJECTION
                )
            ).scalar_one()

    def status(self) -> ProjectionStatus:
        return ProjectionStatus(self.position(), self.app.recorder.max_notification_id() or 0)

    def catch_up(
        self,
        *,
        until: int | None = None,
        batch_size: int = BATCH_SIZE,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Apply every event recorded since the stored position; returns how many it applied.

        ``until``: the caller only needs the read model to include this position (its own
        command's), so a thread that finds another thread of this process already past it
        returns at once: many writers make one catch-up, not one each.
        """
        with self._catching_up:
            if until is not None and self._seen is not None and self._seen >= until:
                return 0
            return self._catch_up(batch_size, on_batch)

    def _catch_up(self, batch_size: int, on_batch: Callable[[int], None] | None) -> int:
        # Starts from the position this process last saw (the write transaction checks it):
        # one read of the event store and one write transaction in the common case.
        applied = 0
        start = self._seen if self._seen is not None else self.position()
        while True:
            # Read before opening the write transaction: holding the read-model lock while
            # the event store's pool waits deadlocked the two (DESIGN.md pitfalls).
            notifications = self.app.recorder.select_notifications(
                start=start + 1, limit=batch_size
            )
            if not notifications:
                self._seen = start
                return applied
            stored = self._apply_batch(start, notifications)
            if stored is None:  # applied: the position is the last of the batch
                applied += len(notifications)
                if on_batch:
                    on_batch(len(notifications))
                start = notifications[-1].id
                if len(notifications) < batch_size:
                    self._seen = start
                    return applied  # that was the head when we read it
            else:  # another process moved the position meanwhile: go on from there
                start = stored

    def _apply_batch(self, start: int, notifications: Iterable[Any]) -> int | None:
        """Apply the batch if the stored position is still ``start``; else return the position."""
        notifications = list(notifications)
        with self._write() as conn:
            # Compare-and-set first: one statement checks the position, advances it and
            # locks the tracking row until commit, so concurrent catch-ups queue here
            # instead of deadlocking on summary rows (DESIGN.md pitfalls).
            moved = conn.execute(
                projection_positions.update()
                .where(projection_positions.c.name == PROJECTION)
                .where(projection_positions.c.position == start)
                .values(position=notifications[-1].id)
            ).rowcount
            if moved != 1:  # another process applied events meanwhile; nothing was written
                return self._stored_position(conn)
            ids = sorted({str(n.originator_id) for n in notifications})
            rows = {
                r["id"]: from_columns(dict(r))
                for r in conn.execute(
                    select(project_summaries).where(project_summaries.c.id.in_(ids))
                ).mappings()
            }
            existing = set(rows)
            decoded = [self.app.mapper.to_domain_event(n) for n in notifications]
            opinion_rows = self._load_opinions(conn, decoded)
            known_opinions = set(opinion_rows)
            milestone_rows = self._load_milestones(conn, decoded)
            known_milestones = set(milestone_rows)
            acceptance_rows = _load_acceptance(conn, decoded)
            known_acceptance = set(acceptance_rows)
            lift_rows = _load_lifts(conn, decoded)
            known_lifts = set(lift_rows)
            figures = figure_model.FigureBatch(conn, ids)
            log_rows = []
            for notification, event_ in zip(notifications, decoded, strict=True):
                project_id = str(notification.originator_id)
                row = rows.get(project_id)
                digest = chain_digest(
                    row["chain_digest"] if row else GENESIS_DIGEST,
                    notification.originator_id,
                    notification.originator_version,
                    notification.topic,
                    notification.state,
                )
                rows[project_id] = fold(row, event_, position=notification.id, digest=digest)
                opinion_change = None
                if isinstance(event_, opinion_model.OPINION_EVENTS):
                    before = opinion_rows.get(event_.opinion_id)
                    opinion_rows[event_.opinion_id] = opinion_model.fold_opinion(
                        before, event_, rows[project_id]
                    )
                    opinion_change = (before, opinion_rows[event_.opinion_id])
                elif isinstance(event_, milestone_model.MILESTONE_EVENTS):
                    key = (project_id, event_.milestone_id)
                    milestone_rows[key] = milestone_model.fold_milestone(
                        milestone_rows.get(key), event_, rows[project_id]
                    )
                elif isinstance(event_, acceptance_model.ACCEPTANCE_EVENTS):
                    acceptance_rows[project_id] = acceptance_model.fold_acceptance(
                        acceptance_rows.get(project_id), event_
                    )
                elif isinstance(event_, lift_model.LIFT_EVENTS):
                    lift_rows[project_id] = lift_model.fold_lifts(lift_rows.get(project_id), event_)
                elif isinstance(event_, PersonalDataErased):
                    for oid, opinion in opinion_rows.items():
                        opinion_rows[oid] = opinion_model.erase(opinion, event_)
                if isinstance(event_, written_model.EVENTS):
                    written_model.apply(conn, event_)
                figures.apply(event_, rows[project_id], opinion_change)
                log_rows.append(
                    {
                        "position": notification.id,
                        "project_id": project_id,
                        "version": notification.originator_version,
                        "event_type": type(event_).__name__,
                        "recorded_at": event_.timestamp.isoformat(),
                        "effective_on": (
                            event_.effective_on.isoformat() if event_.effective_on else None
                        ),
                        "actor_id": event_.actor_id,
                        "actor_role": event_.actor_role,
                        "channel": event_.channel,
                        "digest": digest,
                        "summary": summarise(event_, rows[project_id], milestone_rows),
                    }
                )
            # Stable order: concurrent catch-ups on PostgreSQL deadlocked without it.
            _upsert(conn, project_summaries, "id", [to_columns(rows[i]) for i in ids], existing)
            _upsert(
                conn,
                opinions,
                "opinion_id",
                [opinion_model.to_columns(opinion_rows[i]) for i in sorted(opinion_rows)],
                known_opinions,
            )
            _upsert_milestones(conn, milestone_rows, known_milestones)
            _upsert(
                conn,
                project_acceptance,
                "project_id",
                [acceptance_model.to_columns(r) for _, r in sorted(acceptance_rows.items())],
                known_acceptance,
            )
            _upsert(
                conn,
                project_lifts,
                "project_id",
                [lift_model.to_columns(r) for _, r in sorted(lift_rows.items())],
                known_lifts,
            )
            figures.write(conn)
            execute_many(conn, event_log, log_rows)
        return None

    @staticmethod
    def _stored_position(conn: Connection) -> int:
        return conn.execute(
            select(projection_positions.c.position).where(projection_positions.c.name == PROJECTION)
        ).scalar_one()

    @staticmethod
    def _load_opinions(conn: Connection, decoded: list[Any]) -> dict[str, dict[str, Any]]:
        """The stored rows of the opinions these events touch (erasures: all of the project's)."""
        # A submitted opinion is new: only later events need the stored row.
        ids = {
            e.opinion_id
            for e in decoded
            if isinstance(e, opinion_model.OPINION_EVENTS)
            and not isinstance(e, opinion_model.OpinionSubmitted)
        }
        erasing = {str(e.originator_id) for e in decoded if isinstance(e, PersonalDataErased)}
        if not ids and not erasing:
            return {}
        query = select(opinions).where(
            or_(opinions.c.opinion_id.in_(sorted(ids)), opinions.c.project_id.in_(sorted(erasing)))
        )
        return {
            r["opinion_id"]: opinion_model.from_columns(dict(r))
            for r in conn.execute(query).mappings()
        }

    @staticmethod
    def _load_milestones(conn: Connection, decoded: list[Any]) -> dict[tuple, dict[str, Any]]:
        """The stored rows of the milestones these events touch, by (project, milestone)."""
        keys = {
            (str(e.originator_id), e.milestone_id)
            for e in decoded
            if isinstance(e, milestone_model.MILESTONE_EVENTS)
            and not isinstance(e, milestone_model.MilestonePlanned)
        }
        if not keys:
            return {}
        query = select(milestones).where(milestones.c.project_id.in_(sorted({p for p, _ in keys})))
        found = {}
        for r in conn.execute(query).mappings():
            key = (r["project_id"], r["milestone_id"])
            if key in keys:
                found[key] = milestone_model.from_columns(dict(r))
        return found

    def follow(self, *, interval: float = 0.5, stop: Callable[[], bool] = lambda: False) -> None:
        """Keep catching up until ``stop()`` says so (the worker process)."""
        while not stop():
            if not self.catch_up():
                time.sleep(interval)


def _upsert(
    conn: Connection, table: Table, key: str, rows: list[dict[str, Any]], existing: set[str]
) -> None:
    """Insert the new rows and update the others, each group in one executemany."""
    new = [r for r in rows if r[key] not in existing]
    changed = [r for r in rows if r[key] in existing]
    if new:
        execute_many(conn, table, new)
    if changed:
        execute_many(conn, table, changed, keys=(key,))


_STATEMENTS: dict[tuple, str] = {}


def execute_many(
    conn: Connection, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...] = ()
) -> None:
    """INSERT the rows (or UPDATE them by their ``keys`` columns) in one executemany of the
    driver, without SQLAlchemy's per-row parameter handling: a rebuild's hot path (the
    values are the plain str/int/bool/None the columns store)."""
    columns = tuple(rows[0])
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(None)
    cache_key = (conn.dialect.name, schema, table.name, columns, keys)
    sql = _STATEMENTS.get(cache_key)
    if sql is None:
        quote = conn.dialect.identifier_preparer.quote
        name = f"{quote(schema)}.{quote(table.name)}" if schema else quote(table.name)
        sqlite = conn.dialect.name == "sqlite"

        def mark(column: str) -> str:
            return f":{column}" if sqlite else f"%({column})s"

        if keys:
            sets = ", ".join(f"{quote(c)} = {mark(c)}" for c in columns if c not in keys)
            where = " AND ".join(f"{quote(c)} = {mark(c)}" for c in keys)
            sql = f"UPDATE {name} SET {sets} WHERE {where}"
        else:
            marks = ", ".join(mark(c) for c in columns)
            sql = f"INSERT INTO {name} ({', '.join(map(quote, columns))}) VALUES ({marks})"
        _STATEMENTS[cache_key] = sql
    conn.exec_driver_sql(sql, rows)


def _load_states(
    conn: Connection, table: Table, events: tuple[type, ...], decoded: list[Any]
) -> dict[str, dict[str, Any]]:
    """The stored JSON rows of ``table`` (one per project) that these ``events`` change."""
    ids = sorted({str(e.originator_id) for e in decoded if isinstance(e, events)})
    if not ids:
        return {}
    query = select(table).where(table.c.project_id.in_(ids))
    return {r.project_id: json.loads(r.state) for r in conn.execute(query)}


def _get_state(engine: Engine, table: Table, project_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        found = conn.execute(select(table.c.state).where(table.c.project_id == project_id)).scalar()
    return json.loads(found) if found else None


def _load_acceptance(conn: Connection, decoded: list[Any]) -> dict[str, dict[str, Any]]:
    """The stored acceptance rows of the projects these events add acceptance records to."""
    return _load_states(conn, project_acceptance, acceptance_model.ACCEPTANCE_EVENTS, decoded)


def get_acceptance(engine: Engine, project_id: str) -> dict[str, Any] | None:
    """A project's acceptance row, or None when it has no acceptance records."""
    return _get_state(engine, project_acceptance, project_id)


def _load_lifts(conn: Connection, decoded: list[Any]) -> dict[str, dict[str, Any]]:
    """The stored lifts rows of the projects these events touch the lift retrofits of."""
    return _load_states(conn, project_lifts, lift_model.LIFT_EVENTS, decoded)


def get_lifts(engine: Engine, project_id: str) -> dict[str, Any] | None:
    """A project's lifts row, or None when it has no lift retrofit."""
    return _get_state(engine, project_lifts, project_id)


def _upsert_milestones(
    conn: Connection, rows: dict[tuple, dict[str, Any]], existing: set[tuple]
) -> None:
    """Like ``_upsert``, for the milestones' two-column key."""
    new = [milestone_model.to_columns(rows[k]) for k in sorted(rows) if k not in existing]
    changed = [milestone_model.to_columns(rows[k]) for k in sorted(rows) if k in existing]
    if new:
        execute_many(conn, milestones, new)
    if changed:
        execute_many(conn, milestones, changed, keys=("project_id", "milestone_id"))


def list_milestones(engine: Engine, project_id: str) -> list[dict[str, Any]]:
    """A project's milestones in the order they were planned."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(milestones).where(milestones.c.project_id == project_id)
        ).mappings()
        found = [milestone_model.from_columns(dict(r)) for r in rows]
    return sorted(found, key=lambda m: int(m["milestone_id"].rsplit("-", 1)[1]))
