"""Events of lift retrofits (既有住宅加装电梯), one per unit, in the project aggregate.

Topics are ``events.lift:<Class>``; released classes are never edited in place.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events.project import ProjectEvent


class LiftRetrofitProposed(ProjectEvent):
    """A unit's lift retrofit begins with a willingness poll of its flats."""

    lift_id: str
    building: str
    unit: str
    veto_flats: list[str]  # flats whose exclusive part the lift would occupy
    poll_opens_at: datetime
    poll_closes_at: datetime


class LiftPollReopened(ProjectEvent):
    """A failed poll is held again, in a new window; earlier votes stay in the history."""

    lift_id: str
    poll_opens_at: datetime
    poll_closes_at: datetime


class LiftVoteCast(ProjectEvent):
    """A flat's consent: agree, disagree or abstain; a later vote replaces it."""

    lift_id: str
    flat_id: str
    choice: str
    replaces_version: int | None


class LiftPollClosed(ProjectEvent):
    """The poll's Civil Code art. 278 result, with its explanation and ruleset."""

    lift_id: str
    result: dict[str, Any]
    passed: bool


class LiftStageChanged(ProjectEvent):
    """The retrofit moved on; ``details`` holds what the stage records (agreement, permit…)."""

    lift_id: str
    from_stage: str
    to_stage: str
    on_date: date
    details: dict[str, Any]
    period_ends_on: date | None  # the notice or objection period this stage opens


class ObjectionLodged(ProjectEvent):
    lift_id: str
    objection_id: str
    text: str
    flat_id: str | None


class ObjectionAnswered(ProjectEvent):
    """Mediated, upheld (the design goes back for change) or dismissed (with a reason)."""

    lift_id: str
    objection_id: str
    outcome: str
    reason: str


class LiftServiceRecorded(ProjectEvent):
    """Maintenance done, or the periodic inspection passed or requested (deadline flags)."""

    lift_id: str
    kind: str  # maintenance | inspection_passed | inspection_requested
    on_date: date
    valid_until: date | None


class LiftCostSharingAgreed(ProjectEvent):
    """The unit's own cost-sharing agreement (Civil Code: costs shared as agreed), recorded
    with the agreement: a coefficient per floor of the unit ("0" for a floor that pays
    nothing), the floors that pay nothing, the ruleset whose reference table it was read
    against and whether it departs from that table."""

    lift_id: str
    floor_coefficients: dict[str, str]  # floor number → decimal coefficient
    exempt_floors: list[int]
    reference_ruleset_id: str
    departs_from_reference: bool
