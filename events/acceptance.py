"""Events after construction: participating units, completion acceptance (竣工验收),
rectification items (整改项), filing (备案), resident supervisors and the hand-over to
long-term management (长效管理).

Topics are ``events.acceptance:<Class>``; released classes are never edited in place.
Photos are referred to by the SHA-256 of their stored bytes; the photos live outside the
event store. Names of people are not stored here: resident supervisors' names are sealed in
the personal-data vault and referred to by key.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from events.project import ProjectEvent


class ParticipatingUnitRecorded(ProjectEvent):
    """A participating unit (参建单位) in one role; a later record of the role replaces it."""

    role: str  # client | survey | design | construction | supervision | quality_supervision
    name: str
    credit_code: str  # 统一社会信用代码, checked per GB 32100-2015
    contact_role: str  # the unit's person for the project, by title (e.g. 项目负责人)


class AcceptanceNoticeGiven(ProjectEvent):
    """The quality supervision body was told the time, place and acceptance group."""

    notice_id: str
    notified_on: date
    meeting_on: date
    place: str
    group: list[str]  # the acceptance group's members, by unit and title


class AcceptanceMeetingRecorded(ProjectEvent):
    """The completion acceptance meeting: who was present, its conclusion, the defects found.

    Each defect becomes a rectification item with the id given here.
    """

    meeting_id: str
    notice_id: str
    held_on: date
    place: str
    units_present: list[str]  # unit roles
    representatives: list[dict[str, Any]]  # {"role", "supervisor_id"}: no names
    conclusion: str  # passed | passed_with_rectification | failed
    defects: list[
        dict[str, Any]
    ]  # item_id, what, building, unit, responsible, due_on, co_approvers


class RectificationWorkRequired(ProjectEvent):
    """The responsible unit was told to do the work of a rectification item."""

    item_id: str
    note: str


class RectificationReadyForReview(ProjectEvent):
    """The responsible unit reports the work done; the co-approvers review it."""

    item_id: str
    note: str
    photos: list[str]


class RectificationApproved(ProjectEvent):
    """One co-approver approved the work; ``on_behalf`` when staff entered a paper sign-off."""

    item_id: str
    approver: str  # "supervision_unit" or a resident supervisor's id
    on_behalf: bool
    note: str


class RectificationItemClosed(ProjectEvent):
    """Every co-approver approved: the item is closed."""

    item_id: str


class RectificationReopened(ProjectEvent):
    """A co-approver found the work wanting; the item needs work again."""

    item_id: str
    approver: str
    on_behalf: bool
    reason: str


class AcceptanceFiled(ProjectEvent):
    """The acceptance record was filed (竣工验收备案) under this number."""

    filing_number: str
    filed_on: date


class ResidentSupervisorAppointed(ProjectEvent):
    """A resident of the compound appointed as supervisor (居民监督员).

    ``role_label`` is what public pages show (e.g. "3幢居民监督员"); the name is sealed in the
    vault under ``name_key`` with ``name_sealed``.
    """

    supervisor_id: str
    role_label: str
    name_key: str
    name_sealed: str


class InspectionNoteRecorded(ProjectEvent):
    """A resident supervisor's inspection note, by the supervisor or entered on their behalf."""

    note_id: str
    supervisor_id: str
    on_date: date
    text: str
    photos: list[str]
    milestone_id: str | None
    item_id: str | None
    on_behalf: bool


class PhotosAttached(ProjectEvent):
    """Photos of a milestone's works or of a rectification item."""

    subject: str  # milestone | rectification_item
    subject_id: str
    photos: list[str]
    caption: str


class MilestoneBuilderNamed(ProjectEvent):
    """A construction milestone names the participating unit doing its work (by role)."""

    milestone_id: str
    unit_role: str


class HandoverRecorded(ProjectEvent):
    """The compound was handed over to long-term management (长效管理)."""

    manager_kind: str  # property_company | community | owners_self_management
    manager_name: str
    rules_adopted: str
    maintenance_fund: str
    handed_over_on: date
