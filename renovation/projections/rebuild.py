"""Rebuild the read models without a gap: build aside, then swap in one transaction.

The events are replayed into fresh tables the live read model never sees: on SQLite a
scratch file next to the read-model file (``<readmodel>.rebuild``, written without a
journal or syncs: it is thrown away if the run dies), on PostgreSQL the schema ``rebuild``
of the same database. Then one transaction on the live database replaces the contents of
every read-model table and the projection's position with the rebuilt ones. Readers see
the old rows until the commit and the new ones after it, never an empty or missing table;
a rebuild killed at any point leaves the live read model as it was.

A projection worker running meanwhile keeps applying events to the live tables; the swap
takes the position row's lock first (so the worker waits), brings the rebuilt tables up
to the live position if the worker got further, and swaps. The worker's next
compare-and-set then fails and it goes on from the swapped-in position: nothing applied
twice, nothing lost. One rebuild at a time: a second is refused while a first holds the
lock (a lock file on SQLite, an advisory lock on PostgreSQL; both die with the process).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.engine import Connection

from renovation.application.app import RenovationApplication
from renovation.projections import figures as figure_model
from renovation.projections import written_answers as written_model
from renovation.projections.store import (
    PROJECTION,
    ProjectSummaryProjection,
    metadata,
    projection_positions,
)

# pg_try_advisory_lock key held for the whole rebuild ("rebuild!").
REBUILD_LOCK_KEY = 0x72656275696C6421
SCHEMA = "rebuild"
# Tries at swapping in while a worker keeps moving the live position.
SWAP_ATTEMPTS = 20


class RebuildRunning(RuntimeError):
    """Another rebuild holds the lock."""


@dataclass(frozen=True)
class Rebuilt:
    events: int  # replayed into the scratch tables
    position: int  # the live read model's position after the swap


def read_model_tables() -> list[Table]:
    """Every table the projection keeps, in dependency order (positions apart)."""
    tables = [*metadata.sorted_tables, *written_model.metadata.sorted_tables]
    tables += figure_model.metadata.sorted_tables
    return [t for t in tables if t is not projection_positions]


def rebuild(
    app: RenovationApplication,
    engine: Engine,
    *,
    batch_size: int = 5000,
    on_batch: Callable[[int], None] | None = None,
    before_swap: Callable[[], None] | None = None,
) -> Rebuilt:
    """Replay every event into scratch tables and swap them in; ``RebuildRunning`` if
    another rebuild is under way. ``before_swap`` runs between the build and the swap."""
    live = ProjectSummaryProjection(app, engine)
    live.create_tables()  # a first run on an empty database: the swap needs the tables
    sqlite = engine.dialect.name == "sqlite"
    scratch_tables = _scratch if sqlite else _scratch_schema
    with _lock(engine), scratch_tables(engine) as scratch_engine:
        scratch = ProjectSummaryProjection(app, scratch_engine)
        scratch.create_tables()
        applied = scratch.catch_up(batch_size=batch_size, on_batch=on_batch)
        if before_swap is not None:
            before_swap()
        swap = _swap_sqlite if sqlite else _swap_postgres
        position = swap(engine, scratch, on_batch)
    return Rebuilt(applied, position)


# ---- the lock ------------------------------------------------------------------------------


@contextlib.contextmanager
def _lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        path = Path(f"{engine.url.database}.rebuild.lock")
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)  # private, as the read model
        with os.fdopen(descriptor, "r+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "?"
                raise RebuildRunning(f"another rebuild is running (process {holder})") from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    # A session lock on a connection of its own, released when it closes (or the process dies).
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": REBUILD_LOCK_KEY})
        conn.commit()
        if not got.scalar_one():
            raise RebuildRunning("another rebuild is running")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REBUILD_LOCK_KEY})
            conn.commit()


# ---- the scratch tables ----------------------------------------------------------------------


def scratch_path(engine: Engine) -> Path:
    return Path(f"{engine.url.database}.rebuild")


@contextlib.contextmanager
def _scratch(engine: Engine) -> Iterator[Engine]:
    """A fresh SQLite file for the rebuilt tables, without journal or syncs; removed after."""
    path = scratch_path(engine)
    path.unlink(missing_ok=True)  # what a killed run left
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)  # private, as the read model
    os.close(fd)
    scratch = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(scratch, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(scratch, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    try:
        yield scratch
    finally:
        scratch.dispose()
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def _scratch_schema(engine: Engine) -> Iterator[Engine]:
    """The schema ``rebuild`` of the live database, emptied first, dropped after."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    scratch = create_engine(
        engine.url, pool_size=2, connect_args={"options": "-c synchronous_commit=off"}
    ).execution_options(schema_translate_map={None: SCHEMA})
    try:
        yield scratch
    finally:
        scratch.dispose()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


# ---- the swap ------------------------------------------------------------------------------


def _copy_statements(source: str) -> list[str]:
    statements = []
    for table in read_model_tables():
        columns = ", ".join(c.name for c in table.columns)
        statements.append(f"DELETE FROM {table.name}")
        statements.append(
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {source}.{table.name}"
        )
    return statements


def _swap_sqlite(
    engine: Engine,
    scratch: ProjectSummaryProjection,
    on_batch: Callable[[int], None] | None,
) -> int:
    raw = engine.raw_connection()
    try:
        db = raw.driver_connection  # sqlite3, in autocommit: we send BEGIN ourselves
        for _attempt in range(SWAP_ATTEMPTS):
            scratch.catch_up(on_batch=on_batch)  # what came in during the build
            position = scratch.position()
            # BEGIN IMMEDIATE write-locks the attached scratch file too, so the scratch
            # cannot catch up inside the transaction: when the worker got further
            # meanwhile, roll back and catch up again.
            db.execute("ATTACH DATABASE ? AS rebuild", (str(scratch_path(engine)),))
            try:
                db.execute("BEGIN IMMEDIATE")  # the worker's batches wait from here
                try:
                    if _live_position(db, "?") > position:
                        db.execute("ROLLBACK")
                        continue
                    for statement in _copy_statements("rebuild"):
                        db.execute(statement)
                    db.execute(
                        "UPDATE projection_positions SET position = ? WHERE name = ?",
                        (position, PROJECTION),
                    )
                    db.execute("COMMIT")
                    return position
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            finally:
                db.execute("DETACH DATABASE rebuild")
    finally:
        raw.close()
    raise RuntimeError("the projection worker kept ahead of the rebuild; try again")


def _swap_postgres(
    engine: Engine,
    scratch: ProjectSummaryProjection,
    on_batch: Callable[[int], None] | None,
) -> int:
    with engine.begin() as conn:
        db = conn.connection.driver_connection
        # The position row's lock first: the worker's next batch waits for the commit.
        live = _live_position(db, "%s", " FOR UPDATE")
        # The scratch schema is not locked by this transaction: catch it up to the head.
        scratch.catch_up(on_batch=on_batch)
        position = scratch.position()
        if position < live:  # the head is never behind a position applied from it
            raise RuntimeError(f"rebuilt position {position} behind the live {live}")
        for statement in _copy_statements(SCHEMA):
            conn.exec_driver_sql(statement)
        conn.execute(
            projection_positions.update()
            .where(projection_positions.c.name == PROJECTION)
            .values(position=position)
        )
    return position


def _live_position(db: Any, marker: str, for_update: str = "") -> int:
    cursor = db.cursor()
    cursor.execute(
        f"SELECT position FROM projection_positions WHERE name = {marker}{for_update}",
        (PROJECTION,),
    )
    found = cursor.fetchone()[0]
    cursor.close()
    return found
