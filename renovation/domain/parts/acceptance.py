"""After construction: participating units, completion acceptance, rectification, filing.

Completion acceptance (竣工验收) is organised by the client with the survey, design,
construction and supervision units (五方); the quality supervision body is told the time,
place and group a ruleset's number of working days before. The meeting's defects become
rectification items: opened → work required → ready for review → closed (every co-approver
approved), or back to work required when a co-approver reopens one with a reason. The gates
into 已验收 read these records; nothing here can be reached by asserting it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from events.acceptance import (
    AcceptanceFiled,
    AcceptanceMeetingRecorded,
    AcceptanceNoticeGiven,
    MilestoneBuilderNamed,
    ParticipatingUnitRecorded,
)
from renovation.domain.base import LOCAL_TZ, MAX_NAME, MAX_NOTE, Actor, Folding, folds, provenance
from renovation.domain.checks import check_date, check_not_after_today
from renovation.domain.credit_code import credit_code_problem, normalise_credit_code
from renovation.domain.deadlines import WorkingCalendar, add_working_days
from renovation.domain.errors import (
    ConflictError,
    DomainError,
    InvalidProjectDataError,
    Problem,
    StageGateError,
    add_problem,
)
from renovation.domain.parts.milestones import UnknownMilestoneError
from renovation.domain.stages import Stage

# The five units that organise and sign the acceptance (五方), and the body that is told.
ACCEPTANCE_UNITS = ("client", "survey", "design", "construction", "supervision")
UNIT_ROLES = (*ACCEPTANCE_UNITS, "quality_supervision")
CONCLUSIONS = ("passed", "passed_with_rectification", "failed")
REPRESENTATIVE_ROLES = ("resident_representative", "resident_supervisor", "owners_committee")
ITEM_STATUSES = ("opened", "work_required", "ready_for_review", "closed")
SUPERVISION_UNIT = "supervision_unit"  # the co-approver every rectification item has
MAX_DEFECTS = 200
MAX_PHOTOS = 12

NOTICE_STAGES = {
    Stage.UNDER_CONSTRUCTION.value,
    Stage.ACCEPTANCE_INSPECTION.value,
    Stage.RECTIFICATION.value,
}
FILING_STAGES = {
    Stage.ACCEPTED.value,
    Stage.EVALUATION.value,
    Stage.LONG_TERM_MANAGEMENT.value,
}


def _text(
    problems: dict[str, list[Problem]], field: str, value: Any, *, limit: int = MAX_NAME
) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > limit:
        add_problem(problems, field, "length_between", min=1, max=limit)
    return value


PHOTO_HASH = re.compile(r"[0-9a-f]{64}")


def checked_photos(photos: list[str] | None) -> list[str]:
    """Photos by the SHA-256 of their stored bytes, each once, at most ``MAX_PHOTOS``."""
    photos = list(dict.fromkeys(photos or []))
    if len(photos) > MAX_PHOTOS:
        raise DomainError("too_many", field="photos", max=MAX_PHOTOS)
    if not all(isinstance(p, str) and PHOTO_HASH.fullmatch(p) for p in photos):
        raise DomainError("unknown_photo", field="photos")
    return photos


def step(event: Any, status: str) -> dict[str, Any]:
    """One step in a rectification item's history."""
    return {"status": status, "at": event.timestamp, "version": event.originator_version}


def note_text(value: str, field: str = "note") -> str:
    value = (value or "").strip()
    if len(value) > MAX_NOTE:
        raise DomainError("too_long", field=field, max=MAX_NOTE)
    return value


