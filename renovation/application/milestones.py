"""Commands of construction milestones (节点)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from renovation.application.base import ApplicationBase, CommandResult
from renovation.domain.project import Actor


class MilestonesArea(ApplicationBase):
    """Plan milestones, report their progress, delay and complete them, record supervisors."""

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
        """The running total built; ``on_date`` defaults to today and may not be later."""
        today = self.today()
        fields = {"done_quantity": data["done_quantity"], "note": data.get("note", "")}
        return self._on_milestone(
            "report_milestone_progress",
            project_id,
            milestone_id,
            {**fields, "on_date": data.get("on_date") or today, "today": today},
            actor=actor,
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
        """A later planned finish, with the reason that is published."""
        fields = {"planned_finish": data["planned_finish"], "reason": data["reason"]}
        return self._on_milestone(
            "delay_milestone",
            project_id,
            milestone_id,
            fields,
            actor=actor,
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
        """Completion on ``on_date`` (default today) once the whole quantity is reported."""
        today = self.today()
        return self._on_milestone(
            "complete_milestone",
            project_id,
            milestone_id,
            {"on_date": data.get("on_date") or today, "today": today},
            actor=actor,
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
        """A resident supervisor's note, dated ``on_date`` (default today)."""
        today = self.today()
        fields = {"supervisor": data["supervisor"], "note": data["note"]}
        return self._on_milestone(
            "record_supervisor_note",
            project_id,
            milestone_id,
            {**fields, "on_date": data.get("on_date") or today, "today": today},
            actor=actor,
            command_id=command_id,
            expected_version=expected_version,
        )

    def _on_milestone(
        self,
        command: str,
        project_id: UUID,
        milestone_id: str,
        fields: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None,
        expected_version: int | None,
    ) -> CommandResult:
        """Run the aggregate's milestone ``command`` on one milestone with ``fields``."""
        return self.execute(
            project_id,
            lambda p: getattr(p, command)(
                milestone_id, **fields, actor=actor, command_id=command_id
            ),
            command_id=command_id,
            expected_version=expected_version,
        )
