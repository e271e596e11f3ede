"""Construction milestones (节点): plan, progress, delays, completion, supervisors' notes.

A milestone builds a stated quantity of one content item. Its progress is derived from the
cumulative quantity reported, never typed as a percentage; it completes when the reported
quantity reaches its own. The project leaves construction only when every milestone is done.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from events.construction import (
    MilestoneCompleted,
    MilestoneDelayed,
    MilestonePlanned,
    MilestoneProgressReported,
    SupervisorNoteRecorded,
)
from renovation.domain.base import MAX_NAME, MAX_NOTE, Actor, Folding, folds, provenance
from renovation.domain.errors import DomainError, StageGateError, UnknownContentItemError
from renovation.domain.stages import Stage

# Milestones are planned once the project is in the plan, and until construction ends.
PLANNING_STAGES = {
    Stage.IN_PLAN.value,
    Stage.DESIGN.value,
    Stage.PLAN_PUBLICIZED.value,
    Stage.PLAN_APPROVED.value,
    Stage.UNDER_CONSTRUCTION.value,
}
SUPERVISION_STAGES = {
    Stage.UNDER_CONSTRUCTION.value,
    Stage.ACCEPTANCE_INSPECTION.value,
    Stage.RECTIFICATION.value,
}


class UnknownMilestoneError(DomainError):
    code = "unknown_milestone"


def progress_percent(done: Decimal, quantity: Decimal) -> int:
    """Whole per cent of ``quantity`` done, rounded down (99.6 % is not yet 100 %)."""
    if quantity <= 0:
        return 0
    return min(int(done * 100 // quantity), 100)


def amount(value: Decimal) -> str:
    """A quantity as plain text for a refusal's parameters: ``600``, ``12.5``."""
    return format(value.normalize() if value == value.to_integral() else value, "f")


def item_done(milestones: Any, item_id: str) -> Decimal:
    """What the milestones of one content item have built between them."""
    return sum(
        (Decimal(m["done_quantity"]) for m in milestones if m["item_id"] == item_id), Decimal(0)
    )


