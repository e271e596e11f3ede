"""The eventsourcing Application: the areas composed, with the project's own commands and
its queries. The command contract, the clock and the rulesets are in ``base.py``."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from events.project import ProjectEvent
from renovation.application.acceptance import AcceptanceArea
from renovation.application.base import CommandResult, project_events
from renovation.application.errors import ProjectNotFoundError
from renovation.application.flat_import import FlatRegisterArea
from renovation.application.investment import InvestmentArea
from renovation.application.lifts import LiftsArea
from renovation.application.milestones import MilestonesArea
from renovation.application.participation import ParticipationArea
from renovation.domain.project import Actor, RenovationProject

# Chosen by benchmarks/bench_core.py: loading a 10,000-event project with snapshots every
# 100 events replays at most 99 events after the snapshot (see benchmarks/RESULTS.md).
SNAPSHOT_INTERVAL = 100
_ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:renovation:project")


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


__all__ = ["CommandResult", "RenovationApplication", "event_data", "project_events"]


class RenovationApplication(
    ParticipationArea, LiftsArea, MilestonesArea, AcceptanceArea, FlatRegisterArea, InvestmentArea
):
    """Commands and queries on renovation projects, over the library's own recorders."""

    name = "Renovation"
    snapshotting_intervals = {RenovationProject: SNAPSHOT_INTERVAL}
    snapshotting_projectors = {RenovationProject: project_events}

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

    def transition_project(
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
            lambda p: p.transition_to(
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

    def assign_programme(
        self,
        project_id: UUID,
        year: int,
        batch: str,
        *,
        actor: Actor,
        effective_on: date | None = None,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        """Put the project in a year's programme and batch (年度, 批次)."""
        return self.execute(
            project_id,
            lambda p: p.assign_programme(
                year, batch, actor=actor, command_id=command_id, effective_on=effective_on
            ),
            expected_version=expected_version,
            command_id=command_id,
        )

    # ---- queries --------------------------------------------------------------------

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
