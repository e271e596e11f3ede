"""One label per member of each enumerated kind, as an English msgid for the catalogue.

A kind is what a value *is* (``project_stage``, ``gate``, ``answer_outcome``…); a test fails
when a member of a domain enumeration has no label here, or a label has no Chinese.
"""

from __future__ import annotations

from renovation.vocabulary.markers import N_

LABELS: dict[str, dict[str, str]] = {
    "project_stage": {
        "registered": N_("Registered"),
        "needs_survey": N_("Needs survey"),
        "intent_vote": N_("Intent vote"),
        "in_plan": N_("In the renovation plan"),
        "rejected_by_residents": N_("Not agreed by residents"),
        "design": N_("Design"),
        "plan_publicized": N_("Plan on public notice"),
        "plan_approved": N_("Plan approved"),
        "under_construction": N_("Under construction"),
        "acceptance_inspection": N_("Completion acceptance"),
        "rectification": N_("Rectification"),
        "accepted": N_("Accepted"),
        "evaluation": N_("Satisfaction evaluation"),
        "long_term_management": N_("Long-term management"),
    },
    "content_category": {
        "basic": N_("Basic"),
        "improvement": N_("Improvement"),
        "upgrade": N_("Upgrade"),
    },
    "gate": {
        "project_registered": N_("the project is registered"),
        "needs_survey_done": N_("the needs survey is done"),
        "intent_vote_passed": N_("the intent vote passed"),
        "intent_vote_failed": N_("the intent vote failed"),
        "residents_asked_again": N_("residents are asked again"),
        "project_in_plan": N_("the project is in the plan"),
        "design_done": N_("the design is done"),
        "plan_publicized": N_("the plan was on public notice"),
        "plan_approved": N_("the plan is approved"),
        "construction_finished": N_("construction is finished"),
        "no_open_rectification": N_("no rectification item is open"),
        "defects_found": N_("defects were found"),
        "rectification_done": N_("rectification is done"),
        "accepted": N_("the works are accepted"),
        "evaluation_done": N_("the evaluation is done"),
        "no_way_back_to_registered": N_("a project cannot go back to registered"),
    },
    "lift_stage": {
        "willingness_poll": N_("Willingness poll"),
        "consent_passed": N_("Consent passed"),
        "agreement_signed": N_("Agreement signed"),
        "design": N_("Lift design"),
        "public_notice": N_("Public notice"),
        "objection_window": N_("Objection window"),
        "objection_mediation": N_("Objection mediation"),
        "permit_or_exemption": N_("Planning permit or exemption"),
        "installation_notified": N_("Installation notified"),
        "under_construction": N_("Lift under construction"),
        "supervisory_inspection_passed": N_("Supervisory inspection passed"),
        "completion_accepted": N_("Completion accepted"),
        "documents_handed_over": N_("Documents handed over"),
        "use_registered": N_("Use registered"),
        "in_service": N_("In service"),
        "abandoned": N_("Abandoned"),
    },
}

# A gate ``requires_<stage>`` (a step skipped) is worded from the stage it demands.
REQUIRES_STAGE = N_("the project must first reach “%(stage)s”")
