"""The lift retrofits' read model as a pure fold: one row per project that has lift retrofits.

Each retrofit (加装电梯, one per 单元) keeps what a report prints of it: its building and unit,
its stage, the poll's period, the art. 278 consent result exactly as recorded when the poll
closed, the cost-sharing coefficients the unit's owners agreed (and whether they depart from
the ruleset's reference table), the agreement's money, and the day each stage was reached.
Never a vote by flat, an objection's text or who lodged it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from events.lift import (
    LiftCostSharingAgreed,
    LiftPollClosed,
    LiftPollReopened,
    LiftRetrofitProposed,
    LiftStageChanged,
)
from renovation.domain.lifts import LiftStage
from renovation.projections.opinions import local_day

LIFT_EVENTS = (
    LiftRetrofitProposed,
    LiftPollReopened,
    LiftPollClosed,
    LiftStageChanged,
    LiftCostSharingAgreed,
)
# What the report prints of the agreement signed (the rest stays on the lift's own pages).
AGREEMENT_DETAILS = ("manager", "budget", "subsidy")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _day(event: Any) -> str:
    """The event's effective day, else the local day it was recorded."""
    return (event.effective_on or local_day(event.timestamp)).isoformat()


def empty(project_id: str) -> dict[str, Any]:
    return {"project_id": project_id, "lifts": {}, "version": 0}


def fold_lifts(row: dict[str, Any] | None, event: Any) -> dict[str, Any]:
    """The project's lifts row after ``event`` (one of :data:`LIFT_EVENTS`)."""
    row = dict(row or empty(str(event.originator_id)))
    row["version"] = event.originator_version
    lifts = dict(row["lifts"])
    if isinstance(event, LiftRetrofitProposed):
        lifts[event.lift_id] = {
            "lift_id": event.lift_id,
            "building": event.building,
            "unit": event.unit,
            "stage": LiftStage.WILLINGNESS_POLL.value,
            "proposed_on": _day(event),
            "poll_opens_at": _iso(event.poll_opens_at),
            "poll_closes_at": _iso(event.poll_closes_at),
            "poll_closed_on": None,
            "result": None,
            "passed": None,
            "agreement": None,
            "cost_sharing": None,
            "history": [],
            "notice_ends_on": None,
            "objections_end_on": None,
        }
        row["lifts"] = lifts
        return row
    lift = dict(lifts[event.lift_id])
    if isinstance(event, LiftPollReopened):
        lift.update(
            poll_opens_at=_iso(event.poll_opens_at),
            poll_closes_at=_iso(event.poll_closes_at),
            poll_closed_on=None,
            result=None,
            passed=None,
        )
    elif isinstance(event, LiftPollClosed):
        lift.update(poll_closed_on=_day(event), result=event.result, passed=event.passed)
        if event.passed:
            lift["stage"] = LiftStage.CONSENT_PASSED.value
            lift["history"] = [*lift["history"], {"stage": lift["stage"], "on": _day(event)}]
    elif isinstance(event, LiftStageChanged):
        on = event.on_date.isoformat()
        lift["stage"] = event.to_stage
        lift["history"] = [*lift["history"], {"stage": event.to_stage, "on": on}]
        if event.to_stage == LiftStage.AGREEMENT_SIGNED:
            lift["agreement"] = {
                k: str(_iso(event.details[k])) for k in AGREEMENT_DETAILS if k in event.details
            }
        elif event.to_stage == LiftStage.PUBLIC_NOTICE:
            lift["notice_ends_on"] = _iso(event.period_ends_on)
        elif event.to_stage == LiftStage.OBJECTION_WINDOW:
            lift["objections_end_on"] = _iso(event.period_ends_on)
    elif isinstance(event, LiftCostSharingAgreed):
        lift["cost_sharing"] = {
            "floor_coefficients": dict(event.floor_coefficients),
            "exempt_floors": list(event.exempt_floors),
            "reference_ruleset_id": event.reference_ruleset_id,
            "departs_from_reference": event.departs_from_reference,
        }
    lifts[event.lift_id] = lift
    row["lifts"] = lifts
    return row


def to_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The table columns of a folded row."""
    return {
        "project_id": row["project_id"],
        "state": json.dumps(row, ensure_ascii=False, sort_keys=True),
        "version": row["version"],
    }


def ordered(row: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The row's retrofits by building, then unit (numbers in numeric order)."""

    def key(lift: dict[str, Any]) -> tuple:
        return tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in (lift["building"], lift["unit"])
        )

    return sorted((row or {}).get("lifts", {}).values(), key=key)
