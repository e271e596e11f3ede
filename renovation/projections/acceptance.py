"""The acceptance read model as a pure fold: one row per project that has acceptance records.

Participating units, the notices and meetings, the rectification items with their history,
the filing, resident supervisors (role labels only: names stay in the vault), inspection
notes, photos, the hand-over, and the satisfaction results of closed evaluation rounds.
What depends on today (overdue items, the filing's due date) is worked out when the row is
read, by :func:`view`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from events import acceptance as ev
from events.participation import EvaluationResultRecorded
from renovation.domain.base import LOCAL_TZ
from renovation.domain.rulesets import Ruleset

ACCEPTANCE_EVENTS = (
    ev.ParticipatingUnitRecorded,
    ev.AcceptanceNoticeGiven,
    ev.AcceptanceMeetingRecorded,
    ev.RectificationWorkRequired,
    ev.RectificationReadyForReview,
    ev.RectificationApproved,
    ev.RectificationItemClosed,
    ev.RectificationReopened,
    ev.AcceptanceFiled,
    ev.ResidentSupervisorAppointed,
    ev.InspectionNoteRecorded,
    ev.PhotosAttached,
    ev.HandoverRecorded,
    ev.MilestoneBuilderNamed,
    EvaluationResultRecorded,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def empty(project_id: str) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "units": {},
        "notices": [],
        "meetings": [],
        "items": {},
        "filing": None,
        "supervisors": {},
        "notes": [],
        "photos": {},
        "handover": None,
        "builders": {},
        "evaluations": [],
        "version": 0,
    }


def fold_acceptance(row: dict[str, Any] | None, event: Any) -> dict[str, Any]:
    """The project's acceptance row after ``event``."""
    row = dict(row or empty(str(event.originator_id)))
    row["version"] = event.originator_version
    step = {"at": _iso(event.timestamp), "version": event.originator_version}
    if isinstance(event, ev.ParticipatingUnitRecorded):
        row["units"] = {
            **row["units"],
            event.role: {
                "role": event.role,
                "name": event.name,
                "credit_code": event.credit_code,
                "contact_role": event.contact_role,
            },
        }
    elif isinstance(event, ev.AcceptanceNoticeGiven):
        row["notices"] = [
            *row["notices"],
            {
                "notice_id": event.notice_id,
                "notified_on": _iso(event.notified_on),
                "meeting_on": _iso(event.meeting_on),
                "place": event.place,
                "group": list(event.group),
            },
        ]
    elif isinstance(event, ev.AcceptanceMeetingRecorded):
        row["meetings"] = [
            *row["meetings"],
            {
                "meeting_id": event.meeting_id,
                "notice_id": event.notice_id,
                "held_on": _iso(event.held_on),
                "place": event.place,
                "units_present": list(event.units_present),
                "representatives": [dict(r) for r in event.representatives],
                "conclusion": event.conclusion,
                "items": [d["item_id"] for d in event.defects],
            },
        ]
        items = dict(row["items"])
        for d in event.defects:
            items[d["item_id"]] = {
                **{k: _iso(v) for k, v in d.items()},
                "meeting_id": event.meeting_id,
                "status": "opened",
                "approved_by": [],
                "photos": [],
                "history": [{**step, "status": "opened"}],
            }
        row["items"] = items
    elif isinstance(event, ev.AcceptanceFiled):
        row["filing"] = {
            "filing_number": event.filing_number,
            "filed_on": _iso(event.filed_on),
        }
    elif isinstance(event, ev.ResidentSupervisorAppointed):
        row["supervisors"] = {
            **row["supervisors"],
            event.supervisor_id: {
                "supervisor_id": event.supervisor_id,
                "role_label": event.role_label,
            },
        }
    elif isinstance(event, ev.InspectionNoteRecorded):
        row["notes"] = [
            *row["notes"],
            {
                "note_id": event.note_id,
                "supervisor_id": event.supervisor_id,
                "on_date": _iso(event.on_date),
                "text": event.text,
                "photos": list(event.photos),
                "milestone_id": event.milestone_id,
                "item_id": event.item_id,
                "on_behalf": event.on_behalf,
                "at": step["at"],
            },
        ]
    elif isinstance(event, ev.PhotosAttached):
        key = f"{event.subject}:{event.subject_id}"
        row["photos"] = {
            **row["photos"],
            key: [
                *row["photos"].get(key, []),
                *({"sha256": p, "caption": event.caption} for p in event.photos),
            ],
        }
    elif isinstance(event, ev.HandoverRecorded):
        row["handover"] = {
            "manager_kind": event.manager_kind,
            "manager_name": event.manager_name,
            "rules_adopted": event.rules_adopted,
            "maintenance_fund": event.maintenance_fund,
            "handed_over_on": _iso(event.handed_over_on),
        }
    elif isinstance(event, EvaluationResultRecorded):
        row["evaluations"] = [
            *row.get("evaluations", []),
            {"consultation_id": event.round_id, "at": step["at"], **dict(event.result)},
        ]
    elif isinstance(event, ev.MilestoneBuilderNamed):
        row["builders"] = {**row.get("builders", {}), event.milestone_id: event.unit_role}
    else:
        row["items"] = _fold_item_step(row["items"], event, step)
    return row


