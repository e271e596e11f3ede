"""The words of the completion acceptance record and of its section in the project report:
the catalogue's messages, dates and moments as printed, and people by role only (a resident
supervisor by the role label the bureau gave them, never by name)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from renovation.domain.base import LOCAL_TZ
from renovation.domain.parts.acceptance import SUPERVISION_UNIT
from renovation.reports.rendering import report_words, translated
from renovation.vocabulary.markers import N_

NOT_APPLICABLE = "—"

MESSAGES: dict[str, str] = {
    "title": N_("Completion acceptance record"),
    "facts": N_("Project"),
    "community": N_("Community"),
    "location": N_("Location"),
    "stage": N_("Current stage"),
    "accepted_on": N_("Accepted on"),
    "not_accepted": N_("not yet accepted"),
    "no_record": N_("No completion acceptance record exists for this project."),
    "accepted_without_record": N_(
        "The project was moved to “accepted” on %(day)s without a recorded acceptance "
        "meeting: it was accepted before acceptance records were kept here."
    ),
    "units": N_("1. Participating units"),
    "unit_role": N_("Role"),
    "unit_name": N_("Name"),
    "credit_code": N_("Unified social credit code"),
    "contact_role": N_("Responsible person (by title)"),
    "no_units": N_("No participating unit recorded."),
    "notices": N_("2. Notice to the quality supervision body"),
    "notified_on": N_("Notified on"),
    "meeting_on": N_("Meeting planned on"),
    "place": N_("Place"),
    "group": N_("Acceptance group"),
    "no_notices": N_("No notice recorded."),
    "meetings": N_("3. Acceptance meeting"),
    "meeting_title": N_("Meeting of %(day)s"),
    "held_on": N_("Held on"),
    "units_present": N_("Units present"),
    "representatives": N_("Residents' representatives"),
    "conclusion": N_("Conclusion"),
    "defects_found": N_("Defects found"),
    "defects_count": N_("%(count)s, recorded as rectification items"),
    "representative_with_label": N_("%(role)s (%(label)s)"),
    "none": N_("none"),
    "items_title": N_("4. Rectification items"),
    "no_items": N_("The acceptance found nothing to rectify."),
    "number": N_("No."),
    "what": N_("Defect"),
    "where": N_("Where"),
    "responsible": N_("Responsible unit"),
    "due_on": N_("Rectify by"),
    "status": N_("Status"),
    "co_approvers": N_("Co-approvers"),
    "approved": N_("approved"),
    "awaiting": N_("awaiting"),
    "overdue_days": N_("overdue by %(days)s days"),
    "whole_compound": N_("Whole compound"),
    "building_unit": N_("Building %(building)s, unit %(unit)s"),
    "building_only": N_("Building %(building)s"),
    "history": N_("History"),
    "step_approved": N_("Approved by %(approver)s"),
    "step_reopened": N_("Reopened by %(approver)s"),
    "on_behalf": N_("(entered by staff from a paper sign-off)"),
    "note_on_behalf": N_("(entered by staff from a paper note)"),
    "step_note": N_("%(step)s: %(note)s"),
    "approver_state": N_("%(approver)s (%(state)s)"),
    "photos": N_("Photos"),
    "photo_hash": N_("photo %(hash)s"),
    "items_footnote": N_(
        "Overdue means not closed and past its due date on %(day)s. An item is closed when "
        "every co-approver has approved the work."
    ),
    "filing": N_("5. Filing"),
    "filing_due_on": N_("To be filed by"),
    "filing_due_rule": N_("%(day)s (%(days)s days after acceptance)"),
    "filing_number": N_("Filing number"),
    "filed_on": N_("Filed on"),
    "filing_status": N_("Filing status"),
    "filed_in_time": N_("Filed within the period"),
    "filed_late": N_("Filed after the period ended"),
    "filing_overdue": N_("Not filed, and the period has ended"),
    "filing_pending": N_("Not filed yet"),
    "filing_after_acceptance": N_("Filed after the project is accepted"),
    "supervisors": N_("6. Resident supervisors"),
    "supervisors_intro": N_(
        "Residents appointed to supervise the works, shown by role; their names are kept "
        "as personal data and not printed."
    ),
    "no_supervisors": N_("No resident supervisor appointed."),
    "notes": N_("7. Inspection notes"),
    "note_on": N_("Date"),
    "note_by": N_("Resident supervisor"),
    "note_text": N_("Note"),
    "about_item": N_("About rectification item %(number)s"),
    "about_milestone": N_("About milestone “%(name)s”"),
    "no_notes": N_("No inspection note recorded."),
    "handover": N_("8. Hand-over to long-term management"),
    "manager_kind": N_("Managed by"),
    "manager_name": N_("Manager"),
    "rules_adopted": N_("Rules adopted"),
    "maintenance_fund": N_("Maintenance fund"),
    "handed_over_on": N_("Handed over on"),
    "no_handover": N_("Not handed over yet."),
}

# The project report's section: the meeting's conclusion, the items and the filing.
SECTION_MESSAGES: dict[str, str] = {
    "title": N_("Completion acceptance"),
    "meeting": N_("Acceptance meeting"),
    "meeting_value": N_("%(day)s · %(conclusion)s"),
    "no_meeting": N_("No acceptance meeting recorded."),
    "no_record": MESSAGES["no_record"],
    "accepted_without_record": MESSAGES["accepted_without_record"],
    "number": MESSAGES["number"],
    "what": MESSAGES["what"],
    "responsible": MESSAGES["responsible"],
    "due_on": MESSAGES["due_on"],
    "status": MESSAGES["status"],
    "no_items": MESSAGES["no_items"],
    "filing": N_("Filing"),
    "see_record": N_("The full record is the completion acceptance record, issued separately."),
}


FILING_WORDS = ("accepted_on", "filing_due_on", "filing_number", "filed_on", "filing_status")



def day_text(value: str | None, lang: str) -> str:
    return report_words(lang).date(value) if value else NOT_APPLICABLE


def moment_text(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


class RecordWords:
    """Labels of the record in one language, and the record's people by role."""

    def __init__(self, view: dict[str, Any], lang: str) -> None:
        self.lang = lang
        self.v = report_words(lang)
        self.words = translated(MESSAGES, lang)
        self.supervisors = view.get("supervisors") or {}

    def approver(self, approver: str | None) -> str:
        """A co-approver by label: the supervision unit, or a supervisor's role label."""
        if approver == SUPERVISION_UNIT:
            return self.v.label("co_approver", approver)
        supervisor = self.supervisors.get(approver or "")
        return supervisor["role_label"] if supervisor else self.v.label("actor_role", "supervisor")

    def representative(self, rep: dict[str, Any]) -> str:
        role = self.v.label("representative_role", rep.get("role"))
        supervisor = self.supervisors.get(rep.get("supervisor_id") or "")
        if supervisor and supervisor["role_label"] != role:
            return self.words["representative_with_label"] % {
                "role": role,
                "label": supervisor["role_label"],
            }
        return role

    def where(self, item: dict[str, Any]) -> str:
        building, unit = item.get("building") or "", item.get("unit") or ""
        if building and unit:
            return self.words["building_unit"] % {"building": building, "unit": unit}
        if building:
            return self.words["building_only"] % {"building": building}
        return self.words["whole_compound"]

    def step(self, entry: dict[str, Any]) -> dict[str, Any]:
        status = entry["status"]
        if status == "approved":
            text = self.words["step_approved"] % {"approver": self.approver(entry.get("approver"))}
        elif status == "reopened":
            text = self.words["step_reopened"] % {"approver": self.approver(entry.get("approver"))}
        else:
            text = self.v.label("rectification_status", status)
        if entry.get("on_behalf"):
            text = f"{text} {self.words['on_behalf']}"
        note = entry.get("note") or entry.get("reason") or ""
        if note:
            text = self.words["step_note"] % {"step": text, "note": note}
        return {"at": moment_text(entry["at"]), "step": text}