class AcceptancePart(Folding):
    """The acceptance of the works and the rectification of what it found."""

    stage: str
    stage_history: list[dict[str, Any]]
    units: dict[str, dict[str, Any]]
    acceptance_notices: list[dict[str, Any]]
    acceptance_meetings: list[dict[str, Any]]
    rectification_items: dict[str, dict[str, Any]]
    acceptance_filing: dict[str, Any] | None
    supervisors: dict[str, dict[str, Any]]
    milestones: dict[str, dict[str, Any]]

    # ---- participating units --------------------------------------------------------

    def record_unit(
        self,
        *,
        role: str,
        name: str,
        credit_code: str,
        contact_role: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Record the unit in one role; its credit code must carry the right check character."""
        problems: dict[str, list[Problem]] = {}
        if role not in UNIT_ROLES:
            add_problem(problems, "role", "not_allowed_value", choices=list(UNIT_ROLES))
        name = _text(problems, "name", name)
        contact_role = _text(problems, "contact_role", contact_role)
        code = normalise_credit_code(credit_code if isinstance(credit_code, str) else "")
        problem = credit_code_problem(code)
        if problem is not None:
            add_problem(problems, "credit_code", problem[0], **problem[1])
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(
            ParticipatingUnitRecorded,
            role=role,
            name=name,
            credit_code=code,
            contact_role=contact_role,
            **provenance(actor, command_id, None),
        )

    def name_milestone_builder(
        self,
        milestone_id: str,
        *,
        unit_role: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Name the recorded unit (by its role) that does a milestone's work."""
        if milestone_id not in self.milestones:
            raise UnknownMilestoneError(
                "unknown_milestone", field="milestone_id", milestone_id=milestone_id
            )
        if unit_role not in UNIT_ROLES:
            raise DomainError("not_allowed_value", field="unit_role", choices=list(UNIT_ROLES))
        if unit_role not in self.units:
            raise DomainError("unit_not_recorded", field="unit_role", unit_role=unit_role)
        self.trigger_event(
            MilestoneBuilderNamed,
            milestone_id=milestone_id,
            unit_role=unit_role,
            **provenance(actor, command_id, None),
        )

    # ---- notice and meeting ---------------------------------------------------------

    def notify_acceptance(
        self,
        *,
        notified_on: date,
        meeting_on: date,
        place: str,
        group: list[str],
        notice_working_days: int,
        calendar: WorkingCalendar | None,
        today: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> str:
        """Tell the quality supervision body; the meeting must leave the notice period free."""
        self._require_acceptance_stage(NOTICE_STAGES, "requires_under_construction")
        problems: dict[str, list[Problem]] = {}
        place = _text(problems, "place", place)
        members = [m.strip() for m in group if isinstance(m, str) and m.strip()]
        if not members:
            add_problem(problems, "group", "required")
        elif any(len(m) > MAX_NAME for m in members):
            add_problem(problems, "group", "too_long", max=MAX_NAME)
        check_not_after_today(notified_on, "notified_on", problems, today=today)
        if "quality_supervision" not in self.units:
            add_problem(problems, "notified_on", "unit_missing", unit_role="quality_supervision")
        earliest = add_working_days(notified_on, notice_working_days, calendar)
        if meeting_on < earliest:
            add_problem(
                problems,
                "meeting_on",
                "meeting_before_notice_period_ends",
                earliest=earliest,
                days=notice_working_days,
            )
        if problems:
            raise InvalidProjectDataError(problems)
        notice_id = f"notice-{len(self.acceptance_notices) + 1}"
        self.trigger_event(
            AcceptanceNoticeGiven,
            notice_id=notice_id,
            notified_on=notified_on,
            meeting_on=meeting_on,
            place=place,
            group=members,
            **provenance(actor, command_id, notified_on),
        )
        return notice_id

    def record_acceptance_meeting(
        self,
        *,
        held_on: date,
        place: str,
        units_present: list[str],
        representatives: list[dict[str, Any]],
        conclusion: str,
        defects: list[dict[str, Any]],
        notice_working_days: int,
        calendar: WorkingCalendar | None,
        today: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> list[str]:
        """Record the meeting; each defect becomes a rectification item. Returns their ids."""
        self._require_acceptance_stage(
            {Stage.ACCEPTANCE_INSPECTION.value}, "requires_construction_finished"
        )
        notice = self._pending_notice()
        problems: dict[str, list[Problem]] = {}
        place = _text(problems, "place", place)
        check_not_after_today(held_on, "held_on", problems, today=today)
        if notice is None:
            add_problem(problems, "held_on", "acceptance_not_notified")
        else:
            earliest = add_working_days(notice["notified_on"], notice_working_days, calendar)
            if held_on < earliest:
                add_problem(
                    problems,
                    "held_on",
                    "meeting_before_notice_period_ends",
                    earliest=earliest,
                    days=notice_working_days,
                )
        for role in ACCEPTANCE_UNITS:
            if role not in self.units:
                add_problem(problems, "units_present", "unit_missing", unit_role=role)
            elif role not in units_present:
                add_problem(problems, "units_present", "unit_absent", unit_role=role)
        unknown = [u for u in units_present if u not in UNIT_ROLES]
        if unknown:
            add_problem(problems, "units_present", "not_allowed_value", choices=list(UNIT_ROLES))
        reps = self._check_representatives(representatives, problems)
        if conclusion not in CONCLUSIONS:
            add_problem(problems, "conclusion", "not_allowed_value", choices=list(CONCLUSIONS))
        items = self._check_defects(defects, held_on, problems)
        if conclusion == "passed" and items:
            add_problem(problems, "conclusion", "passed_with_defects")
        if conclusion == "passed_with_rectification" and not items:
            add_problem(problems, "defects", "rectification_without_defects")
        if problems:
            raise InvalidProjectDataError(problems)
        assert notice is not None
        self.trigger_event(
            AcceptanceMeetingRecorded,
            meeting_id=f"meeting-{len(self.acceptance_meetings) + 1}",
            notice_id=notice["notice_id"],
            held_on=held_on,
            place=place,
            units_present=[u for u in UNIT_ROLES if u in units_present],
            representatives=reps,
            conclusion=conclusion,
            defects=items,
            **provenance(actor, command_id, held_on),
        )
        return [i["item_id"] for i in items]

    def _check_representatives(
        self, representatives: list[dict[str, Any]], problems: dict[str, list[Problem]]
    ) -> list[dict[str, Any]]:
        checked = []
        for n, rep in enumerate(representatives):
            role = rep.get("role")
            supervisor_id = rep.get("supervisor_id") or None
            if role not in REPRESENTATIVE_ROLES:
                add_problem(
                    problems,
                    f"representatives.{n}.role",
                    "not_allowed_value",
                    choices=list(REPRESENTATIVE_ROLES),
                )
            if supervisor_id is not None and supervisor_id not in self.supervisors:
                add_problem(problems, f"representatives.{n}.supervisor_id", "unknown_supervisor")
            checked.append({"role": role, "supervisor_id": supervisor_id})
        return checked

    def _check_defects(
        self, defects: list[dict[str, Any]], held_on: date, problems: dict[str, list[Problem]]
    ) -> list[dict[str, Any]]:
        if len(defects) > MAX_DEFECTS:
            add_problem(problems, "defects", "too_many", max=MAX_DEFECTS)
            return []
        items = []
        first = len(self.rectification_items) + 1
        for n, defect in enumerate(defects):
            path = f"defects.{n}"
            what = _text(problems, f"{path}.what", defect.get("what"), limit=MAX_NOTE)
            building = (defect.get("building") or "").strip()
            unit = (defect.get("unit") or "").strip()
            if building and building not in {b["code"] for b in self._buildings()}:
                add_problem(problems, f"{path}.building", "unknown_building", building=building)
            responsible = defect.get("responsible")
            if responsible not in UNIT_ROLES:
                add_problem(
                    problems, f"{path}.responsible", "not_allowed_value", choices=list(UNIT_ROLES)
                )
            due_on = defect.get("due_on")
            if check_date(due_on, f"{path}.due_on", problems) and due_on < held_on:
                add_problem(problems, f"{path}.due_on", "due_before_meeting", held_on=held_on)
            co_approvers = [SUPERVISION_UNIT]
            for supervisor_id in defect.get("supervisors") or []:
                if supervisor_id not in self.supervisors:
                    add_problem(problems, f"{path}.supervisors", "unknown_supervisor")
                elif supervisor_id not in co_approvers:
                    co_approvers.append(supervisor_id)
            items.append(
                {
                    "item_id": str(first + n),
                    "what": what,
                    "building": building,
                    "unit": unit,
                    "responsible": responsible,
                    "due_on": due_on,
                    "co_approvers": co_approvers,
                }
            )
        return items

    # ---- filing ---------------------------------------------------------------------

    def file_acceptance(
        self,
        *,
        filing_number: str,
        filed_on: date,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Record the filing (备案) of a passed acceptance."""
        if self.stage not in FILING_STAGES or self.accepted_on() is None:
            raise StageGateError(
                "filing_before_acceptance",
                gate="requires_acceptance_inspection",
                from_stage=self.stage,
                to_stage=self.stage,
            )
        if self.acceptance_filing is not None:
            raise ConflictError("filed_already", field="filing_number")
        problems: dict[str, list[Problem]] = {}
        filing_number = _text(problems, "filing_number", filing_number)
        accepted_on = self.accepted_on()
        if accepted_on is not None and filed_on < accepted_on:
            add_problem(problems, "filed_on", "filed_before_acceptance", accepted_on=accepted_on)
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(
            AcceptanceFiled,
            filing_number=filing_number,
            filed_on=filed_on,
            **provenance(actor, command_id, filed_on),
        )

    # ---- queries --------------------------------------------------------------------

    def latest_acceptance_meeting(self) -> dict[str, Any] | None:
        return self.acceptance_meetings[-1] if self.acceptance_meetings else None

    def acceptance_problems(self) -> tuple[str, dict[str, Any]] | None:
        """Why the project may not yet be accepted, or ``None`` when the records allow it."""
        meeting = self.latest_acceptance_meeting()
        if meeting is None:
            return "no_acceptance_record", {}
        if meeting["conclusion"] == "failed":
            return "acceptance_failed", {"held_on": meeting["held_on"]}
        open_items = self.open_rectification_items()
        if open_items:
            return "rectification_items_open", {"items": open_items}
        return None

    def accepted_on(self) -> date | None:
        """The day the project was accepted on the records (its move to 已验收)."""
        for move in reversed(self.stage_history):
            if move["to_stage"] == Stage.ACCEPTED.value:
                return move["effective_on"] or move["at"].astimezone(LOCAL_TZ).date()
        return None

    def has_acceptance_record(self) -> bool:
        return bool(self.acceptance_meetings)

    def _pending_notice(self) -> dict[str, Any] | None:
        """The latest notice not yet used by a meeting."""
        if not self.acceptance_notices:
            return None
        notice = self.acceptance_notices[-1]
        used = {m["notice_id"] for m in self.acceptance_meetings}
        return None if notice["notice_id"] in used else notice

    def _buildings(self) -> list[dict[str, Any]]:
        return getattr(self, "buildings", [])

    def open_rectification_items(self) -> list[str]:
        return [i for i, item in self.rectification_items.items() if item["status"] != "closed"]

    def _require_acceptance_stage(self, stages: set[str], gate: str) -> None:
        if self.stage not in stages:
            raise StageGateError(
                "acceptance_closed", gate=gate, from_stage=self.stage, to_stage=self.stage
            )

    # ---- state changes --------------------------------------------------------------

    @folds(ParticipatingUnitRecorded)
    def _fold_unit_recorded(self, event: ParticipatingUnitRecorded) -> None:
        self.units[event.role] = {
            "role": event.role,
            "name": event.name,
            "credit_code": event.credit_code,
            "contact_role": event.contact_role,
            "version": event.originator_version,
        }

    @folds(MilestoneBuilderNamed)
    def _fold_milestone_builder(self, event: MilestoneBuilderNamed) -> None:
        self.milestones[event.milestone_id] = {
            **self.milestones[event.milestone_id],
            "builder": event.unit_role,
        }

    @folds(AcceptanceNoticeGiven)
    def _fold_notice_given(self, event: AcceptanceNoticeGiven) -> None:
        self.acceptance_notices.append(
            {
                "notice_id": event.notice_id,
                "notified_on": event.notified_on,
                "meeting_on": event.meeting_on,
                "place": event.place,
                "group": list(event.group),
            }
        )

    @folds(AcceptanceMeetingRecorded)
    def _fold_meeting_recorded(self, event: AcceptanceMeetingRecorded) -> None:
        self.acceptance_meetings.append(
            {
                "meeting_id": event.meeting_id,
                "notice_id": event.notice_id,
                "held_on": event.held_on,
                "place": event.place,
                "units_present": list(event.units_present),
                "representatives": [dict(r) for r in event.representatives],
                "conclusion": event.conclusion,
                "items": [d["item_id"] for d in event.defects],
            }
        )
        for defect in event.defects:
            self.rectification_items[defect["item_id"]] = {
                **defect,
                "co_approvers": list(defect["co_approvers"]),
                "meeting_id": event.meeting_id,
                "status": "opened",
                "approved_by": [],
                "photos": [],
                "history": [step(event, "opened")],
            }

    @folds(AcceptanceFiled)
    def _fold_filed(self, event: AcceptanceFiled) -> None:
        self.acceptance_filing = {
            "filing_number": event.filing_number,
            "filed_on": event.filed_on,
            "version": event.originator_version,
        }
