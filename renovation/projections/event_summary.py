"""What an event did, as masked parameters for the auditors' history (``event_log.summary``).

The projection stores, beside each event's row in ``event_log``, the few facts a reader needs
to say what happened: codes (stages, categories, outcomes), counts, dates, the names of
renovation items and milestones. Never a person's name, phone, household code, owner ref,
tracking code, free text or a flat's number: a flat is shown as its building and unit at most.
The sentence itself is worded at read time, in the reader's language
(:mod:`renovation.vocabulary.event_sentences`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

Summary = dict[str, Any]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _quantity(value: Any) -> str:
    number = Decimal(str(value))
    return format(number.normalize() if number == number.to_integral() else number, "f")


def _place(flat_id: str | None) -> Summary:
    """A flat's building and unit (``3-1-101`` → building 3, unit 1), never its number."""
    parts = (flat_id or "").rsplit("-", 2)
    return {"building": parts[0], "unit": parts[1]} if len(parts) == 3 else {}


def _item(row: dict[str, Any], item_id: str) -> Summary:
    found = next((i for i in row.get("content_items", []) if i["id"] == item_id), None)
    return {"item": found["item"], "unit": found["unit"]} if found else {"item": "", "unit": ""}


def _milestone(event: Any, row: dict[str, Any], milestones: dict) -> Summary:
    found = milestones.get((row["id"], event.milestone_id))
    return {"name": found["name"] if found else ""}


def _registered(event: Any, _row: dict, _m: dict) -> Summary:
    return {
        "buildings": len(event.buildings),
        "flats": sum(len(u["flats"]) for b in event.buildings for u in b["units"]),
        "items": len(event.content_items),
    }


_SUMMARIES: dict[str, Callable[[Any, dict, dict], Summary]] = {
    "ProjectRegistered": _registered,
    "StageChanged": lambda e, r, m: {"from_stage": e.from_stage, "to_stage": e.to_stage},
    "ContentItemProgressRecorded": lambda e, r, m: {
        **_item(r, e.item_id),
        "quantity": _quantity(e.actual_quantity),
    },
    "MilestonePlanned": lambda e, r, m: {"name": e.name},
    "MilestoneProgressReported": lambda e, r, m: {
        **_milestone(e, r, m),
        "done": _quantity(e.done_quantity),
    },
    "MilestoneDelayed": lambda e, r, m: {
        **_milestone(e, r, m),
        "planned_finish": _iso(e.planned_finish),
    },
    "MilestoneCompleted": lambda e, r, m: {**_milestone(e, r, m), "on_date": _iso(e.on_date)},
    "SupervisorNoteRecorded": _milestone,
    "MilestoneBuilderNamed": lambda e, r, m: {**_milestone(e, r, m), "unit_role": e.unit_role},
    "ParticipatingUnitRecorded": lambda e, r, m: {"unit_role": e.role},
    "AcceptanceNoticeGiven": lambda e, r, m: {"meeting_on": _iso(e.meeting_on)},
    "AcceptanceMeetingRecorded": lambda e, r, m: {
        "conclusion": e.conclusion,
        "defects": len(e.defects),
    },
    "RectificationWorkRequired": lambda e, r, m: {"item_no": e.item_id},
    "RectificationReadyForReview": lambda e, r, m: {"item_no": e.item_id},
    "RectificationApproved": lambda e, r, m: {"item_no": e.item_id},
    "RectificationItemClosed": lambda e, r, m: {"item_no": e.item_id},
    "RectificationReopened": lambda e, r, m: {"item_no": e.item_id},
    "AcceptanceFiled": lambda e, r, m: {"filed_on": _iso(e.filed_on)},
    "PhotosAttached": lambda e, r, m: {"subject": e.subject, "count": len(e.photos)},
    "HandoverRecorded": lambda e, r, m: {"manager_kind": e.manager_kind},
    "LiftRetrofitProposed": lambda e, r, m: {"building": e.building, "unit": e.unit},
    "LiftVoteCast": lambda e, r, m: _place(e.flat_id),
    "LiftPollClosed": lambda e, r, m: {"variant": "passed" if e.passed else "failed"},
    "LiftStageChanged": lambda e, r, m: {"from_lift": e.from_stage, "to_lift": e.to_stage},
    "ObjectionAnswered": lambda e, r, m: {"outcome": e.outcome},
    "LiftServiceRecorded": lambda e, r, m: {"on_date": _iso(e.on_date)},
    "LiftCostSharingAgreed": lambda e, r, m: {
        "variant": "agreed" if e.departs_from_reference else "reference"
    },
    "ConsultationOpened": lambda e, r, m: {"title": e.title, "kind": e.kind},
    "HouseholdCodesIssued": lambda e, r, m: {"count": len(e.code_digests)},
    "BallotCast": lambda e, r, m: _place(e.flat_id),
    "OpinionSubmitted": lambda e, r, m: {"category": e.category},
    "OpinionAnswered": lambda e, r, m: {"answer_outcome": e.outcome},
    "OpinionModerated": lambda e, r, m: {"variant": "hidden" if e.hidden else "shown"},
    "OpinionAnswerRated": lambda e, r, m: {"rating": e.rating},
    "PersonalDataErased": lambda e, r, m: {"count": len(e.key_ids)},
    "FlatsImported": lambda e, r, m: {"count": e.added},
    "FlatCorrected": lambda e, r, m: _place(e.flat_id),
    "InvestmentSpent": lambda e, r, m: {
        "source": e.source,
        "amount": _quantity(e.amount),
        "paid_on": _iso(e.paid_on),
    },
}


def summarise(event: Any, row: dict[str, Any], milestones: dict) -> str:
    """The masked facts of ``event`` as JSON text (``{}`` for a kind that needs none).

    ``row`` is the project's summary after the event, ``milestones`` the milestone rows the
    projection holds, by (project, milestone): the names of items and milestones come from
    them, so a rebuild writes the same text.
    """
    make = _SUMMARIES.get(type(event).__name__)
    facts = make(event, row, milestones) if make else {}
    return json.dumps(facts, ensure_ascii=False, sort_keys=True)
