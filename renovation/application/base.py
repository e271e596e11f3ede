"""What every area of the application shares: the command contract, the clock, the rulesets.

Every command of every area runs through ``execute``: it loads the project, replays a command
it has seen (``command_id``, the client's Idempotency-Key), refuses a stale ``expected_version``
(the client's If-Match), decides, saves, and says what it did in a ``CommandResult``. The
areas (participation, lifts, milestones) inherit this base; ``app.py`` composes them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Recording

from events.project import ProjectEvent
from renovation.application.batching import Queued, run_batch
from renovation.application.errors import (
    ConcurrencyError,
    ProjectNotFoundError,
    StaleVersionError,
)
from renovation.application.writer_locks import writer_locks_for
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import DomainError
from renovation.domain.project import RenovationProject
from renovation.domain.rulesets import Ruleset, all_rulesets, ruleset_in_force

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 30
RETRY_PAUSE = 0.002  # seconds; doubles with each attempt, up to 64 times
# Projects kept decided-upon in memory by each process (see ``_load_for_command``).
COMMAND_CACHE_SIZE = 1000
# After meeting another process's append on a project, bring it up to date (under its lock across
# processes) before each command on it for this long (see ``_execute_alone``).
CONTENDED_SECONDS = 60.0
CHECK_FIRST, TAKE_TURNS = 1, 2  # levels of contention (``_contention``)


class _AnswerFromStore(Exception):
    """A command that stored nothing was decided on this process's copy: decide it again on
    the project as stored, since no append can have caught a missed event."""


@dataclass(frozen=True)
class CommandResult:
    """What a command did: the project's version after it, and whether it was a replay."""

    project_id: UUID
    version: int
    replayed: bool = False
    position: int | None = None  # notification id of the last event it stored
    value: Any = None  # what the command returned, e.g. a new id


def project_events(
    project: RenovationProject | None, events: Iterable[ProjectEvent]
) -> RenovationProject | None:
    """Fold stored events onto a project (or from nothing).

    The library's default projector asserts a runtime-checkable Protocol on every event;
    that check cost more than the fold itself (a profile of loads at past versions put half
    their time in ``typing._get_protocol_attrs``). Every project event is a library
    ``AggregateEvent``, whose ``mutate`` is all the fold needs.
    """
    for event in events:
        project = event.mutate(project)
    return project


def utc_now() -> datetime:
    return datetime.now(UTC)