class MilestonesPart(Folding):
    """The works' milestones, each a share of one content item."""

    milestones: dict[str, dict[str, Any]]
    content_items: list[dict[str, Any]]
    stage: str

    def plan_milestone(
        self,
        *,
        name: str,
        item_id: str,
        quantity: Decimal,
        planned_start: date,
        planned_finish: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> str:
        """Plan a milestone; the milestones of one item may not add up to more than its plan."""
        self._require_stage(PLANNING_STAGES, "requires_in_plan", "milestone_planning_closed")
        name = (name or "").strip()
        if not name or len(name) > MAX_NAME:
            raise DomainError("length_between", field="name", min=1, max=MAX_NAME)
        if any(m["name"] == name for m in self.milestones.values()):
            raise DomainError("milestone_exists", field="name", name=name)
        item = next((i for i in self.content_items if i["id"] == item_id), None)
        if item is None:
            raise UnknownContentItemError("unknown_content_item", field="item_id", item_id=item_id)
        if not quantity.is_finite() or quantity <= 0:
            raise DomainError("must_be_positive", field="quantity")
        planned_elsewhere = sum(
            (m["quantity"] for m in self.milestones.values() if m["item_id"] == item_id),
            Decimal(0),
        )
        left = Decimal(item["planned_quantity"]) - planned_elsewhere
        if quantity > left:
            raise DomainError(
                "item_quantity_left",
                field="quantity",
                item_id=item_id,
                item=item["item"],
                left=amount(left),
                unit=item["unit"],
            )
        if planned_finish < planned_start:
            raise DomainError(
                "finish_before_start", field="planned_finish", planned_start=planned_start
            )
        milestone_id = f"milestone-{len(self.milestones) + 1}"
        self.trigger_event(
            MilestonePlanned,
            milestone_id=milestone_id,
            name=name,
            item_id=item_id,
            quantity=quantity,
            planned_start=planned_start,
            planned_finish=planned_finish,
            **provenance(actor, command_id, None),
        )
        return milestone_id

    def report_milestone_progress(
        self,
        milestone_id: str,
        *,
        done_quantity: Decimal,
        on_date: date,
        today: date,
        note: str = "",
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Report the quantity built so far; a lower figure than before is a correction."""
        milestone = self._open_milestone(milestone_id)
        self._require_stage(
            {Stage.UNDER_CONSTRUCTION.value},
            "requires_under_construction",
            "milestone_progress_closed",
        )
        if not done_quantity.is_finite() or done_quantity < 0:
            raise DomainError("must_not_be_negative", field="done_quantity")
        if done_quantity > milestone["quantity"]:
            raise DomainError(
                "more_than_milestone",
                field="done_quantity",
                quantity=amount(milestone["quantity"]),
            )
        _check_day(milestone, on_date, today)
        if done_quantity < milestone["done_quantity"] and not note.strip():
            raise DomainError(
                "correction_reason_required",
                field="note",
                last_quantity=amount(milestone["done_quantity"]),
            )
        if len(note) > MAX_NOTE:
            raise DomainError("too_long", field="note", max=MAX_NOTE)
        self.trigger_event(
            MilestoneProgressReported,
            milestone_id=milestone_id,
            done_quantity=done_quantity,
            on_date=on_date,
            note=note.strip(),
            **provenance(actor, command_id, on_date),
        )

    def delay_milestone(
        self,
        milestone_id: str,
        *,
        planned_finish: date,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Move the planned finish later; the reason is published with it."""
        milestone = self._open_milestone(milestone_id)
        if planned_finish <= milestone["planned_finish"]:
            raise DomainError(
                "delay_not_later",
                field="planned_finish",
                planned_finish=milestone["planned_finish"],
            )
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("reason_required", field="reason")
        if len(reason) > MAX_NOTE:
            raise DomainError("too_long", field="reason", max=MAX_NOTE)
        self.trigger_event(
            MilestoneDelayed,
            milestone_id=milestone_id,
            planned_finish=planned_finish,
            reason=reason,
            **provenance(actor, command_id, None),
        )

    def complete_milestone(
        self,
        milestone_id: str,
        *,
        on_date: date,
        today: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Complete a milestone whose reported quantity has reached its own."""
        milestone = self._open_milestone(milestone_id)
        self._require_stage(
            {Stage.UNDER_CONSTRUCTION.value},
            "requires_under_construction",
            "milestone_completion_closed",
        )
        if milestone["done_quantity"] < milestone["quantity"]:
            raise DomainError(
                "milestone_not_fully_reported",
                field="milestone_id",
                percent=progress_percent(milestone["done_quantity"], milestone["quantity"]),
                done_quantity=amount(milestone["done_quantity"]),
                quantity=amount(milestone["quantity"]),
            )
        _check_day(milestone, on_date, today)
        self.trigger_event(
            MilestoneCompleted,
            milestone_id=milestone_id,
            on_date=on_date,
            **provenance(actor, command_id, on_date),
        )

    def record_supervisor_note(
        self,
        milestone_id: str,
        *,
        supervisor: str,
        note: str,
        on_date: date,
        today: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """A resident supervisor's inspection note (建设共管), entered by staff."""
        self.find_milestone(milestone_id)
        self._require_stage(
            SUPERVISION_STAGES, "requires_under_construction", "supervisor_notes_closed"
        )
        supervisor = (supervisor or "").strip()
        if not supervisor or len(supervisor) > MAX_NAME:
            raise DomainError("length_between", field="supervisor", min=1, max=MAX_NAME)
        note = (note or "").strip()
        if not note or len(note) > MAX_NOTE:
            raise DomainError("length_between", field="note", min=1, max=MAX_NOTE)
        _check_not_future(on_date, today)
        self.trigger_event(
            SupervisorNoteRecorded,
            milestone_id=milestone_id,
            supervisor=supervisor,
            note=note,
            on_date=on_date,
            **provenance(actor, command_id, on_date),
        )

    # ---- queries --------------------------------------------------------------------

    def find_milestone(self, milestone_id: str) -> dict[str, Any]:
        try:
            return self.milestones[milestone_id]
        except KeyError:
            raise UnknownMilestoneError(
                "unknown_milestone", field="milestone_id", milestone_id=milestone_id
            ) from None

    def milestones_unfinished(self) -> list[str]:
        return [m["name"] for m in self.milestones.values() if m["completed_on"] is None]

    def _open_milestone(self, milestone_id: str) -> dict[str, Any]:
        milestone = self.find_milestone(milestone_id)
        if milestone["completed_on"] is not None:
            raise DomainError(
                "milestone_completed",
                field="milestone_id",
                completed_on=milestone["completed_on"],
            )
        return milestone

    def _require_stage(self, stages: set[str], gate: str, code: str) -> None:
        """Refuse with ``code`` (which says when the command is allowed) outside ``stages``."""
        if self.stage not in stages:
            raise StageGateError(code, gate=gate, from_stage=self.stage, to_stage=self.stage)

    # ---- state changes --------------------------------------------------------------

    @folds(MilestonePlanned)
    def _fold_milestone_planned(self, event: MilestonePlanned) -> None:
        self.milestones[event.milestone_id] = {
            "milestone_id": event.milestone_id,
            "name": event.name,
            "item_id": event.item_id,
            "quantity": Decimal(event.quantity),
            "planned_start": event.planned_start,
            "planned_finish": event.planned_finish,
            "done_quantity": Decimal(0),
            "reports": [],
            "completed_on": None,
        }

    @folds(MilestoneProgressReported)
    def _fold_milestone_progress_reported(self, event: MilestoneProgressReported) -> None:
        milestone = self.milestones[event.milestone_id]
        milestone["done_quantity"] = Decimal(event.done_quantity)
        milestone["reports"].append({"on": event.on_date, "done": Decimal(event.done_quantity)})
        # An item with milestones has, as its actual quantity, what its milestones have built.
        item = next(i for i in self.content_items if i["id"] == milestone["item_id"])
        item["actual_quantity"] = item_done(self.milestones.values(), milestone["item_id"])

    @folds(MilestoneDelayed)
    def _fold_milestone_delayed(self, event: MilestoneDelayed) -> None:
        self.milestones[event.milestone_id]["planned_finish"] = event.planned_finish

    @folds(MilestoneCompleted)
    def _fold_milestone_completed(self, event: MilestoneCompleted) -> None:
        self.milestones[event.milestone_id]["completed_on"] = event.on_date

    @folds(SupervisorNoteRecorded)
    def _fold_supervisor_note_recorded(self, event: SupervisorNoteRecorded) -> None:
        pass  # the note is for the record and the read model; no rule depends on it


def _check_not_future(on_date: date, today: date) -> None:
    if on_date > today:
        raise DomainError("date_after_today", field="on_date", today=today)


def _check_day(milestone: dict[str, Any], on_date: date, today: date) -> None:
    """Reports and the completion are dated no later than today, in the order they happened."""
    _check_not_future(on_date, today)
    last = milestone["reports"][-1]["on"] if milestone["reports"] else None
    if last is not None and on_date < last:
        raise DomainError("before_last_report", field="on_date", last_report_on=last)
