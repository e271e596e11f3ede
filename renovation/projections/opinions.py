"""The opinions read model as a pure fold, and the published figures computed from its rows.

The same functions serve the live tables, a rebuild, and a report as of a past time, so the
figures cannot differ between them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events.participation import (
    OpinionAnswered,
    OpinionAnswerRated,
    OpinionModerated,
    OpinionSubmitted,
    PersonalDataErased,
)
from renovation.domain.base import LOCAL_TZ
from renovation.projections.rows import decode_row, encode_row

OPINION_EVENTS = (OpinionSubmitted, OpinionAnswered, OpinionModerated, OpinionAnswerRated)
JSON_COLUMNS = ("links",)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def fold_opinion(row: dict[str, Any] | None, event: Any, project: dict[str, Any]) -> dict:
    """The opinion row after ``event``; ``project`` is its summary row (name, district)."""
    if isinstance(event, OpinionSubmitted):
        return {
            "opinion_id": event.opinion_id,
            "project_id": str(event.originator_id),
            "project_name": project["name"],
            "district": project["district"],
            "tracking_code": event.tracking_code,
            "category": event.category,
            "text": event.text,
            "hidden": False,
            "moderation_reason": "",
            "building": event.building,
            "unit": event.unit,
            "channel": event.channel,
            "submitted_at": event.timestamp.isoformat(),
            "answer_due_on": event.answer_due_on.isoformat(),
            "status": "open",
            "outcome": None,
            "answer": "",
            "reason": "",
            "referred_to": "",
            "links": [],
            "answered_at": None,
            "last_answered_at": None,
            "answered_on_time": None,
            "answered_by": None,
            "personal_key_id": event.personal_key_id,
            "personal_sealed": event.personal_sealed,
            "rating": None,  # the resident's rating of the answer: satisfied | … | dissatisfied
            "rated_at": None,
            "version": event.originator_version,
        }
    assert row is not None, f"{type(event).__name__} before OpinionSubmitted"
    row = dict(row, version=event.originator_version)
    if isinstance(event, OpinionAnswered):
        if row["answered_at"] is None:  # the first answer is the one the deadline measures
            row["answered_at"] = event.timestamp.isoformat()
            row["answered_on_time"] = local_day(event.timestamp) <= date.fromisoformat(
                row["answer_due_on"]
            )
        row.update(
            status="answered",
            outcome=event.outcome,
            answer=event.answer,
            reason=event.reason,
            referred_to=event.referred_to,
            links=list(event.links),
            last_answered_at=event.timestamp.isoformat(),
            answered_by=event.actor_id,
        )
    elif isinstance(event, OpinionModerated):
        row.update(hidden=event.hidden, moderation_reason=event.reason)
    elif isinstance(event, OpinionAnswerRated):
        row.update(rating=event.rating, rated_at=event.timestamp.isoformat())
    return row


def erase(row: dict[str, Any], event: PersonalDataErased) -> dict[str, Any]:
    """The row without its sealed personal data, once the key is destroyed."""
    if row["personal_key_id"] in event.key_ids:
        return dict(
            row, personal_key_id=None, personal_sealed=None, version=event.originator_version
        )
    return row


def to_columns(row: dict[str, Any]) -> dict[str, Any]:
    return encode_row(row, JSON_COLUMNS)


def from_columns(columns: dict[str, Any]) -> dict[str, Any]:
    return decode_row(columns, JSON_COLUMNS)


def opinion_figures(rows: list[dict[str, Any]], *, today: date) -> dict[str, Any]:
    """Received, answered, answered on time, adoption rate: what the bureau publishes.

    Adoption rate = (adopted + partly adopted) / answered; on-time share = answered by the
    deadline / answered; satisfaction with the answers = (satisfied + basically satisfied) /
    answers the residents rated. Open opinions past their deadline are counted as overdue.
    """
    received = len(rows)
    answered = [r for r in rows if r["status"] == "answered"]
    on_time = sum(1 for r in answered if r["answered_on_time"])
    outcomes = {
        o: sum(1 for r in answered if r["outcome"] == o)
        for o in ("adopted", "partly_adopted", "not_adopted", "referred")
    }
    overdue = sum(
        1 for r in rows if r["status"] == "open" and date.fromisoformat(r["answer_due_on"]) < today
    )

    def share(part: int, whole: int) -> str | None:
        return f"{part * 100 / whole:.1f}%" if whole else None

    # Residents' ratings of the answers: satisfied + basically satisfied over those rated.
    ratings = {
        choice: sum(1 for r in answered if r.get("rating") == choice)
        for choice in ("satisfied", "basically_satisfied", "dissatisfied")
    }
    rated = sum(ratings.values())

    return {
        "received": received,
        "answered": len(answered),
        "open": received - len(answered),
        "overdue": overdue,
        "answered_on_time": on_time,
        "on_time_rate": share(on_time, len(answered)),
        "outcomes": outcomes,
        "adoption_rate": share(outcomes["adopted"] + outcomes["partly_adopted"], len(answered)),
        "ratings": ratings,
        "rated": rated,
        "answer_satisfaction_rate": share(
            ratings["satisfied"] + ratings["basically_satisfied"], rated
        ),
    }