class ApplicationBase(Application[UUID]):
    """The command contract, the clock and the rulesets, shared by every area."""

    # The source of the current instant; tests and the demo replace it on an instance
    # (``app.clock = lambda: ...``) to move time on.
    clock: Callable[[], datetime] = staticmethod(utc_now)
    # The server's household-code key (renovation.application.household_codes): set by the
    # Runtime; kept outside the event store.
    code_key: bytes | None = None

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._locks: dict[UUID, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._command_cache: OrderedDict[UUID, RenovationProject] = OrderedDict()
        # project → (contended until, by monotonic time; its level: see ``_contention``)
        self._contended: dict[UUID, tuple[float, int]] = {}
        self._queues: dict[UUID, list[Queued]] = {}
        self._writer_locks: Any = None  # made on first use (writer_locks_for)
        self._deferred = threading.local()  # snapshots due once a command lets go of its lock

    # ---- household codes -----------------------------------------------------------------

    def household_code_digests(self, project_id: UUID, code: str) -> tuple[str, str]:
        """A typed household code's digests, keyed first, then the legacy one."""
        from renovation.application.household_codes import candidate_digests

        if self.code_key is None:
            raise RuntimeError("the application has no household-code key (Runtime sets one)")
        return candidate_digests(project_id, code, self.code_key)

    def execute_vote(
        self,
        project_id: UUID,
        vote: Callable[[RenovationProject, str | None], None],
        *,
        code: str | None,
        flat_id: str | None,
        command_id: str | None,
        expected_version: int | None,
        check_first: Callable[[RenovationProject], Any] | None = None,
    ) -> CommandResult:
        """A flat's vote (a ballot, a lift vote): ``vote(project, flat)`` for the flat of the
        household code (residents) or ``flat_id`` (staff, on paper); ``value`` names the flat,
        on a replay too. ``check_first`` runs before the code is looked up, so what it refuses
        is named before a wrong code."""

        def command(project: RenovationProject) -> dict[str, str | None]:
            if check_first is not None:
                check_first(project)
            flat = (
                project.flat_for_code(*self.household_code_digests(project_id, code))
                if code
                else flat_id
            )
            vote(project, flat)
            return {"flat_id": flat}

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda event: {"flat_id": event.flat_id},
        )

    # ---- the clock and the rulesets ----------------------------------------------------

    def now(self) -> datetime:
        """The current instant, by the application's clock (timezone-aware)."""
        return self.clock()

    def today(self) -> date:
        """The bureau's calendar day (Asia/Shanghai): rulesets and deadlines go by it."""
        return self.now().astimezone(LOCAL_TZ).date()

    @staticmethod
    def ruleset_for(project: RenovationProject, day: date) -> Ruleset:
        """The ruleset in force in the project's city on ``day``, else the national one."""
        return ApplicationBase.ruleset_for_city(project.community.get("city") or "", day)

    @staticmethod
    def ruleset_for_city(city: str, day: date) -> Ruleset:
        """The ruleset in force in the city named on ``day``, else the national one."""
        codes = {r.city_name: r.city_code for r in all_rulesets() if r.city_code}
        return ruleset_in_force(codes.get(city), day)

    # ---- the command contract -----------------------------------------------------------

    def execute(
        self,
        project_id: UUID,
        command: Callable[[RenovationProject], Any],
        *,
        expected_version: int | None = None,
        command_id: str | None = None,
        replay: Callable[[ProjectEvent], Any] | None = None,
    ) -> CommandResult:
        """Load, check, decide, save; retry when another process wrote the project meanwhile.

        Commands on one project that queue up in this process are decided in turn and stored
        in one append (``renovation.application.batching``); a command alone, and what a batch
        leaves, takes ``_execute_alone``, whose rules every command keeps.
        """
        mine = Queued(command, expected_version, command_id, replay)
        with self._locks_guard:
            self._queues.setdefault(project_id, []).append(mine)
        outer = getattr(self._deferred, "snapshots", None)  # a command within a command
        self._deferred.snapshots = []
        try:
            with self._lock_for(project_id):
                if not mine.done and not mine.alone:
                    with self._locks_guard:
                        batch = self._queues.pop(project_id, [])
                    if len(batch) == 1:  # alone: decided now, the lock still held
                        try:
                            mine.result = self._decide_alone(project_id, mine)
                        except BaseException as error:
                            mine.error = error
                        mine.done = True
                    else:
                        run_batch(self, project_id, batch)
            if mine.alone:
                return self._execute_alone(project_id, mine)
        finally:
            due, self._deferred.snapshots = self._deferred.snapshots or [], outer
            if due:
                self._write_snapshots(due)
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None
        return mine.result

    def _execute_alone(self, project_id: UUID, queued: Queued) -> CommandResult:
        """One command (``queued``: it and its ``execute`` arguments): load, check, decide,
        save; retry when another process wrote the project meanwhile.

        A command whose ``command_id`` the project has seen is not run again: the result
        says ``replayed`` and ``replay`` rebuilds its value from the first event it made.
        The replay comes before the version check, so a client retrying a request whose
        answer it lost (with the If-Match it sent then) gets the first answer, not a 409.
        Otherwise a project not at ``expected_version`` refuses the command
        (StaleVersionError) and nothing is stored.

        A per-project lock keeps this process's own writers in line (DESIGN.md measured the
        retries it saves); other processes are caught by the store's optimistic concurrency.

        The project this process decided upon last is used as it is, without asking the store
        for other processes' events first (issue 12: that query was a third of a PostgreSQL
        command's time). It is safe because every event of a project takes the next version:
        if another process appended meanwhile, this append meets its version and fails, and
        the command is decided again on the project brought up to date. What cannot fail that
        way is checked against the store before it is answered: a refusal, a stale If-Match,
        and a command that stores nothing. A project on which this process met another's
        append is brought up to date before each command for the next ``CONTENDED_SECONDS``;
        if it meets one even so (a busy project), it is written under its lock across
        processes (``renovation.application.writer_locks``), so two processes writing it
        take turns instead of colliding.
        """
        with self._lock_for(project_id):
            return self._decide_alone(project_id, queued)

    def _decide_alone(self, project_id: UUID, queued: Queued) -> CommandResult:
        """``_execute_alone`` once the project's lock is held."""
        command, command_id, replay = queued.command, queued.command_id, queued.replay
        expected_version = queued.expected_version
        with self._writers_in_turn(project_id) as fresh:
            for _attempt in range(MAX_ATTEMPTS):
                project = self._load_for_command(project_id, fresh=fresh)
                pending: list[ProjectEvent] = []
                try:
                    done = project.version_of_command(command_id)
                    if done is not None:
                        value = replay(self._event_at(project_id, done)) if replay else None
                        return CommandResult(project_id, done, replayed=True, value=value)
                    if expected_version is not None and project.version != expected_version:
                        raise StaleVersionError(expected_version, project.version)
                    value = command(project)
                    pending = list(project.pending_events)
                    if not pending and not fresh:
                        raise _AnswerFromStore
                    recordings = self.save(project)
                except IntegrityError:
                    if self._stored_already(project_id, pending):
                        # Our own append committed but its answer was lost with the
                        # connection; the recorder's retry then met our own rows. Deciding
                        # again would store the command twice (issue 12).
                        self._remember(project)
                        return CommandResult(project_id, project.version, value=value)
                    # Another process appended first: reload and decide again, after a
                    # jittered pause so the two do not collide again at once.
                    self._forget(project_id)
                    self._mark_contended(project_id, fresh=fresh)
                    fresh = True
                    time.sleep(random.uniform(0, RETRY_PAUSE * 2 ** min(_attempt, 6)))
                    continue
                except (_AnswerFromStore, DomainError, StaleVersionError):
                    # Decided on this process's copy, which may miss another process's
                    # events: decide again on the project as stored before answering.
                    self._forget(project_id)
                    if fresh:
                        raise
                    fresh = True
                    continue
                except BaseException:
                    self._forget(project_id)
                    raise
                self._remember(project)
                return CommandResult(
                    project_id,
                    project.version,
                    position=recordings[-1].notification.id if recordings else None,
                    value=value,
                )
        raise ConcurrencyError(project_id)

    def _stored_already(self, project_id: UUID, pending: list[ProjectEvent]) -> bool:
        """Whether the store holds exactly these events at their versions.

        An event equals another only if every field does, its instant to the microsecond,
        its actor and its content included: another writer's event at the same version
        never does.
        """
        if not pending:
            return False
        first = pending[0].originator_version
        stored = list(self.events.get(project_id, gt=first - 1, lte=first - 1 + len(pending)))
        return stored == pending

    def _load_for_command(self, project_id: UUID, *, fresh: bool) -> RenovationProject:
        """The project as last decided by this process; ``fresh``: brought up to date with
        the store (other processes' events replayed onto it, one query).

        Only called under the project's lock, and a project is dropped from the cache on any
        failure, so no half-decided state is ever reused. This spares each command the
        snapshot load and the replay of up to SNAPSHOT_INTERVAL events.
        """
        with self._locks_guard:
            project = self._command_cache.pop(project_id, None)
        if project is None:
            return self._get(project_id)
        if fresh:
            for event in self.events.get(project_id, gt=project.version):
                event.mutate(project)
        return project

    def _contention(self, project_id: UUID) -> int:
        """How contended the project is in this process, within the last CONTENDED_SECONDS:
        0, not at all; CHECK_FIRST, an append of this process met another's; TAKE_TURNS, one
        met another's even though the project had just been brought up to date."""
        with self._locks_guard:
            until, level = self._contended.get(project_id, (0.0, 0))
            if level and until <= time.monotonic():
                del self._contended[project_id]
                level = 0
        return level

    @contextlib.contextmanager
    def _writers_in_turn(self, project_id: UUID) -> Iterator[bool]:
        """Whether the project is to be brought up to date first (it is contended); while
        it is taken in turns, its lock across processes is held."""
        level = self._contention(project_id)
        if level < TAKE_TURNS:
            yield level == CHECK_FIRST
            return
        if self._writer_locks is None:
            self._writer_locks = writer_locks_for(self.recorder)
        with self._writer_locks.hold(project_id):
            yield True

    def _mark_contended(self, project_id: UUID, *, fresh: bool) -> None:
        """An append met another process's: from now on (CONTENDED_SECONDS) check the store
        first, and if it was checked already, take turns with the other processes."""
        with self._locks_guard:
            _until, level = self._contended.get(project_id, (0.0, 0))
            level = TAKE_TURNS if fresh else max(level, CHECK_FIRST)
            self._contended[project_id] = (time.monotonic() + CONTENDED_SECONDS, level)

    def _remember(self, project: RenovationProject) -> None:
        with self._locks_guard:
            self._command_cache[project.id] = project
            self._command_cache.move_to_end(project.id)
            while len(self._command_cache) > COMMAND_CACHE_SIZE:
                self._command_cache.popitem(last=False)

    def _forget(self, project_id: UUID) -> None:
        with self._locks_guard:
            self._command_cache.pop(project_id, None)

    def _lock_for(self, project_id: UUID) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(project_id, threading.Lock())

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, with a project's pending events collected directly: the
        library asks two runtime-checkable Protocols of every object saved, which cost a
        tenth of a command in a profile. Anything but a project goes the library's way."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if type(obj) is RenovationProject:
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Every version of a saved project at a multiple of the interval gets a snapshot,
        as the library does. The last one due is taken of the project as just saved, from
        memory (the library loads it again from the store first: a tenth of a command's time
        in a profile of sequential appends), at its version now; it is encoded at once,
        under the project's lock, so no later command's change can slip into it. Earlier ones
        (a save of more events than the interval) are loaded at their versions. Within
        ``execute`` they are written once the lock is let go, so the project's next commands
        need not wait for that."""
        jobs: list[Callable[[], None]] = []
        # The events are stored by now: a failed snapshot must not make the command look
        # failed, or a client's retry would store its events twice (DESIGN.md pitfalls).
        try:
            for aggregate, versions in self._due_for_snapshots(processing_event):
                for version in versions[:-1]:
                    jobs.append(functools.partial(self._snapshot_at, aggregate.id, version))
                snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
                stored = self.snapshots.mapper.to_stored_event(snapshot_class.take(aggregate))  # type: ignore[union-attr]
                jobs.append(functools.partial(self.snapshots.recorder.insert_events, [stored]))  # type: ignore[union-attr]
        except Exception:
            log.exception("snapshot failed; the events are stored, loads replay more events")
        due = getattr(self._deferred, "snapshots", None)
        if due is not None:
            due.extend(jobs)
        else:
            self._write_snapshots(jobs)

    def _due_for_snapshots(
        self, processing_event: ProcessingEvent[UUID]
    ) -> list[tuple[Any, list[int]]]:
        """Each aggregate saved with the versions of it due a snapshot (the library's rule)."""
        if not (self.snapshots and self.snapshotting_intervals):
            return []
        due: dict[UUID, tuple[Any, list[int]]] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is not None and event.originator_version % interval == 0:
                due.setdefault(event.originator_id, (aggregate, []))[1].append(
                    event.originator_version
                )
        return list(due.values())

    def _snapshot_at(self, project_id: UUID, version: int) -> None:
        self.take_snapshot(project_id, version=version, projector_func=project_events)

    def _write_snapshots(self, jobs: list[Callable[[], None]]) -> None:
        for job in jobs:
            try:
                job()
            except Exception:
                log.exception("snapshot failed; the events are stored, loads replay more events")

    # ---- loading ------------------------------------------------------------------------

    def get_project(self, project_id: UUID, *, version: int | None = None) -> RenovationProject:
        """The project now, or as it stood at ``version``."""
        project = self._get(project_id, version=version)
        if version is not None and project.version < version:
            raise ProjectNotFoundError(project_id)
        return project

    def _event_at(self, project_id: UUID, version: int) -> ProjectEvent:
        return next(iter(self.events.get(project_id, gt=version - 1, lte=version)))  # type: ignore[return-value]

    def _get(self, project_id: UUID, *, version: int | None = None) -> RenovationProject:
        try:
            return self.repository.get(project_id, version=version, projector_func=project_events)
        except AggregateNotFoundError:
            raise ProjectNotFoundError(project_id) from None
