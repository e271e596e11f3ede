"""Commands of construction milestones (节点), mixed into the application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from renovation.domain.project import Actor

if TYPE_CHECKING:
    from renovation.application.app import CommandResult


class MilestonesMixin:
    """Plan milestones, report their progress, delay and complete them, record supervisors."""

    execute: Callable[..., CommandResult]
    today: Callable[[], date]

    def plan_milestone(
        self,
        project_id: UUID,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: {
                "milestone_id": p.plan_milestone(
                    name=data["name"],
                    item_id=data["item_id"],
                    quantity=data["quantity"],
                    planned_start=data["planned_start"],
                    planned_finish=data["planned_finish"],
                    actor=actor,
                    command_id=command_id,
                )
            },
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda e: {"milestone_id": e.milestone_id},
        )

    def report_milestone_progress(
        self,
        project_id: UUID,
        milestone_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        today = self.today()
        return self.execute(
            project_id,
            lambda p: p.report_milestone_progress(
                milestone_id,
                done_quantity=data["done_quantity"],
                on_date=data.get("on_date") or today,
                today=today,
                note=data.get("note", ""),
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def delay_milestone(
        self,
        project_id: UUID,
        milestone_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.delay_milestone(
                milestone_id,
                planned_finish=data["planned_finish"],
                reason=data["reason"],
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def complete_milestone(
        self,
        project_id: UUID,
        milestone_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        today = self.today()
        return self.execute(
            project_id,
            lambda p: p.complete_milestone(
                milestone_id,
                on_date=data.get("on_date") or today,
                today=today,
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def record_supervisor_note(
        self,
        project_id: UUID,
        milestone_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        today = self.today()
        return self.execute(
            project_id,
            lambda p: p.record_supervisor_note(
                milestone_id,
                supervisor=data["supervisor"],
                note=data["note"],
                on_date=data.get("on_date") or today,
                today=today,
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )
