"""The completion acceptance record (竣工验收记录) of a project, and its section in the project
report.

From the acceptance read model (:func:`renovation.projections.acceptance.view`): the
participating units with their unified social credit codes, the notices to the quality
supervision body, the meetings (units present, residents' representatives by role, the
conclusion), the rectification items with their co-approvers and history, the filing,
resident supervisors, inspection notes and the hand-over. People appear by role only: a
resident supervisor by the role label the bureau gave them, never by name; codes appear as
their labels, never as internal ids.

Photos are referred to by the SHA-256 of their bytes. A caller that can read them passes
``thumbnail(sha256) -> bytes | None``: the thumbnail is embedded as a ``data:`` URI; without
one (or for a photo it cannot read, or bytes that are not an image) the short hash is
printed instead, so the photo can still be found.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from renovation.domain.base import LOCAL_TZ
from renovation.domain.parts.acceptance import SUPERVISION_UNIT, UNIT_ROLES
from renovation.domain.rulesets import Ruleset, all_rulesets, ruleset_in_force
from renovation.projections.acceptance import view as acceptance_view_of
from renovation.projections.acceptance_replay import acceptance_at
from renovation.projections.milestone_replay import milestones_at
from renovation.projections.replay import summary_at
from renovation.reports.acceptance_words import (
    FILING_WORDS,
    NOT_APPLICABLE,
    SECTION_MESSAGES,
    RecordWords,
    day_text,
    moment_text,
)
from renovation.reports.participation import evaluation_values
from renovation.reports.participation import labels as participation_labels
from renovation.reports.rendering import (
    InlineImage,
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    translated,
)
from renovation.runtime import Runtime

TEMPLATE = "reports/acceptance/record.html"
SHORT_HASH = 8  # shorter than an id: page scans flag 12 hex digits or more

Thumbnail = Callable[[str], bytes | None]

# ---- the read model, as of a time -------------------------------------------------------


def ruleset_for_summary(summary: dict[str, Any], day: date) -> Ruleset:
    """The ruleset in force in the project's city on ``day``, else the national one."""
    codes = {r.city_name: r.city_code for r in all_rulesets() if r.city_code}
    return ruleset_in_force(codes.get(summary.get("city") or ""), day)


def local_day(moment: datetime | None) -> date:
    """The Beijing calendar day of ``moment`` (of now when None)."""
    return (moment or datetime.now(UTC)).astimezone(LOCAL_TZ).date()


def acceptance_view(
    runtime: Runtime,
    project_id: UUID,
    summary: dict[str, Any],
    *,
    as_of: datetime | None,
    today: date,
) -> dict[str, Any]:
    """The acceptance view at ``summary``'s version, flags worked out as of ``today``."""
    row = acceptance_at(runtime.app, runtime.engine, project_id, as_of, summary=summary)
    probe = acceptance_view_of(row, summary, ruleset_for_summary(summary, today), today)
    day = date.fromisoformat(probe["accepted_on"]) if probe["accepted_on"] else today
    # The filing period is the one in force on the day of acceptance.
    return acceptance_view_of(row, summary, ruleset_for_summary(summary, day), today)


# ---- values -------------------------------------------------------------------------------


