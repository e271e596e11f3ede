"""Rectification items (整改项) found by the acceptance meeting, and their workflow.

opened → work required → ready for review → closed when every co-approver (the supervision
unit and any resident supervisors the meeting chose) has approved; a co-approver may instead
send it back to work required, with a reason. Only a co-approver approves or reopens; staff
may enter a co-approver's paper sign-off, marked as made on their behalf.
"""

from __future__ import annotations

from typing import Any

from events.acceptance import (
    RectificationApproved,
    RectificationItemClosed,
    RectificationReadyForReview,
    RectificationReopened,
    RectificationWorkRequired,
)
from renovation.domain.base import Actor, Folding, folds, provenance
from renovation.domain.errors import ConflictError, DomainError, NotFoundError
from renovation.domain.parts.acceptance import checked_photos, note_text, step


class RectificationPart(Folding):
    """The rectification items and who approved them."""

    rectification_items: dict[str, dict[str, Any]]

    # ---- rectification workflow -----------------------------------------------------

    def require_rectification_work(
        self, item_id: str, *, note: str = "", actor: Actor, command_id: str | None = None
    ) -> None:
        item = self.find_rectification_item(item_id)
        self._require_item_status(item, ("opened",))
        self.trigger_event(
            RectificationWorkRequired,
            item_id=item_id,
            note=note_text(note),
            **provenance(actor, command_id, None),
        )

    def report_rectification_done(
        self,
        item_id: str,
        *,
        note: str = "",
        photos: list[str] | None = None,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        item = self.find_rectification_item(item_id)
        self._require_item_status(item, ("opened", "work_required"))
        photos = checked_photos(photos)
        self.trigger_event(
            RectificationReadyForReview,
            item_id=item_id,
            note=note_text(note),
            photos=photos,
            **provenance(actor, command_id, None),
        )

    def approve_rectification(
        self,
        item_id: str,
        *,
        approver: str,
        on_behalf: bool,
        note: str = "",
        actor: Actor,
        command_id: str | None = None,
    ) -> bool:
        """One co-approver approves; the item closes when all have. Returns whether it closed."""
        item = self.find_rectification_item(item_id)
        self._require_co_approver(item, approver)
        self._require_item_status(item, ("ready_for_review",))
        if approver in item["approved_by"]:
            raise ConflictError("already_approved", field="approver")
        self.trigger_event(
            RectificationApproved,
            item_id=item_id,
            approver=approver,
            on_behalf=on_behalf,
            note=note_text(note),
            **provenance(actor, command_id, None),
        )
        if set(item["co_approvers"]) <= set(item["approved_by"]):
            self.trigger_event(
                RectificationItemClosed, item_id=item_id, **provenance(actor, command_id, None)
            )
            return True
        return False

    def reopen_rectification(
        self,
        item_id: str,
        *,
        approver: str,
        on_behalf: bool,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        item = self.find_rectification_item(item_id)
        self._require_co_approver(item, approver)
        self._require_item_status(item, ("ready_for_review",))
        reason = note_text(reason, "reason")
        if not reason:
            raise DomainError("reason_required", field="reason")
        self.trigger_event(
            RectificationReopened,
            item_id=item_id,
            approver=approver,
            on_behalf=on_behalf,
            reason=reason,
            **provenance(actor, command_id, None),
        )

    # ---- queries --------------------------------------------------------------------

    def find_rectification_item(self, item_id: str) -> dict[str, Any]:
        try:
            return self.rectification_items[item_id]
        except KeyError:
            raise NotFoundError(
                "unknown_rectification_item", field="item_id", item_id=item_id
            ) from None

    def _require_item_status(self, item: dict[str, Any], statuses: tuple[str, ...]) -> None:
        if item["status"] not in statuses:
            raise ConflictError(
                "rectification_item_status",
                field="item_id",
                item_id=item["item_id"],
                item_status=item["status"],
            )

    def _require_co_approver(self, item: dict[str, Any], approver: str) -> None:
        if approver not in item["co_approvers"]:
            raise DomainError("not_co_approver", field="approver", item_id=item["item_id"])

    # ---- state changes --------------------------------------------------------------

    def _item_step(self, event: Any, status: str | None, **extra: Any) -> dict[str, Any]:
        item = self.rectification_items[event.item_id]
        if status is not None:
            item["status"] = status
        item["history"].append({**step(event, status or item["status"]), **extra})
        return item

    @folds(RectificationWorkRequired)
    def _fold_work_required(self, event: RectificationWorkRequired) -> None:
        self._item_step(event, "work_required", note=event.note)

    @folds(RectificationReadyForReview)
    def _fold_ready_for_review(self, event: RectificationReadyForReview) -> None:
        item = self._item_step(event, "ready_for_review", note=event.note, photos=event.photos)
        item["photos"].extend(p for p in event.photos if p not in item["photos"])

    @folds(RectificationApproved)
    def _fold_approved(self, event: RectificationApproved) -> None:
        item = self._item_step(
            event, None, approver=event.approver, on_behalf=event.on_behalf, note=event.note
        )
        item["approved_by"].append(event.approver)

    @folds(RectificationItemClosed)
    def _fold_item_closed(self, event: RectificationItemClosed) -> None:
        self._item_step(event, "closed")

    @folds(RectificationReopened)
    def _fold_reopened(self, event: RectificationReopened) -> None:
        item = self._item_step(
            event,
            "work_required",
            approver=event.approver,
            on_behalf=event.on_behalf,
            reason=event.reason,
            reopened=True,
        )
        item["approved_by"] = []
