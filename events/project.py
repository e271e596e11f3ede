"""Events of a renovation project (one 小区), as stored.

Released event classes are never edited in place: a change of shape gets a new
``class_version`` and an ``upcast_vN_vN+1`` static method (eventsourcing's versioning).
Their stored topic is ``events.project:<Class>``, independent of where the aggregate lives.

Every event says who recorded it (``actor_id``, ``actor_role``, ``channel``), when it was
recorded (``timestamp``, set by the library), when it took effect where that differs
(``effective_on``), and the client's ``command_id`` that made it, so a retried request
is recognised and stored once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import AggregateCreated, AggregateEvent


class ProjectEvent(AggregateEvent):
    """Base of every project event; the aggregate folds it in ``when()``."""

    actor_id: str
    actor_role: str
    channel: str
    effective_on: date | None
    command_id: str | None

    def apply(self, aggregate: Any) -> None:
        aggregate.when(self)


class ProjectRegistered(ProjectEvent, AggregateCreated):
    """The bureau registered a community for renovation."""

    community: dict[str, Any]
    buildings: list[dict[str, Any]]
    content_items: list[dict[str, Any]]
    budget: list[dict[str, Any]]
    planned_start: date | None
    planned_finish: date | None


class StageChanged(ProjectEvent):
    """The project moved from one stage of its life to the next."""

    from_stage: str
    to_stage: str
    note: str


class ContentItemProgressRecorded(ProjectEvent):
    """The actual quantity of a renovation content item was recorded."""

    item_id: str
    actual_quantity: Any  # Decimal
    note: str


class ProgrammeAssigned(ProjectEvent):
    """The bureau put the project in a year's renovation programme (年度) and its batch (批次)."""

    year: int
    batch: str
