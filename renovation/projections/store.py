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
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
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

PROJECTION = "project_summary"
BATCH_SIZE = 500

metadata = MetaData()

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

project_summaries = Table(
    "project_summaries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(200), nullable=False),
    Column("city", String(200), nullable=False),
    Column("street", String(200), nullable=False),
    Column("address", String(200), nullable=False),
    Column("year_built", Integer),
    Column("stage", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("buildings", Integer, nullable=False),
    Column("units", Integer, nullable=False),
    Column("flats", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("total_area", String(40), nullable=False),
    Column("content_items", Text, nullable=False),
    Column("budget", Text, nullable=False),
    Column("budget_total", String(40), nullable=False),
    Column("planned_start", String(10)),
    Column("planned_finish", String(10)),
    Column("stage_history", Text, nullable=False),
    Column("registered_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("chain_digest", String(64), nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("opinions", Integer, nullable=False),
    Column("consultations", Integer, nullable=False),
    # Added with the programme year and batch (ProgrammeAssigned).
    Column("year", Integer),
    Column("batch", String(40)),
    Index("ix_project_summaries_district_name", "district", "name"),
    Index("ix_project_summaries_stage", "stage"),
)

opinions = Table(
    "opinions",
    metadata,
    Column("opinion_id", String(32), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("project_name", String(200), nullable=False),
    Column("district", String(200), nullable=False, index=True),
    Column("tracking_code", String(16), nullable=False, unique=True),
    Column("category", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("hidden", Boolean, nullable=False),
    Column("moderation_reason", Text, nullable=False),
    Column("building", String(20), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("submitted_at", String(40), nullable=False),
    Column("answer_due_on", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20)),
    Column("answer", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("referred_to", String(200), nullable=False),
    Column("links", Text, nullable=False),
    Column("answered_at", String(40)),
    Column("last_answered_at", String(40)),
    Column("answered_on_time", Boolean),
    Column("answered_by", String(100)),
    Column("personal_key_id", String(36)),
    Column("personal_sealed", Text),
    Column("version", Integer, nullable=False),
    # Added with the residents' rating of answers; create_tables adds them to older tables.
    Column("rating", String(30)),
    Column("rated_at", String(40)),
    Index("ix_opinions_project_status", "project_id", "status"),
)

milestones = Table(
    "milestones",
    metadata,
    Column("milestone_id", String(32), primary_key=True),
    Column("project_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("item_id", String(32), nullable=False),
    Column("item", String(200), nullable=False),
    Column("category", String(20), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("quantity", String(40), nullable=False),
    Column("done_quantity", String(40), nullable=False),
    Column("progress", Integer, nullable=False),
    Column("planned_start", String(10), nullable=False),
    Column("planned_finish", String(10), nullable=False),
    Column("first_planned_finish", String(10), nullable=False),
    Column("actual_start", String(10)),
    Column("actual_finish", String(10)),
    Column("status", String(20), nullable=False),
    Column("reports", Text, nullable=False),
    Column("delays", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("version", Integer, nullable=False),
)


def _project_state_table(name: str) -> Table:
    """A table of one JSON row per project: ``state`` is a fold's row, at ``version``."""
    return Table(
        name,
        metadata,
        Column("project_id", String(36), primary_key=True),
        Column("state", Text, nullable=False),
        Column("version", Integer, nullable=False),
    )


# One row per project with acceptance records (the fold of acceptance.py).
project_acceptance = _project_state_table("project_acceptance")
# One row per project with lift retrofits (the fold of lifts.py).
project_lifts = _project_state_table("project_lifts")

event_log = Table(
    "event_log",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("project_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("effective_on", String(10)),
    Column("actor_id", String(100), nullable=False),
    Column("actor_role", String(40), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
    # What the event did, masked, as JSON (event_summary.py); added after release.
    Column("summary", Text),
    UniqueConstraint("project_id", "version", name="uq_event_log_project_version"),
)


# Nullable columns added to a released table: (table, column, SQL type). Their events are
# newer than the columns, so rows of an older table hold no value for them to miss.
_ADDED_COLUMNS = (
    ("opinions", "rating", "VARCHAR(30)"),
    ("opinions", "rated_at", "VARCHAR(40)"),
    ("event_log", "summary", "TEXT"),
    ("project_summaries", "year", "INTEGER"),
    ("project_summaries", "batch", "VARCHAR(40)"),
)


def _add_missing_columns(conn: Connection) -> None:
    existing: dict[str, set[str]] = {}
    for table, column, sql_type in _ADDED_COLUMNS:
        if table not in existing:
            existing[table] = {c["name"] for c in inspect(conn).get_columns(table)}
        if column not in existing[table]:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def make_engine(url: str) -> Engine:
    """An engine for the read models; on SQLite, WAL and ``BEGIN IMMEDIATE`` on demand."""
    if not url.startswith("sqlite"):
        # No pre-ping (a round trip per checkout); recycle instead, and retry at the caller.
        return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Deleted content (destroyed personal-data keys) is overwritten with zeros, not left
        # in free space (issue 10; renovation.vault).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A read-then-write transaction in WAL mode fails at once with "database is locked"
        # unless it takes the write lock up front (DESIGN.md pitfalls).
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


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


# ---- queries of the read model ----------------------------------------------------------


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
