"""Commands on one project that queue up in one process, decided in turn and stored together.

A process decides one project's commands one at a time (its per-project lock), and each waits
for the one before it to be stored: on a busy project (issue 12: 50 residents on one compound)
the commands queue behind one durable commit each. Here the commands queued while the lock was
held are taken together by the first of them to get it: each is decided in turn on the project,
seeing the events of the ones before it, exactly as if they had run one after the other, and
their events are stored in one append. Each caller gets its own answer: its version, the
position of its own last event, its own value.

What a batch does not decide stays with the one-command path (``ApplicationBase._execute_alone``),
run after the batch, so its rules hold unchanged: a command seen before (a replay), a stale
If-Match, a refusal, and a command that stores nothing, all answered from the project as stored.
A command that fails after changing the project spoils the copy: the whole batch then runs one
command at a time. A batch that collides with another process's append is decided again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from renovation.application.errors import ConcurrencyError
from renovation.domain.errors import DomainError

if TYPE_CHECKING:
    from renovation.application.base import ApplicationBase, CommandResult


@dataclass(eq=False)
class Queued:
    """One caller's command waiting for its turn."""

    command: Callable[[Any], Any]
    expected_version: int | None
    command_id: str | None
    replay: Callable[[Any], Any] | None
    result: CommandResult | None = None
    error: BaseException | None = None
    alone: bool = False  # to run on the one-command path, after the batch
    done: bool = False


def run_batch(app: ApplicationBase, project_id: UUID, batch: list[Queued]) -> None:
    """Decide and store the batch (the caller holds the project's lock); every command ends
    ``done`` with its result or error, or marked ``alone``."""
    with app._writers_in_turn(project_id) as fresh:
        _run_batch(app, project_id, batch, fresh)


def _run_batch(app: ApplicationBase, project_id: UUID, batch: list[Queued], fresh: bool) -> None:
    from renovation.application.base import MAX_ATTEMPTS, RETRY_PAUSE

    for attempt in range(MAX_ATTEMPTS):
        project = app._load_for_command(project_id, fresh=fresh)
        decided = _decide(app, project, batch, fresh)
        if decided is None:  # the copy is spoilt: one command at a time
            app._forget(project_id)
            for queued in batch:
                queued.alone = not queued.done
            return
        if not decided:
            app._remember(project)
            return
        pending = list(project.pending_events)
        try:
            recordings = app.save(project)
        except IntegrityError:
            if app._stored_already(project_id, pending):  # ours, its answer lost (issue 12)
                app._remember(project)
                _answer(project_id, decided, None)
                return
            app._forget(project_id)
            app._mark_contended(project_id, fresh=fresh)
            fresh = True
            time.sleep(random.uniform(0, RETRY_PAUSE * 2 ** min(attempt, 6)))
            continue
        except BaseException as error:
            app._forget(project_id)
            for queued, *_rest in decided:
                queued.error, queued.done = error, True
            return
        app._remember(project)
        _answer(project_id, decided, recordings)
        return
    for queued in batch:
        if not (queued.alone or queued.done):
            queued.error, queued.done = ConcurrencyError(project_id), True


def _decide(
    app: ApplicationBase, project: Any, batch: list[Queued], fresh: bool
) -> list[tuple[Queued, Any, int, int, int]] | None:
    """Each command in turn on ``project``: (command, value, version after it, events pending
    before and after it) for those decided here; None when a failure left the project changed."""
    decided = []
    for queued in batch:
        if queued.alone or queued.done:
            continue
        seen = queued.command_id and project.version_of_command(queued.command_id) is not None
        stale = queued.expected_version is not None and project.version != queued.expected_version
        if seen or stale:
            queued.alone = True
            continue
        before = len(project.pending_events)
        try:
            value = queued.command(project)
        except DomainError:
            if len(project.pending_events) != before:
                return None
            queued.alone = True  # refused: the one-command path checks the store first
            continue
        except BaseException as error:
            if len(project.pending_events) != before:
                return None
            queued.error, queued.done = error, True
            continue
        after = len(project.pending_events)
        if after == before and not fresh:
            queued.alone = True  # stores nothing: answered from the project as stored
            continue
        decided.append((queued, value, project.version, before, after))
    return decided


def _answer(
    project_id: UUID, decided: list[tuple[Queued, Any, int, int, int]], recordings: list | None
) -> None:
    from renovation.application.base import CommandResult

    for queued, value, version, before, after in decided:
        position = None
        if recordings and after > before:
            position = recordings[after - 1].notification.id
        queued.result = CommandResult(project_id, version, position=position, value=value)
        queued.done = True
