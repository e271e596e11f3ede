"""Residents' supervision, photos of the works, and the hand-over to long-term management.

Resident supervisors (居民监督员) are residents of the compound whom staff appoint; their
names are sealed in the personal-data vault, pages show their role label. They record
inspection notes (or staff enter a paper note on their behalf, marked as such) and
co-approve rectification items where the acceptance meeting chose them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from events.acceptance import (
    HandoverRecorded,
    InspectionNoteRecorded,
    PhotosAttached,
    ResidentSupervisorAppointed,
)
from renovation.domain.base import MAX_NAME, MAX_NOTE, Actor, Folding, folds, provenance
from renovation.domain.errors import (
    DomainError,
    InvalidProjectDataError,
    NotFoundError,
    Problem,
    StageGateError,
    add_problem,
)
from renovation.domain.parts.acceptance import checked_photos
from renovation.domain.stages import Stage

MANAGER_KINDS = ("property_company", "community", "owners_self_management")
PHOTO_SUBJECTS = ("milestone", "rectification_item")
MAX_SUPERVISORS = 50
HANDOVER_STAGES = {
    Stage.ACCEPTED.value,
    Stage.EVALUATION.value,
    Stage.LONG_TERM_MANAGEMENT.value,
}


class SupervisionPart(Folding):
    """Resident supervisors and their notes, photos of the works, the hand-over."""

    stage: str
    supervisors: dict[str, dict[str, Any]]
    inspection_notes: list[dict[str, Any]]
    photos: dict[str, list[dict[str, Any]]]  # "<subject>:<id>" → photos with captions
    handover: dict[str, Any] | None
    milestones: dict[str, dict[str, Any]]
    rectification_items: dict[str, dict[str, Any]]

    def appoint_supervisor(
        self,
        *,
        role_label: str,
        name_key: str,
        name_sealed: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> str:
        """Appoint a resident supervisor; the caller seals the name in the vault first."""
        role_label = (role_label or "").strip()
        if not role_label or len(role_label) > MAX_NAME:
            raise DomainError("length_between", field="role_label", min=1, max=MAX_NAME)
        if len(self.supervisors) >= MAX_SUPERVISORS:
            raise DomainError("too_many", field="role_label", max=MAX_SUPERVISORS)
        supervisor_id = f"supervisor-{len(self.supervisors) + 1}"
        self.trigger_event(
            ResidentSupervisorAppointed,
            supervisor_id=supervisor_id,
            role_label=role_label,
            name_key=name_key,
            name_sealed=name_sealed,
            **provenance(actor, command_id, None),
        )
        return supervisor_id

    def record_inspection_note(
        self,
        *,
        supervisor_id: str,
        on_date: date,
        text: str,
        photos: list[str] | None,
        milestone_id: str | None,
        item_id: str | None,
        on_behalf: bool,
        actor: Actor,
        command_id: str | None = None,
    ) -> str:
        """A supervisor's inspection note, optionally about one milestone or item."""
        problems: dict[str, list[Problem]] = {}
        if supervisor_id not in self.supervisors:
            add_problem(problems, "supervisor_id", "unknown_supervisor")
        text = (text or "").strip()
        if not text or len(text) > MAX_NOTE:
            add_problem(problems, "text", "length_between", min=1, max=MAX_NOTE)
        if milestone_id and milestone_id not in self.milestones:
            add_problem(problems, "milestone_id", "unknown_milestone", milestone_id=milestone_id)
        if item_id and item_id not in self.rectification_items:
            add_problem(problems, "item_id", "unknown_rectification_item", item_id=item_id)
        if problems:
            raise InvalidProjectDataError(problems)
        note_id = f"note-{len(self.inspection_notes) + 1}"
        self.trigger_event(
            InspectionNoteRecorded,
            note_id=note_id,
            supervisor_id=supervisor_id,
            on_date=on_date,
            text=text,
            photos=checked_photos(photos),
            milestone_id=milestone_id or None,
            item_id=item_id or None,
            on_behalf=on_behalf,
            **provenance(actor, command_id, on_date),
        )
        return note_id

    def attach_photos(
        self,
        *,
        subject: str,
        subject_id: str,
        photos: list[str],
        caption: str = "",
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Photos of a milestone's works or of a rectification item."""
        if subject not in PHOTO_SUBJECTS:
            raise DomainError("not_allowed_value", field="subject", choices=list(PHOTO_SUBJECTS))
        known = self.milestones if subject == "milestone" else self.rectification_items
        if subject_id not in known:
            raise NotFoundError("unknown_photo_subject", field="subject_id", subject=subject)
        photos = checked_photos(photos)
        if not photos:
            raise DomainError("required", field="photos")
        caption = (caption or "").strip()
        if len(caption) > MAX_NAME:
            raise DomainError("too_long", field="caption", max=MAX_NAME)
        self.trigger_event(
            PhotosAttached,
            subject=subject,
            subject_id=subject_id,
            photos=photos,
            caption=caption,
            **provenance(actor, command_id, None),
        )

    def record_handover(
        self,
        *,
        manager_kind: str,
        manager_name: str,
        rules_adopted: str,
        maintenance_fund: str,
        handed_over_on: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Who manages the compound from now on, under what rules and with what fund."""
        if self.stage not in HANDOVER_STAGES:
            raise StageGateError(
                "handover_before_acceptance",
                gate="requires_acceptance_inspection",
                from_stage=self.stage,
                to_stage=self.stage,
            )
        problems: dict[str, list[Problem]] = {}
        if manager_kind not in MANAGER_KINDS:
            add_problem(problems, "manager_kind", "not_allowed_value", choices=list(MANAGER_KINDS))
        values = {}
        for field, value, limit in (
            ("manager_name", manager_name, MAX_NAME),
            ("rules_adopted", rules_adopted, MAX_NOTE),
            ("maintenance_fund", maintenance_fund, MAX_NOTE),
        ):
            value = (value or "").strip()
            if not value or len(value) > limit:
                add_problem(problems, field, "length_between", min=1, max=limit)
            values[field] = value
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(
            HandoverRecorded,
            manager_kind=manager_kind,
            handed_over_on=handed_over_on,
            **values,
            **provenance(actor, command_id, handed_over_on),
        )

    def find_supervisor(self, supervisor_id: str) -> dict[str, Any]:
        try:
            return self.supervisors[supervisor_id]
        except KeyError:
            raise NotFoundError("unknown_supervisor", field="supervisor_id") from None

    # ---- state changes --------------------------------------------------------------

    @folds(ResidentSupervisorAppointed)
    def _fold_supervisor_appointed(self, event: ResidentSupervisorAppointed) -> None:
        self.supervisors[event.supervisor_id] = {
            "supervisor_id": event.supervisor_id,
            "role_label": event.role_label,
            "name_key": event.name_key,
            "name_sealed": event.name_sealed,
        }

    @folds(InspectionNoteRecorded)
    def _fold_inspection_note(self, event: InspectionNoteRecorded) -> None:
        self.inspection_notes.append(
            {
                "note_id": event.note_id,
                "supervisor_id": event.supervisor_id,
                "on_date": event.on_date,
                "text": event.text,
                "photos": list(event.photos),
                "milestone_id": event.milestone_id,
                "item_id": event.item_id,
                "on_behalf": event.on_behalf,
            }
        )

    @folds(PhotosAttached)
    def _fold_photos_attached(self, event: PhotosAttached) -> None:
        self.photos.setdefault(f"{event.subject}:{event.subject_id}", []).extend(
            {"sha256": p, "caption": event.caption} for p in event.photos
        )

    @folds(HandoverRecorded)
    def _fold_handover(self, event: HandoverRecorded) -> None:
        self.handover = {
            "manager_kind": event.manager_kind,
            "manager_name": event.manager_name,
            "rules_adopted": event.rules_adopted,
            "maintenance_fund": event.maintenance_fund,
            "handed_over_on": event.handed_over_on,
        }