def image_type(data: bytes) -> str | None:
    """The media type of a thumbnail, from its first bytes; ``None`` when not an image."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class Thumbnails:
    """Photos as the template shows them; collects the images the PDF embeds."""

    def __init__(self, thumbnail: Thumbnail | None) -> None:
        self.thumbnail = thumbnail
        self.inline: dict[str, InlineImage] = {}

    def __call__(self, photos: list[dict[str, str]]) -> list[dict[str, Any]]:
        shown = []
        for photo in photos:
            sha256 = photo["sha256"]
            data = self.thumbnail(sha256) if self.thumbnail is not None else None
            media_type = image_type(data) if data else None
            src = None
            if data and media_type:
                src = f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
                self.inline[src] = (media_type, data)
            shown.append({"short": sha256[:SHORT_HASH], "src": src, "caption": photo["caption"]})
        return shown


def _photos(hashes: list[str], attached: list[dict[str, str]]) -> list[dict[str, str]]:
    """Photos attached with a caption first, then those reported with the work, each once."""
    seen = {p["sha256"] for p in attached}
    return [*attached, *({"sha256": h, "caption": ""} for h in hashes if h not in seen)]


def _item_values(
    item: dict[str, Any], view: dict[str, Any], w: RecordWords, thumbnails: Thumbnails
) -> dict[str, Any]:
    approved = set(item.get("approved_by") or [])
    attached = (view.get("photos") or {}).get(f"rectification_item:{item['item_id']}", [])
    return {
        "number": item["item_id"],
        "what": item["what"],
        "where": w.where(item),
        "responsible": w.v.label("unit_role", item["responsible"]),
        "due_on": day_text(item["due_on"], w.lang),
        "status": w.v.label("rectification_status", item["status"]),
        "status_code": item["status"],
        "overdue": (
            w.words["overdue_days"] % {"days": item["days_overdue"]} if item["overdue"] else None
        ),
        "co_approvers": [
            {
                "line": w.words["approver_state"]
                % {
                    "approver": w.approver(a),
                    "state": w.words["approved"] if a in approved else w.words["awaiting"],
                },
                "approved": a in approved,
            }
            for a in item.get("co_approvers") or [SUPERVISION_UNIT]
        ],
        "history": [w.step(entry) for entry in item.get("history") or []],
        "photos": thumbnails(_photos(item.get("photos") or [], attached)),
    }


def _filing_values(view: dict[str, Any], w: RecordWords) -> dict[str, Any]:
    filing = view.get("filing")
    due = view.get("filing_due_on")
    if filing:
        late = due is not None and filing["filed_on"] > due
        status = w.words["filed_late"] if late else w.words["filed_in_time"]
    elif view.get("filing_overdue"):
        status = w.words["filing_overdue"]
    elif view.get("accepted_on"):
        status = w.words["filing_pending"]
    else:
        status = w.words["filing_after_acceptance"]
    return {
        "accepted_on": day_text(view.get("accepted_on"), w.lang),
        "due_on": (
            w.words["filing_due_rule"]
            % {"day": day_text(due, w.lang), "days": view.get("filing_days")}
            if due
            else NOT_APPLICABLE
        ),
        "number": filing["filing_number"] if filing else NOT_APPLICABLE,
        "filed_on": day_text(filing["filed_on"], w.lang) if filing else NOT_APPLICABLE,
        "status": status,
        "overdue": bool(view.get("filing_overdue")),
        "filed": bool(filing),
    }


def _no_record(view: dict[str, Any], w: RecordWords) -> dict[str, str | None] | None:
    if view.get("has_record"):
        return None
    accepted = view.get("accepted_on")
    return {
        "text": w.words["no_record"],
        "accepted": (
            w.words["accepted_without_record"] % {"day": day_text(accepted, w.lang)}
            if accepted
            else None
        ),
    }


def record_values(
    summary: dict[str, Any],
    view: dict[str, Any],
    *,
    lang: str = "zh",
    as_of: datetime | None = None,
    today: date,
    milestone_names: dict[str, str] | None = None,
    thumbnails: Thumbnails | None = None,
    evaluations: list[dict[str, Any]] | None = None,
    audit_checkpoint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The record's template values: every label in ``lang``, people by role only.

    ``evaluations`` are the closed evaluation rounds with their satisfaction arithmetic
    (:func:`renovation.reports.participation.evaluation_values`)."""
    lang = report_language(lang)
    w = RecordWords(view, lang)
    v, words = w.v, w.words
    thumbnails = thumbnails or Thumbnails(None)
    milestone_names = milestone_names or {}
    units = view.get("units") or {}
    order = [r for r in UNIT_ROLES if r in units] + sorted(r for r in units if r not in UNIT_ROLES)
    notes = []
    for note in view.get("notes") or []:
        about = None
        if note.get("item_id"):
            about = words["about_item"] % {"number": note["item_id"]}
        elif note.get("milestone_id") in milestone_names:
            about = words["about_milestone"] % {"name": milestone_names[note["milestone_id"]]}
        notes.append(
            {
                "on": day_text(note["on_date"], lang),
                "by": w.approver(note["supervisor_id"]),
                "text": note["text"],
                "about": about,
                "on_behalf": words["note_on_behalf"] if note.get("on_behalf") else None,
                "photos": thumbnails(_photos(note.get("photos") or [], [])),
            }
        )
    handover = view.get("handover")
    return {
        "title": words["title"],
        "lang": lang,
        "words": {**layout_labels(lang), **words},
        "project": {
            "id": summary["id"],
            "name": summary["name"],
            "city": summary.get("city") or "",
            "district": summary["district"],
            "street": summary.get("street") or "",
            "stage": v.label("project_stage", summary["stage"]),
        },
        "accepted_on": day_text(view.get("accepted_on"), lang)
        if view.get("accepted_on")
        else words["not_accepted"],
        "no_record": _no_record(view, w),
        "units": [
            {
                "role": v.label("unit_role", role),
                "name": units[role]["name"],
                "credit_code": units[role]["credit_code"],
                "contact_role": units[role]["contact_role"],
            }
            for role in order
        ],
        "notices": [
            {
                "notified_on": day_text(n["notified_on"], lang),
                "meeting_on": day_text(n["meeting_on"], lang),
                "place": n["place"],
                "group": v.join(n["group"]),
            }
            for n in view.get("notices") or []
        ],
        "meetings": [
            {
                "title": words["meeting_title"] % {"day": day_text(m["held_on"], lang)},
                "held_on": day_text(m["held_on"], lang),
                "place": m["place"],
                "units_present": v.join(v.label("unit_role", u) for u in m["units_present"]),
                "representatives": v.join(w.representative(r) for r in m["representatives"])
                or words["none"],
                "conclusion": v.label("acceptance_conclusion", m["conclusion"]),
                "conclusion_code": m["conclusion"],
                "defects": words["defects_count"] % {"count": len(m["items"])}
                if m["items"]
                else words["none"],
            }
            for m in view.get("meetings") or []
        ],
        "items": [_item_values(item, view, w, thumbnails) for item in view.get("items") or []],
        "items_footnote": words["items_footnote"] % {"day": day_text(today.isoformat(), lang)},
        "filing": _filing_values(view, w),
        "supervisors": [s["role_label"] for s in (view.get("supervisors") or {}).values()],
        "notes": notes,
        "evaluations": evaluations or [],
        "evaluation_title": participation_labels(lang)["satisfaction"],
        "handover": {
            "manager_kind": v.label("manager_kind", handover["manager_kind"]),
            "manager_name": handover["manager_name"],
            "rules_adopted": handover["rules_adopted"],
            "maintenance_fund": handover["maintenance_fund"],
            "handed_over_on": day_text(handover["handed_over_on"], lang),
        }
        if handover
        else None,
        "position": int(summary["position"]),
        "chain_digest": str(summary["chain_digest"]),
        "audit_checkpoint": audit_checkpoint,
        "as_of": moment_text(as_of.isoformat()) if as_of else None,
        "generated_at": moment_text(datetime.now(UTC).isoformat()),
    }


