"""The projection worker: keeps the read models and the audit log up to date with the store.

Web requests append and no longer apply events themselves: one worker follows the event
store and applies batches (the projection's position moves by compare-and-set in the same
transaction as its batch, so a worker and any other catch-up never apply an event twice).
It runs inside the service as a background thread (woken by the service's own writes, and
polling for other processes'), or as ``renovation projections follow`` in its own process
(woken by PostgreSQL ``LISTEN/NOTIFY`` on the recorder's channel, which the recorder sends
with every append; polling on SQLite). A read that must show the caller's own write waits
for the worker to pass its position, at most a short timeout (``Runtime.catch_up``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from renovation.runtime import Runtime

log = logging.getLogger(__name__)

# How long ``stop`` waits for the thread to finish its batch.
STOP_TIMEOUT = 10.0
# Polling step of a web process waiting for an external worker.
POLL_STEP = 0.02
# Longest wait on PostgreSQL's notifications between two looks at the stop flag.
LISTEN_STEP = 0.5
# After a round that applied events (the store is busy), the worker waits this long before the
# next, so the events written meanwhile are applied in one batch. A batch has a fixed cost (a
# dozen statements: the position, the rows it updates, the figures, the audit log), which one
# event a round paid alone: under load (issue 12, opinions spread over 20 projects on
# PostgreSQL) the worker took 2.6 ms of CPU per event, 0.8 ms with this pause. A read
# waiting for its own write waits at most this much longer.
GATHER_SECONDS = 0.1


def applied_position(rt: Runtime) -> int:
    """The position both the read models and the audit log have passed (stored figures)."""
    return min(rt.projection.position(), rt.audit_log.head()[1])


class ProjectionWorker:
    """Applies every stored event to the read models and the audit log, batch by batch."""

    def __init__(
        self,
        rt: Runtime,
        *,
        interval: float = 0.5,
        listen: bool = False,
        gather: float = GATHER_SECONDS,
    ) -> None:
        self.rt = rt
        self.interval = interval
        self.gather = gather
        # LISTEN for the recorder's NOTIFY (PostgreSQL); else wake() and polling.
        self.listen = listen and rt.storage.kind == "postgres"
        self.position: int | None = None
        self.heartbeat: float | None = None
        self.failing = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._passed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping: Callable[[], bool] = self._stop.is_set

    # ---- in the service: a background thread ---------------------------------------------

    def start(self) -> ProjectionWorker:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="projection-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop after the batch under way (committed or not at all); waits at most ``timeout``."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def alive(self) -> bool:
        """Running, and it finished a round lately (an idle worker rounds every ``interval``)."""
        if not self.running or self.heartbeat is None or self.failing:
            return False
        return time.monotonic() - self.heartbeat < max(10 * self.interval, 5.0)

    def wake(self) -> None:
        self._wake.set()

    def wait_for(self, until: int, timeout: float) -> bool:
        """Whether the worker passed ``until`` within ``timeout`` seconds."""
        if self.position is not None and self.position >= until:
            return True
        self.wake()
        with self._passed:
            return self._passed.wait_for(
                lambda: self.position is not None and self.position >= until, timeout
            )

    # ---- the loop (the thread's, or ``projections follow``'s main thread) -------------------

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        self._stopping = lambda: self._stop.is_set() or stop()
        with self._news() as wait_for_news:
            while not self._stopping():
                if self.step():
                    self._gather()
                else:
                    wait_for_news(self.interval)

    def _gather(self) -> None:
        """Let the events of the next ``gather`` seconds come, watching the stop flags."""
        deadline = time.monotonic() + self.gather
        while not self._stopping() and (left := deadline - time.monotonic()) > 0:
            self._stop.wait(min(left, LISTEN_STEP))

    def step(self) -> int:
        """One round: apply what is new; returns how many events the read models took."""
        try:
            applied = self.rt.projection.catch_up()
            self.rt.audit_log.catch_up()
            position = applied_position(self.rt)
        except Exception:  # a database gone away: keep going, say so in /readyz
            log.exception("projection worker: catching up failed; retrying")
            self.failing = True
            self._stop.wait(self.interval)
            return 0
        with self._passed:
            self.position = position
            self.heartbeat = time.monotonic()
            self.failing = False
            self._passed.notify_all()
        return applied

    @contextmanager
    def _news(self) -> Iterator[Callable[[float], None]]:
        """A function that returns when there may be new events, or after ``timeout``."""
        if not self.listen:

            def wait(timeout: float) -> None:
                self._wake.wait(timeout)
                self._wake.clear()

            yield wait
            return
        recorder = self.rt.app.recorder
        with recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))

            def listen(timeout: float) -> None:
                # In steps of at most LISTEN_STEP, so a stop is seen within one.
                deadline = time.monotonic() + timeout
                while not self._stopping() and (left := deadline - time.monotonic()) > 0:
                    step = min(left, LISTEN_STEP)
                    if any(True for _ in conn.notifies(timeout=step, stop_after=1)):
                        return

            yield listen


def wait_for_external(rt: Runtime, until: int, timeout: float) -> bool:
    """Whether a worker of another process passed ``until`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while applied_position(rt) < until:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(POLL_STEP, left))
    return True
