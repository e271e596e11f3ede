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
    "milestone_status": {
        "planned": N_("Not started"),
        "in_progress": N_("In progress"),
        "completed": N_("Completed"),
    },
    # the weighting of the project's progress figure (renovation/domain/progress.py)
    "progress_basis": {
        "planned_cost": N_("weighted by planned cost"),
        "planned_quantity": N_("weighted by planned quantity"),
    },
    "progress_basis_explanation": {
        "planned_cost": N_(
            "Each content item counts by its planned cost; within an item, each milestone "
            "counts by its share of the planned quantity."
        ),
        "planned_quantity": N_(
            "Not every content item has a planned cost, so the content items count equally; "
            "within an item, each milestone counts by its share of the planned quantity."
        ),
    },
    # ---- residents' voice -------------------------------------------------------------
    "opinion_category": {
        "plan": N_("The renovation plan"),
        "construction": N_("Construction works"),
        "nuisance": N_("Noise, dust or disturbance"),
        "safety": N_("Safety"),
        "lift": N_("Lift retrofit"),
        "property_management": N_("Property management"),
        "other": N_("Something else"),
    },
    "opinion_status": {
        "open": N_("Being handled"),
        "answered": N_("Answered"),
    },
    "answer_outcome": {
        "adopted": N_("Adopted"),
        "partly_adopted": N_("Partly adopted"),
        "not_adopted": N_("Not adopted"),
        "referred": N_("Referred"),
    },
    "consultation_kind": {
        "needs": N_("Needs survey (before renovation)"),
        "plan": N_("Ideas on the plan (during renovation)"),
        "evaluation": N_("Satisfaction evaluation (after renovation)"),
    },
    "consultation_status": {
        "upcoming": N_("Not open yet"),
        "open": N_("Open for voting"),
        "closed": N_("Closed"),
    },
    "question_type": {
        "single": N_("choose one"),
        "multiple": N_("choose one or more"),
        "rating": N_("rate from 1 to 5"),
        "text": N_("write an answer"),
        "satisfaction": N_("satisfied, basically satisfied or dissatisfied"),
    },
    "satisfaction": {
        "satisfied": N_("Satisfied"),
        "basically_satisfied": N_("Basically satisfied"),
        "dissatisfied": N_("Dissatisfied"),
    },
    "scope_level": {
        "community": N_("The whole community"),
        "building": N_("One building"),
        "unit": N_("One unit (stairwell)"),
    },
    # ---- consent (Civil Code art. 278) --------------------------------------------------
    "vote_choice": {
        "agree": N_("Agree"),
        "disagree": N_("Disagree"),
        "abstain": N_("Abstain"),
    },
    "matter": {
        "alteration": N_("Alteration or rebuilding, incl. lifts (three quarters must agree)"),
        "ordinary": N_("Other common matter (more than half must agree)"),
    },
    "consent_check": {
        "quorum_area": N_("Voters' share of the exclusive area"),
        "quorum_owners": N_("Voters' share of the owners"),
        "pass_area": N_("Agreeing share of the voters' area"),
        "pass_owners": N_("Agreeing share of the voters"),
        "all_owners_area": N_("Agreeing share of all exclusive area"),
        "all_owners_owners": N_("Agreeing share of all owners"),
    },
    # A ruleset's human name; a ruleset file without a label here shows its own ``name``.
    "ruleset": {
        "national-2021": N_("National default rules (Civil Code art. 278)"),
        "nanjing-2023": N_("Nanjing lift retrofit rules (example)"),
    },
    # ---- lift retrofits -----------------------------------------------------------------
    "lift_detail": {
        "manager": N_("Who manages the lift"),
        "budget": N_("Budget (yuan)"),
        "subsidy": N_("Subsidy (yuan)"),
        "cost_sharing": N_("How the cost is shared"),
        "maintenance_sharing": N_("How maintenance is shared"),
        "compensation": N_("Compensation for lost light or access"),
        "document": N_("Permit or exemption document"),
        "authority": N_("Authority notified"),
        "report": N_("Inspection report"),
        "registration": N_("Use registration number"),
        "reason": N_("Why the retrofit is abandoned"),
    },
    "objection_outcome": {
        "mediated": N_("Mediated"),
        "upheld": N_("Upheld (the design goes back)"),
        "dismissed": N_("Dismissed"),
    },
    "deadline": {
        "lift_documents_handover": N_("Hand over the documents (30 days after acceptance)"),
        "lift_use_registration": N_("Register the lift's use (within 30 days)"),
        "lift_maintenance": N_("Maintenance (at least every 15 days)"),
        "lift_periodic_inspection_request": N_("Request the periodic inspection (a month ahead)"),
    },
    "deadline_status": {
        "due": N_("Due"),
        "overdue": N_("Overdue"),
        "done": N_("Done"),
    },
    # ---- who recorded an event, and how -------------------------------------------------
    "actor_role": {
        "staff": N_("Bureau staff"),
        "admin": N_("Administrator"),
        "auditor": N_("Auditor"),
        "resident": N_("Resident"),
        "system": N_("The system"),
        "supervisor": N_("Resident supervisor"),
    },
    "channel": {
        "web": N_("Website"),
        "api": N_("Data interface"),
        "paper": N_("On paper"),
        "cli": N_("Bureau's own tools"),
    },
    # ---- completion acceptance and after ---------------------------------------------
    "unit_role": {
        "client": N_("Client unit"),
        "survey": N_("Survey unit"),
        "design": N_("Design unit"),
        "construction": N_("Construction unit"),
        "supervision": N_("Supervision unit"),
        "quality_supervision": N_("Quality supervision body"),
    },
    "acceptance_conclusion": {
        "passed": N_("Passed"),
        "passed_with_rectification": N_("Passed, subject to rectification"),
        "failed": N_("Failed"),
    },
    "representative_role": {
        "resident_representative": N_("Residents' representative"),
        "resident_supervisor": N_("Resident supervisor"),
        "owners_committee": N_("Owners' committee"),
    },
    "rectification_status": {
        "opened": N_("Recorded"),
        "work_required": N_("Work required"),
        "ready_for_review": N_("Ready for review"),
        "closed": N_("Closed (signed off)"),
    },
    "rectification_step": {
        "opened": N_("Recorded at the acceptance meeting"),
        "work_required": N_("Work required"),
        "ready_for_review": N_("Ready for review"),
        "approved": N_("Signed off"),
        "closed": N_("Closed: every co-approver signed off"),
        "reopened": N_("Sent back"),
    },
    "rectification_action": {
        "work_required": N_("Tell the unit to do the work"),
        "ready": N_("Report the work done"),
        "approve": N_("Sign off"),
        "reopen": N_("Send back"),
    },
    "co_approver": {
        "supervision_unit": N_("Supervision unit"),
    },
    "manager_kind": {
        "property_company": N_("Property management company"),
        "community": N_("Residents' community"),
        "owners_self_management": N_("Owners' self-management"),
    },
    "photo_subject": {
        "milestone": N_("milestone"),
        "rectification_item": N_("rectification item"),
    },
    # The district figures and their exports (figures_sum.py, reports/figure_tables.py).
    "figure": {
        "projects": N_("Number of projects"),
        "communities": N_("Number of communities"),
        "buildings": N_("Number of buildings"),
        "households": N_("Households covered"),
        "accepted_projects": N_("Projects accepted"),
        "households_benefited": N_("Households benefited"),
        "lifts_proposed": N_("Lift retrofits proposed"),
        "lifts_in_service": N_("Lifts in service"),
        "investment_total": N_("Planned investment (yuan)"),
        "opinions_received": N_("Opinions received"),
        "opinions_answered": N_("Opinions answered"),
        "opinions_on_time_rate": N_("Answered on time"),
        "opinions_adoption_rate": N_("Adoption rate"),
        "opinions_overdue": N_("Opinions overdue"),
        "answer_satisfaction_rate": N_("Residents satisfied with the answers"),
        "evaluated_projects": N_("Projects evaluated"),
        "satisfaction_rate": N_("Satisfaction rate"),
        "rectification_open": N_("Rectification items open"),
        "rectification_overdue": N_("Rectification items overdue"),
    },
    "figure_column": {
        "name": N_("Project"),
        "district": N_("District"),
        "year": N_("Programme year"),
        "batch": N_("Batch"),
        "stage": N_("Stage"),
        "progress": N_("Progress (%)"),
        "households": N_("Households"),
        "adoption_rate": N_("Adoption rate"),
        "satisfaction_rate": N_("Satisfaction rate"),
        "opinions_open": N_("Open opinions"),
        "opinions_overdue": N_("Overdue opinions"),
        "items_open": N_("Open rectification items"),
        "items_overdue": N_("Overdue rectification items"),
        "next_deadline": N_("Next deadline"),
        "category": N_("Category"),
        "item": N_("Content item"),
        "unit": N_("Unit of measure"),
        "planned": N_("Planned"),
        "actual": N_("Done"),
        "done_rate": N_("Done against plan"),
        "source": N_("Funding source"),
        "figure": N_("Figure"),
        "value": N_("Value"),
    },
}

# A gate ``requires_<stage>`` (a step skipped) is worded from the stage it demands.
REQUIRES_STAGE = N_("the project must first reach “%(stage)s”")
