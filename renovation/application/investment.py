"""Investment spent: the command that records a payment out of a funding source."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from renovation.application.base import CommandResult
from renovation.domain.project import Actor


class InvestmentArea:
    """The investment's commands (mixed into the application)."""

    def record_spending(
        self,
        project_id: UUID,
        data: dict[str, Any],
        *,
        actor: Actor,
        expected_version: int | None = None,
        command_id: str | None = None,
    ) -> CommandResult:
        """Record a payment (source, amount, paid_on, purpose, voucher); the value is the
        source's planned and spent amounts after it, and whether spending is over the plan.
        A repeated command answers with the source's amounts as they are now."""
        app: Any = self
        return app.execute(
            project_id,
            lambda p: p.record_spending(
                source=data.get("source"),
                amount=data.get("amount"),
                paid_on=data.get("paid_on"),
                purpose=data.get("purpose"),
                voucher=data.get("voucher"),
                today=app.today(),
                actor=actor,
                command_id=command_id,
            ),
            expected_version=expected_version,
            command_id=command_id,
            replay=lambda event: app.get_project(project_id).investment_line(event.source),
        )