def _fold_item_step(
    items: dict[str, Any], event: Any, step: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    item = dict(items[event.item_id])
    history = list(item["history"])
    if isinstance(event, ev.RectificationWorkRequired):
        item["status"] = "work_required"
        history.append({**step, "status": "work_required", "note": event.note})
    elif isinstance(event, ev.RectificationReadyForReview):
        item["status"] = "ready_for_review"
        item["photos"] = [*item["photos"], *(p for p in event.photos if p not in item["photos"])]
        history.append(
            {**step, "status": "ready_for_review", "note": event.note, "photos": event.photos}
        )
    elif isinstance(event, ev.RectificationApproved):
        item["approved_by"] = [*item["approved_by"], event.approver]
        history.append(
            {
                **step,
                "status": "approved",
                "approver": event.approver,
                "on_behalf": event.on_behalf,
                "note": event.note,
            }
        )
    elif isinstance(event, ev.RectificationItemClosed):
        item["status"] = "closed"
        history.append({**step, "status": "closed"})
    elif isinstance(event, ev.RectificationReopened):
        item["status"] = "work_required"
        item["approved_by"] = []
        history.append(
            {
                **step,
                "status": "reopened",
                "approver": event.approver,
                "on_behalf": event.on_behalf,
                "reason": event.reason,
            }
        )
    item["history"] = history
    return {**items, event.item_id: item}


def to_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The table columns of a folded row."""
    return {
        "project_id": row["project_id"],
        "state": json.dumps(row, ensure_ascii=False),
        "version": row["version"],
    }


def accepted_on(summary: dict[str, Any]) -> date | None:
    """The day of the latest move to 已验收, from the summary's stage history."""
    for move in reversed(summary.get("stage_history") or []):
        if move["to_stage"] == "accepted":
            if move.get("effective_on"):
                return date.fromisoformat(move["effective_on"])
            return datetime.fromisoformat(move["at"]).astimezone(LOCAL_TZ).date()
    return None


def view(
    row: dict[str, Any] | None, summary: dict[str, Any], ruleset: Ruleset, today: date
) -> dict[str, Any]:
    """What pages, the API and PDFs show: the row with today's flags worked out.

    A project accepted before acceptance records existed has ``has_record`` False; pages
    say so rather than showing an empty record.
    """
    row = row or empty(summary["id"])
    items = []
    for item in sorted(row["items"].values(), key=lambda i: int(i["item_id"])):
        due = date.fromisoformat(item["due_on"])
        overdue = item["status"] != "closed" and due < today
        items.append({**item, "overdue": overdue, "days_overdue": (today - due).days})
    day = accepted_on(summary)
    filing_due = day + timedelta(days=ruleset.acceptance_filing_days) if day else None
    filing_overdue = bool(filing_due and row["filing"] is None and filing_due < today)
    meeting = row["meetings"][-1] if row["meetings"] else None
    return {
        **row,
        "items": items,
        "open_items": [i["item_id"] for i in items if i["status"] != "closed"],
        "overdue_items": [i["item_id"] for i in items if i["overdue"]],
        "latest_meeting": meeting,
        "has_record": bool(row["meetings"]),
        "accepted_on": day.isoformat() if day else None,
        "filing_due_on": filing_due.isoformat() if filing_due else None,
        "filing_overdue": filing_overdue,
        "filing_days": ruleset.acceptance_filing_days,
        "notice_working_days": ruleset.acceptance_notice_working_days,
    }