def acceptance_section(view: dict[str, Any], lang: str = "zh") -> dict[str, Any] | None:
    """The project report's acceptance section, or ``None`` before anything was recorded.

    A project accepted without a record gets the section, saying so.
    """
    lang = report_language(lang)
    w = RecordWords(view, lang)
    nothing = not (view.get("has_record") or view.get("units") or view.get("notices"))
    if nothing and not view.get("accepted_on"):
        return None
    meeting = view.get("latest_meeting")
    return {
        "words": translated(SECTION_MESSAGES, lang),
        "no_record": _no_record(view, w),
        "meeting": (
            translated(SECTION_MESSAGES, lang)["meeting_value"]
            % {
                "day": day_text(meeting["held_on"], lang),
                "conclusion": w.v.label("acceptance_conclusion", meeting["conclusion"]),
            }
            if meeting
            else None
        ),
        "rows": [
            {
                "number": item["item_id"],
                "what": item["what"],
                "responsible": w.v.label("unit_role", item["responsible"]),
                "due_on": day_text(item["due_on"], lang),
                "status": w.v.label("rectification_status", item["status"]),
                "overdue": (
                    w.words["overdue_days"] % {"days": item["days_overdue"]}
                    if item["overdue"]
                    else None
                ),
            }
            for item in view.get("items") or []
        ],
        "filing": _filing_values(view, w),
        "filing_words": {key: w.words[key] for key in FILING_WORDS},
    }


# ---- HTML and PDF ---------------------------------------------------------------------------


def acceptance_record_html(
    summary: dict[str, Any],
    view: dict[str, Any],
    *,
    thumbnail: Thumbnail | None = None,
    **options: Any,
) -> tuple[str, dict[str, InlineImage]]:
    """The record as HTML, with the images it embeds (for tests and debugging)."""
    thumbnails = Thumbnails(thumbnail)
    values = record_values(summary, view, thumbnails=thumbnails, **options)
    return render_html(TEMPLATE, values), thumbnails.inline


def render_acceptance_record(
    summary: dict[str, Any],
    view: dict[str, Any],
    *,
    thumbnail: Thumbnail | None = None,
    **options: Any,
) -> bytes:
    """The record as PDF bytes (A4), fonts embedded, photos' thumbnails where given."""
    html, images = acceptance_record_html(summary, view, thumbnail=thumbnail, **options)
    return html_to_pdf(html, images=images)


def acceptance_record_pdf(
    runtime: Runtime,
    project_id: UUID,
    *,
    as_of: datetime | None = None,
    lang: str = "zh",
    thumbnail: Thumbnail | None = None,
) -> bytes:
    """Render the record from the read model, now or as of a past time (then replayed)."""
    runtime.catch_up()
    summary = summary_at(runtime.app, runtime.engine, project_id, as_of)
    today = runtime.app.today() if as_of is None else local_day(as_of)
    view = acceptance_view(runtime, project_id, summary, as_of=as_of, today=today)
    milestones = milestones_at(runtime.app, runtime.engine, project_id, as_of, summary=summary)
    # Evaluation rounds live in the aggregate, as it stood at the summary's version.
    project = runtime.app.get_project(UUID(str(project_id)), version=int(summary["version"]))
    return render_acceptance_record(
        summary,
        view,
        thumbnail=thumbnail,
        lang=lang,
        as_of=as_of,
        today=today,
        milestone_names={m["milestone_id"]: m["name"] for m in milestones},
        evaluations=evaluation_values(project.rounds, lang),
        audit_checkpoint=runtime.audit_log.printed_checkpoint(summary["position"]),
    )
