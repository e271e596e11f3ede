"""Appends of one process's concurrent commands combined into one durable commit.

Every append takes the events table's lock until it has committed (``pg_recorder``; SQLite
has one writer at a time anyway), so appends queue behind each other, each paying for its own
flush to disk. Measured under load on PostgreSQL (issue 12), the lock made the appends the
bottleneck: 161 opinions/s with it, 268/s without.

``CombinedInserts`` combines appends the way a database combines commits: while one thread's
append is in the database, the appends that arrive queue up; when it returns, the first of them
takes the whole queue and stores it as one insert, in one transaction, under one lock and one
flush. No append waits for a batch to fill: an append arriving at an idle recorder goes
straight in. Each command still gets its own notification ids, in its own order.

A combined insert is all or nothing: if any of its appends collides with another writer's
event (``IntegrityError``), none is stored, and each append is then made on its own, so only the
one that collided fails (and its command is decided again, ``ApplicationBase.execute``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

# At most this many events in one combined insert (a larger queue is taken in turns).
MAX_COMBINED_EVENTS = 500


class _Append:
    __slots__ = ("done", "error", "events", "ids")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.done = False


class CombinedInserts:
    """A mixin for an application recorder (before it in the bases): concurrent
    ``insert_events`` calls of one process are stored in one call of the recorder's own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._appends: list[_Append] = []
        self._appending = False
        self._turn = threading.Condition()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events or any(v is not None for v in kwargs.values()):
            # Nothing to store, or a tracked append (a process application's): as it comes.
            return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        mine = _Append(stored_events)
        with self._turn:
            self._appends.append(mine)
            while self._appending and not mine.done:
                self._turn.wait()
            if not mine.done:
                self._appending = True
                batch = self._take_batch()
        if not mine.done:
            try:
                self._store(batch)
            finally:
                with self._turn:
                    self._appending = False
                    self._turn.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.ids

    def _take_batch(self) -> list[_Append]:
        """The queued appends, oldest first, up to MAX_COMBINED_EVENTS events (at least one)."""
        batch, size = [], 0
        while self._appends and (
            not batch or size + len(self._appends[0].events) <= MAX_COMBINED_EVENTS
        ):
            append = self._appends.pop(0)
            batch.append(append)
            size += len(append.events)
        return batch

    def _store(self, batch: list[_Append]) -> None:
        """Store the batch and mark each append done, with its ids or its error."""
        try:
            if len(batch) == 1:
                self._store_one(batch[0])
                return
            try:
                ids = self._insert([e for a in batch for e in a.events])
            except IntegrityError:
                for append in batch:  # each on its own: only a colliding one fails
                    self._store_one(append)
                return
            start = 0
            for append in batch:
                count = len(append.events)
                append.ids = None if ids is None else list(ids[start : start + count])
                append.done = True
                start += count
        except BaseException as error:  # e.g. the database is gone: every append fails
            for append in batch:
                if not append.done:
                    append.error, append.done = error, True

    def _store_one(self, append: _Append) -> None:
        try:
            append.ids = self._insert(append.events)
        except IntegrityError as error:
            append.error = error
        append.done = True

    def _insert(self, events: Sequence[StoredEvent]) -> Sequence[int] | None:
        return super().insert_events(events)  # type: ignore[misc]


class CombinedSQLiteRecorder(CombinedInserts, SQLiteApplicationRecorder):
    """The library's SQLite recorder, a process's concurrent appends combined."""
