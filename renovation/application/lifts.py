"""Commands and queries of lift retrofits."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from renovation.application.base import ApplicationBase, CommandResult
from renovation.domain.base import LOCAL_TZ
from renovation.domain.cost_shares import CostShareFlat, compute_cost_shares
from renovation.domain.deadlines import lift_deadlines
from renovation.domain.lifts import LiftStage
from renovation.domain.project import Actor, RenovationProject


class LiftsArea(ApplicationBase):
    """Willingness polls, stages, objections, cost shares and deadlines of lift retrofits."""

    def propose_lift(
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
                "lift_id": p.propose_lift(
                    building=data["building"],
                    unit=data["unit"],
                    veto_flats=data.get("veto_flats", []),
                    poll_opens_at=data["poll_opens_at"],
                    poll_closes_at=data["poll_closes_at"],
                    actor=actor,
                    command_id=command_id,
                )
            },
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda e: {"lift_id": e.lift_id},
        )

    def reopen_lift_poll(
        self,
        project_id: UUID,
        lift_id: str,
        data: dict[str, Any],
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.reopen_lift_poll(
                lift_id,
                poll_opens_at=data["poll_opens_at"],
                poll_closes_at=data["poll_closes_at"],
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def cast_lift_vote(
        self,
        project_id: UUID,
        lift_id: str,
        *,
        choice: str,
        actor: Actor,
        code: str | None = None,
        flat_id: str | None = None,
        effective_on: date | None = None,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """A flat's consent, by household code (residents) or by flat id (staff, on paper)."""

        def vote(project: RenovationProject, flat: str | None) -> None:
            project.cast_lift_vote(
                lift_id,
                flat_id=flat,
                choice=choice,
                now=self.now(),
                actor=actor,
                command_id=command_id,
                effective_on=effective_on,
            )

        return self.execute_vote(
            project_id,
            vote,
            code=code,
            flat_id=flat_id,
            command_id=command_id,
            expected_version=expected_version,
            check_first=lambda project: project.find_lift(lift_id),
        )

    def close_lift_poll(
        self,
        project_id: UUID,
        lift_id: str,
        *,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """Count the poll under the ruleset in force on the closing day."""

        def command(project: RenovationProject) -> dict[str, Any]:
            now = self.now()
            ruleset = self.ruleset_for(project, self.today())
            return project.close_lift_poll(
                lift_id, now=now, ruleset=ruleset, actor=actor, command_id=command_id
            )

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda e: e.result,
        )

    def transition_lift(
        self,
        project_id: UUID,
        lift_id: str,
        to_stage: str,
        *,
        on: date | None = None,
        details: dict[str, Any] | None = None,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        def command(project: RenovationProject) -> None:
            day = on or self.today()
            project.transition_lift(
                lift_id,
                to_stage,
                on=day,
                details=details or {},
                ruleset=self.ruleset_for(project, day),
                actor=actor,
                command_id=command_id,
            )

        return self.execute(
            project_id, command, command_id=command_id, expected_version=expected_version
        )

    def lodge_objection(
        self,
        project_id: UUID,
        lift_id: str,
        *,
        text: str,
        actor: Actor,
        code: str | None = None,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        objection_id = uuid.uuid4().hex[:12]

        def command(project: RenovationProject) -> dict[str, str]:
            flat = (
                project.flat_for_code(*self.household_code_digests(project_id, code))
                if code
                else None
            )
            project.lodge_objection(
                lift_id,
                objection_id,
                text=text,
                flat_id=flat,
                on=self.today(),
                actor=actor,
                command_id=command_id,
            )
            return {"objection_id": objection_id}

        return self.execute(
            project_id,
            command,
            command_id=command_id,
            expected_version=expected_version,
            replay=lambda e: {"objection_id": e.objection_id},
        )

    def answer_objection(
        self,
        project_id: UUID,
        lift_id: str,
        objection_id: str,
        *,
        outcome: str,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.answer_objection(
                lift_id,
                objection_id,
                outcome=outcome,
                reason=reason,
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    def record_lift_service(
        self,
        project_id: UUID,
        lift_id: str,
        *,
        kind: str,
        on: date,
        valid_until: date | None = None,
        actor: Actor,
        command_id: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self.execute(
            project_id,
            lambda p: p.record_lift_service(
                lift_id,
                kind=kind,
                on=on,
                valid_until=valid_until,
                actor=actor,
                command_id=command_id,
            ),
            command_id=command_id,
            expected_version=expected_version,
        )

    # ---- queries -------------------------------------------------------------------

    def lift_view(self, project_id: UUID, lift_id: str) -> dict[str, Any]:
        """Everything a lift page shows: stage, consent with its arithmetic, cost shares,
        notice dates, objections and the deadlines due or overdue today."""
        project = self.get_project(project_id)
        lift = project.find_lift(lift_id)
        today = self.today()
        if lift["result"] is not None:
            consent = lift["result"]
        else:
            day = min(today, lift["poll_closes_at"].astimezone(LOCAL_TZ).date())
            consent = project.lift_consent(lift_id, self.ruleset_for(project, day)).to_dict()
        flats = project.unit_flats(lift["building"], lift["unit"])
        return {
            **{
                k: lift[k]
                for k in (
                    "lift_id",
                    "building",
                    "unit",
                    "stage",
                    "poll_opens_at",
                    "poll_closes_at",
                    "poll_closed",
                    "veto_flats",
                    "notice_ends_on",
                    "objections_end_on",
                    "history",
                )
            },
            "project_id": str(project_id),
            "project_name": project.community["name"],
            "flats": [
                {
                    "flat_id": f["flat_id"],
                    "floor": f["floor"],
                    "area": f["area"],
                    "vote": lift["votes"].get(f["flat_id"], {}).get("choice"),
                    "holds_veto": f["flat_id"] in lift["veto_flats"],
                }
                for f in flats
            ],
            "consent": consent,
            "agreement": lift["details"].get(LiftStage.AGREEMENT_SIGNED.value),
            "cost_sharing_agreed": lift.get("cost_sharing_agreed"),
            "objections": list(lift["objections"].values()),
            "deadlines": [
                {"name": d.name, "due": d.due, "status": str(d.status(today)), "basis": d.basis}
                for d in self._lift_deadlines(lift)
            ],
            "today": today,
        }

    def lift_cost_shares(self, project_id: UUID, lift_id: str) -> dict[str, Any]:
        """Each flat's share: floor coefficient × area × cost per m², subsidy deducted first;
        the coefficients the unit's owners agreed, else the ruleset's reference table.

        Refused (BudgetMissingError) until the agreement records a budget.
        """
        project = self.get_project(project_id)
        lift = project.find_lift(lift_id)
        agreement = lift["details"].get(LiftStage.AGREEMENT_SIGNED.value) or {}
        budget = agreement.get("budget")
        ruleset = self.ruleset_for(project, self.today())
        subsidy = agreement.get("subsidy")
        agreed = lift.get("cost_sharing_agreed")
        result = compute_cost_shares(
            [
                CostShareFlat(f["flat_id"], f["floor"], Decimal(f["area"]))
                for f in project.unit_flats(lift["building"], lift["unit"])
            ],
            Decimal(budget) if budget is not None else None,
            Decimal(subsidy) if subsidy is not None else None,
            ruleset,
            agreed=None
            if agreed is None
            else {int(f): Decimal(c) for f, c in agreed["floor_coefficients"].items()},
        )
        return result.to_dict()

    def lift_alerts(self, project_id: UUID, *, within_days: int = 14) -> list[dict[str, Any]]:
        """The project's lift deadlines that are overdue, or due within ``within_days``."""
        today = self.today()
        alerts = []
        for lift_id, lift in self.get_project(project_id).lifts.items():
            for deadline in self._lift_deadlines(lift):
                status = str(deadline.status(today))
                if status == "overdue" or (
                    status == "due" and (deadline.due - today).days <= within_days
                ):
                    alerts.append(
                        {
                            "lift_id": lift_id,
                            "name": deadline.name,
                            "due": deadline.due,
                            "status": status,
                        }
                    )
        return alerts

    @staticmethod
    def _lift_deadlines(lift: dict[str, Any]) -> list:
        def on(stage: LiftStage) -> date | None:
            return (lift["details"].get(stage.value) or {}).get("on")

        service = lift["service"]
        return lift_deadlines(
            accepted_on=on(LiftStage.COMPLETION_ACCEPTED),
            documents_handed_over_on=on(LiftStage.DOCUMENTS_HANDED_OVER),
            use_registered_on=on(LiftStage.USE_REGISTERED),
            last_maintenance_on=service.get("maintenance") or on(LiftStage.IN_SERVICE),
            inspection_valid_until=service.get("inspection_valid_until"),
            inspection_requested_on=service.get("inspection_requested"),
        )
