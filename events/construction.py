"""Events of construction: milestones (节点), their progress, delays and supervisors' notes.

Topics are ``events.construction:<Class>``; released classes are never edited in place.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from events.project import ProjectEvent


class MilestonePlanned(ProjectEvent):
    """A milestone of the works: a part of one content item, with planned dates."""

    milestone_id: str
    name: str
    item_id: str
    quantity: Any  # Decimal: how much of the item this milestone builds, in the item's unit
    planned_start: date
    planned_finish: date


class MilestoneProgressReported(ProjectEvent):
    """How much of the milestone's quantity was built by ``on_date`` (cumulative)."""

    milestone_id: str
    done_quantity: Any  # Decimal, the running total, not an increment
    on_date: date
    note: str


class MilestoneDelayed(ProjectEvent):
    """The planned finish moved later, with the reason the bureau gives."""

    milestone_id: str
    planned_finish: date  # the new planned finish
    reason: str


class MilestoneCompleted(ProjectEvent):
    """The milestone's quantity was built; ``on_date`` is its actual finish."""

    milestone_id: str
    on_date: date


class SupervisorNoteRecorded(ProjectEvent):
    """A resident supervisor's (居民监督员) inspection note, entered by staff."""

    milestone_id: str
    supervisor: str  # the supervisor's role label (e.g. "3幢居民监督员"), not a name
    note: str
    on_date: date
