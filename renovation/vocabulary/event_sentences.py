"""One sentence per kind of event, for the auditors' history, from its masked summary.

The summary (``event_log.summary``, made by :mod:`renovation.projections.event_summary`)
holds codes, counts, dates and the names of items and milestones; each parameter is shown as
``PARAMS`` says (a label kind, or a date). A kind without a sentence, or a row recorded
before summaries were kept, is said by its label (``event_kind``).
"""

from __future__ import annotations

import json
from typing import Any

from renovation.vocabulary.catalogue import Vocabulary
from renovation.vocabulary.markers import N_

SENTENCES: dict[str, str] = {
    "ProjectRegistered": N_(
        "Registered the community: %(buildings)s buildings, %(flats)s flats, "
        "%(items)s renovation items."
    ),
    "FlatsImported": N_("Imported %(count)s flats into the register from a file."),
    "FlatCorrected": N_(
        "Corrected the area or owner of a flat of building %(building)s, unit %(unit)s."
    ),
    "InvestmentSpent": N_(
        "Recorded a payment of %(amount)s yuan from “%(source)s”, paid on %(paid_on)s."
    ),
    "StageChanged": N_("Moved the project from “%(from_stage)s” to “%(to_stage)s”."),
    "ContentItemProgressRecorded": N_("Recorded %(quantity)s %(unit)s done of “%(item)s”."),
    "MilestonePlanned": N_("Planned the construction milestone “%(name)s”."),
    "MilestoneProgressReported": N_("Reported progress on “%(name)s”: %(done)s done in all."),
    "MilestoneDelayed": N_("Put back the milestone “%(name)s” to %(planned_finish)s."),
    "MilestoneCompleted": N_("Completed the milestone “%(name)s” on %(on_date)s."),
    "SupervisorNoteRecorded": N_("Recorded a resident supervisor's note on “%(name)s”."),
    "MilestoneBuilderNamed": N_("Named the %(unit_role)s as the builder of “%(name)s”."),
    "ParticipatingUnitRecorded": N_("Recorded a participating unit: %(unit_role)s."),
    "AcceptanceNoticeGiven": N_("Gave notice of the acceptance meeting on %(meeting_on)s."),
    "AcceptanceMeetingRecorded": N_(
        "Recorded the acceptance meeting: %(conclusion)s; %(defects)s rectification items."
    ),
    "RectificationWorkRequired": N_("Rectification item %(item_no)s: work required."),
    "RectificationReadyForReview": N_("Rectification item %(item_no)s: work reported done."),
    "RectificationApproved": N_("Rectification item %(item_no)s: signed off."),
    "RectificationItemClosed": N_("Rectification item %(item_no)s: closed."),
    "RectificationReopened": N_("Rectification item %(item_no)s: sent back."),
    "AcceptanceFiled": N_("Filed the completion acceptance on %(filed_on)s."),
    "PhotosAttached": N_("Attached %(count)s photos to a %(subject)s."),
    "HandoverRecorded": N_("Handed the community over to long-term management: %(manager_kind)s."),
    "LiftRetrofitProposed": N_("Proposed a lift for building %(building)s, unit %(unit)s."),
    "LiftVoteCast": N_("A household of building %(building)s, unit %(unit)s voted on a lift."),
    "LiftPollClosed:passed": N_("Closed a lift poll: the lift was agreed."),
    "LiftPollClosed:failed": N_("Closed a lift poll: the lift was not agreed."),
    "LiftStageChanged": N_("Moved a lift retrofit from “%(from_lift)s” to “%(to_lift)s”."),
    "ObjectionAnswered": N_("Answered an objection to a lift: %(outcome)s."),
    "LiftServiceRecorded": N_("Recorded a lift's service on %(on_date)s."),
    "LiftCostSharingAgreed:agreed": N_(
        "Recorded the floor coefficients a unit's owners agreed on for its lift."
    ),
    "LiftCostSharingAgreed:reference": N_(
        "Recorded that a unit's lift cost is shared by the reference floor coefficients."
    ),
    "ConsultationOpened": N_("Opened the consultation “%(title)s” (%(kind)s)."),
    "HouseholdCodesIssued": N_("Issued %(count)s household codes."),
    "BallotCast": N_("A household of building %(building)s, unit %(unit)s voted."),
    "OpinionSubmitted": N_("Received an opinion: %(category)s."),
    "OpinionAnswered": N_("Answered an opinion: %(answer_outcome)s."),
    "OpinionModerated:hidden": N_("Hid an opinion from the public page."),
    "OpinionModerated:shown": N_("Showed a hidden opinion again."),
    "OpinionAnswerRated": N_("A resident rated an answer: %(rating)s."),
    "PersonalDataErased": N_("Erased personal data: %(count)s keys destroyed."),
}

# How each parameter is shown: a label kind, ``date``, or as it is.
PARAMS: dict[str, str] = {
    "from_stage": "project_stage",
    "to_stage": "project_stage",
    "from_lift": "lift_stage",
    "to_lift": "lift_stage",
    "unit_role": "unit_role",
    "conclusion": "acceptance_conclusion",
    "subject": "photo_subject",
    "manager_kind": "manager_kind",
    "outcome": "objection_outcome",
    "kind": "consultation_kind",
    "category": "opinion_category",
    "answer_outcome": "answer_outcome",
    "rating": "satisfaction",
    "planned_finish": "date",
    "on_date": "date",
    "meeting_on": "date",
    "filed_on": "date",
    "paid_on": "date",
}


def event_sentence(v: Vocabulary, event_type: str, summary: str | None) -> str:
    """What an event did, in ``v``'s language; its kind's label when there is no sentence."""
    facts: dict[str, Any] = json.loads(summary) if summary else {}
    key = f"{event_type}:{facts['variant']}" if "variant" in facts else event_type
    msgid = SENTENCES.get(key)
    if summary is None or msgid is None:
        return v.label("event_kind", event_type)
    shown = {k: v.show(PARAMS.get(k, "text"), value) for k, value in facts.items()}
    try:
        return v.gettext(msgid, **shown) if "%(" in msgid else v.gettext(msgid)
    except (KeyError, ValueError, TypeError):
        return v.label("event_kind", event_type)
