"""One writer at a time for a busy project, across the service's processes.

Each process decides a project's commands one at a time (a lock of its own); two processes
writing one project find out only when their appends collide, and the loser decides again, which
on a busy project (issue 12: 50 residents at once) happens to nearly every other batch. Once a
process has met such a collision on a project, it takes that project's lock here before bringing
the project up to date and until its append is stored (``ApplicationBase``: contended
projects), so the other process waits its turn instead of colliding. Projects nobody contends
for never take it.

- PostgreSQL: a session-level advisory lock keyed by the project's id, on a connection of the
  event store's pool. A process that dies lets go of it with its session.
- SQLite (one machine): an exclusive ``flock`` on one of 64 lock files beside the database,
  chosen by the project's id; the system lets go of it when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

LOCK_FILES = 64


class AdvisoryLocks:
    """PostgreSQL: ``pg_advisory_lock`` on the project's id, for as long as the block runs."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore

    @contextlib.contextmanager
    def hold(self, project_id: UUID) -> Iterator[None]:
        key = int.from_bytes(project_id.bytes[:8], "big", signed=True)
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


class FileLocks:
    """SQLite: ``flock`` on ``<database>.locks/<n>.lock``, n chosen by the project's id."""

    def __init__(self, database: str) -> None:
        self.directory = Path(f"{database}.locks")

    @contextlib.contextmanager
    def hold(self, project_id: UUID) -> Iterator[None]:
        self.directory.mkdir(mode=0o700, exist_ok=True)
        path = self.directory / f"{project_id.int % LOCK_FILES}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing lets go of the lock


class NoLocks:
    """A store other processes cannot share (SQLite in memory): nothing to wait for."""

    @contextlib.contextmanager
    def hold(self, project_id: UUID) -> Iterator[None]:
        yield


def writer_locks_for(recorder: Any) -> AdvisoryLocks | FileLocks | NoLocks:
    """The locks that fit the event store of ``recorder``."""
    from eventsourcing.postgres import PostgresDatastore
    from eventsourcing.sqlite import SQLiteDatastore

    datastore = getattr(recorder, "datastore", None)
    if isinstance(datastore, PostgresDatastore):
        return AdvisoryLocks(datastore)
    if isinstance(datastore, SQLiteDatastore) and not datastore.pool.is_sqlite_memory_mode:
        return FileLocks(datastore.pool.db_name)
    return NoLocks()
