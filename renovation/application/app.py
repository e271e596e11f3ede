"""The eventsourcing Application: one method per command, one per query."""

from __future__ import annotations

import bisect
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from events.project import ProjectEvent
from renovation.application.errors import (
    ConcurrencyError,
    ProjectNotFoundError,
    StaleVersionError,
)
from renovation.application.lifts import LiftsMixin
from renovation.application.milestones import MilestonesMixin
from renovation.application.participation import ParticipationMixin
from renovation.domain.project import Actor, RenovationProject

log = logging.getLogger(__name__)

# Chosen by benchmarks/bench_core.py: loading a 10,000-event project with snapshots every
# 100 events replays at most 99 events after the snapshot (see benchmarks/RESULTS.md).
SNAPSHOT_INTERVAL = 100
MAX_ATTEMPTS = 30
RETRY_PAUSE = 0.002  # seconds; doubles with each attempt, up to 64 times
# Projects kept decided-upon in memory by each process (see ``_load_for_command``).
COMMAND_CACHE_SIZE = 1000
_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:renovation:project")


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


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


class RenovationApplication(ParticipationMixin, LiftsMixin, MilestonesMixin, Application[UUID]):
    """Commands and queries on renovation projects, over the library's own recorders."""

    name = "Renovation"
    snapshotting_intervals = {RenovationProject: SNAPSHOT_INTERVAL}
    snapshotting_projectors = {RenovationProject: project_events}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._locks: dict[UUID, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._command_cache: OrderedDict[UUID, RenovationProject] = OrderedDict()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- commands -------------------------------------------------------------------

    def register_project(
        self, data: dict[str, Any], *, actor: Actor, command_id: str | None = None
    ) -> CommandResult:
        """Register a project; a repeated ``command_id`` returns the project it made."""
        project_id = uuid5(_ID_NAMESPACE, f"{actor.id}:{command_id}") if command_id else uuid4()
        if command_id and project_id in self.repository:
            return CommandResult(project_id, self._get(project_id).version, replayed=True)
        project = RenovationProject.register(
            community=data["community"],
            buildings=data.get("buildings", []),
            content_items=data.get("content_items", []),
            budget=data.get("budget", []),
            planned_start=data.get("planned_start"),
            planned_finish=data.get("planned_finish"),
            actor=actor,
            project_id=project_id,
            command_id=command_id,
            effective_on=data.get("effective_on"),
        )
        try:
            recordings = self.save(project)
        except IntegrityError:
            if command_id:  # the same request raced itself: the first one won
                return CommandResult(project_id, self._get(project_id).version, replayed=True)
            raise
        return CommandResult(project_id, project.version, position=recordings[-1].notification.id)

    def move_project(
        self,
        project_id: UUID,
        to_stage: str,
        *,
        actor: Actor,
        note: str = "",
        effective_on: date | None = None,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.move_to(
                to_stage, actor=actor, note=note, command_id=command_id, effective_on=effective_on
            ),
            expected_version=expected_version,
            command_id=command_id,
        )

    def record_progress(
        self,
        project_id: UUID,
        item_id: str,
        actual_quantity: Decimal,
        *,
        actor: Actor,
        note: str = "",
        effective_on: date | None = None,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.record_progress(
                item_id,
                actual_quantity,
                actor=actor,
                note=note,
                command_id=command_id,
                effective_on=effective_on,
            ),
            expected_version=expected_version,
            command_id=command_id,
        )

    def execute(
        self,
        project_id: UUID,
        command: Callable[[RenovationProject], Any],
        *,
        expected_version: int | None = None,
        command_id: str | None = None,
        replay: Callable[[ProjectEvent], Any] | None = None,
    ) -> CommandResult:
        """Load, decide, save; retry when another process wrote the project meanwhile.

        A command whose ``command_id`` the project has seen is not run again: the result
        says ``replayed`` and ``replay`` rebuilds its value from the first event it made.

        A per-project lock keeps this process's own writers in line (DESIGN.md measured the
        retries it saves); other processes are caught by the store's optimistic concurrency.
        """
        with self._lock_for(project_id):
            for _attempt in range(MAX_ATTEMPTS):
                project = self._load_for_command(project_id)
                try:
                    done = project.version_of_command(command_id)
                    if done is not None:
                        value = replay(self._event_at(project_id, done)) if replay else None
                        return CommandResult(project_id, done, replayed=True, value=value)
                    if expected_version is not None and project.version != expected_version:
                        raise StaleVersionError(expected_version, project.version)
                    value = command(project)
                    recordings = self.save(project)
                except IntegrityError:
                    # Another process appended first: reload and decide again, after a
                    # jittered pause so the two do not collide again at once.
                    self._forget(project_id)
                    time.sleep(random.uniform(0, RETRY_PAUSE * 2 ** min(_attempt, 6)))
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

    def _load_for_command(self, project_id: UUID) -> RenovationProject:
        """The project as last decided by this process, brought up to date with the store.

        Only called under the project's lock, and a project is dropped from the cache on any
        failure, so no half-decided state is ever reused. Other processes' events are
        replayed onto it (one query, usually returning nothing), so it is never stale; this
        spares each command the snapshot load and the replay of up to SNAPSHOT_INTERVAL events.
        """
        with self._locks_guard:
            project = self._command_cache.pop(project_id, None)
        if project is None:
            return self._get(project_id)
        for event in self.events.get(project_id, gt=project.version):
            event.mutate(project)
        return project

    def _remember(self, project: RenovationProject) -> None:
        with self._locks_guard:
            self._command_cache[project.id] = project
            self._command_cache.move_to_end(project.id)
            while len(self._command_cache) > COMMAND_CACHE_SIZE:
                self._command_cache.popitem(last=False)

    def _forget(self, project_id: UUID) -> None:
        with self._locks_guard:
            self._command_cache.pop(project_id, None)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # The events are stored by now: a failed snapshot must not make the command look
        # failed, or a client's retry would store its events twice (DESIGN.md pitfalls).
        try:
            super()._take_snapshots(processing_event)
        except Exception:
            log.exception("snapshot failed; the events are stored, loads replay more events")

    def _lock_for(self, project_id: UUID) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(project_id, threading.Lock())

    # ---- queries --------------------------------------------------------------------

    def get_project(self, project_id: UUID, *, version: int | None = None) -> RenovationProject:
        """The project now, or as it stood at ``version``."""
        project = self._get(project_id, version=version)
        if version is not None and project.version < version:
            raise ProjectNotFoundError(project_id)
        return project

    def get_project_as_of(self, project_id: UUID, as_of: datetime) -> RenovationProject:
        """The project as it was recorded at ``as_of`` (by recording time, not effective date).

        Bisects the aggregate's event timestamps one stored event at a time, then loads that
        version, which uses the nearest snapshot at or below it.
        """
        latest = self._get(project_id)
        versions = range(1, latest.version + 1)
        position = bisect.bisect_right(
            versions, as_of, key=lambda v: self._timestamp(project_id, v)
        )
        if position == 0:
            raise ProjectNotFoundError(project_id)
        return self._get(project_id, version=versions[position - 1])

    def project_history(
        self, project_id: UUID, *, after_version: int = 0, limit: int | None = None
    ) -> Iterator[ProjectEvent]:
        """The project's events in order, from the event store itself."""
        if project_id not in self.repository:
            raise ProjectNotFoundError(project_id)
        return self.events.get(project_id, gt=after_version, limit=limit)  # type: ignore[return-value]

    def _timestamp(self, project_id: UUID, version: int) -> datetime:
        return self._event_at(project_id, version).timestamp

    def _event_at(self, project_id: UUID, version: int) -> ProjectEvent:
        return next(iter(self.events.get(project_id, gt=version - 1, lte=version)))  # type: ignore[return-value]

    def _get(self, project_id: UUID, *, version: int | None = None) -> RenovationProject:
        try:
            return self.repository.get(project_id, version=version, projector_func=project_events)
        except AggregateNotFoundError:
            raise ProjectNotFoundError(project_id) from None


def event_data(event: ProjectEvent) -> dict[str, Any]:
    """An event's own fields, without the bookkeeping every event has."""
    skip = {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "actor_id",
        "actor_role",
        "channel",
        "effective_on",
        "command_id",
    }
    return {k: v for k, v in vars(event).items() if k not in skip}
