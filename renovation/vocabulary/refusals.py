"""One message per refusal code: an English msgid with ``%(name)s`` parameters.

``PARAMS`` says how each parameter is shown: ``text`` as it is, ``number``, ``date`` (a local
date), ``datetime`` (an instant, shown in Beijing time), ``list`` (joined), or the name of a
label kind (``gate``, ``project_stage``…), shown as its label; ``list:<kind>`` for a list of
those. A parameter not named in ``PARAMS`` is shown as text.

A test fails when a code raised anywhere has no entry here, when a message names a parameter
that ``PARAMS`` leaves out of the kinds above, or when a message has no Chinese.
"""

from __future__ import annotations

from renovation.vocabulary.markers import N_

REFUSALS: dict[str, str] = {
    # ---- generic ------------------------------------------------------------------------
    "rule_violated": N_("The request breaks a rule of the trade."),
    "invalid_data": N_("Some fields are not acceptable."),
    "not_found": N_("Not found."),
    "conflict": N_("Not possible now."),
    "forbidden": N_("Your account may not do this."),
    # ---- a field's value (shared by every area) --------------------------------------
    "required": N_("must not be empty"),
    "must_be_text": N_("must be text"),
    "too_long": N_("at most %(max)s characters"),
    "length_between": N_("%(min)s to %(max)s characters"),
    "must_be_number": N_("must be a number"),
    "must_be_whole_number": N_("must be a whole number"),
    "must_be_positive": N_("must be greater than 0"),
    "must_not_be_negative": N_("must not be negative"),
    "must_be_date": N_("must be a date (YYYY-MM-DD)"),
    "before_first_date": N_("must not be before the first date"),
    "no_such_version": N_("must be a version from 1 to %(latest)s"),
    "must_be_position": N_("must be a position from an answer's X-Position header"),
    "must_be_year": N_("must be a year"),
    "year_between": N_("must be a year from %(min)s to %(max)s"),
    "must_be_floor": N_("must be a floor number"),
    "whole_fen": N_("at most two decimals (fen)"),
    "amount_at_most": N_("at most %(max)s yuan"),
    "listed_twice": N_("%(name)s is listed twice"),
    "not_allowed_value": N_("must be one of %(choices)s"),
    "reason_required": N_("say why"),
    # ---- stages -------------------------------------------------------------------------
    "gate_closed": N_("Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s."),
    # ---- projects: registration, plan, stages, rulesets --------------------------------
    "project_not_found": N_("There is no such project."),
    "stale_version": N_(
        "The project was changed meanwhile: it is at version %(actual)s, not %(expected)s. "
        "Nothing was changed; reload it and try again."
    ),
    "busy": N_("The project is busy; please try again in a moment."),
    # ---- confirming a step that cannot be undone (pages) ---------------------------------
    "confirmation_missing": N_(
        "This step cannot be undone: confirm it on its confirmation page first."
    ),
    "confirmation_stale": N_(
        "The confirmation is out of date: it was used already, or the project changed since. "
        "Confirm again."
    ),
    "at_least_one_building": N_("add at least one building"),
    "at_least_one_unit": N_("add at least one unit"),
    "at_least_one_flat": N_("add at least one flat"),
    "building_listed_twice": N_("building %(building)s is listed twice"),
    "unit_listed_twice": N_("unit %(unit)s of building %(building)s is listed twice"),
    "flat_listed_twice": N_("flat %(number)s is listed twice"),
    "unknown_category": N_("must be one of %(categories)s"),
    # ---- the flat register imported from a file -------------------------------------
    "flat_import_refused": N_(
        "Some rows of the file are refused; nothing was imported. Correct them and send the "
        "file again."
    ),
    "import_not_spreadsheet": N_("must be an Excel workbook (.xlsx) or a CSV file (.csv)"),
    "import_file_too_large": N_("the file is too large: at most %(max_kb)s KB"),
    "import_column_missing": N_("the column “%(column)s” is missing from the first row"),
    "import_no_rows": N_("the file has no flats"),
    "import_too_many_rows": N_("at most %(max)s flats in one file"),
    "flat_already_registered": N_("flat %(flat_id)s is already registered"),
    "must_be_yes_no": N_("must be 是 or 否 (yes or no)"),
    "correction_changes_nothing": N_("give the corrected area, the new owner, or both"),
    # ---- investment spent (renovation/domain/parts/investment.py) -----------------------
    "unknown_funding_source": N_("must be one of the project's funding sources: %(sources)s"),
    "paid_before_registration": N_(
        "must not be before the project was registered, %(registered_on)s"
    ),
    "voucher_recorded_already": N_(
        "voucher %(voucher)s is recorded already (a payment of %(paid_on)s)"
    ),
    "unknown_stage": N_("There is no stage “%(value)s”."),
    "milestones_unfinished": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; "
        "milestones not completed: %(milestones)s."
    ),
    "ruleset_not_found": N_("There is no such ruleset."),
    "unknown_ruleset": N_("There is no ruleset %(ruleset_id)s."),
    "no_ruleset_in_force": N_("No ruleset is in force on %(on_date)s."),
    # ---- accounts and answer templates -------------------------------------------------
    "account_refused": N_("The account cannot be changed as asked."),
    "password_too_short": N_("at least %(min)s characters"),
    "password_one_character": N_("not one character repeated"),
    "password_is_username": N_("must not be the username"),
    "password_too_common": N_("too common: choose one that is not easy to guess"),
    "wrong_current_password": N_("this is not the current password"),
    "password_unchanged": N_("must differ from the current password"),
    "passwords_differ": N_("the two new passwords differ"),
    "user_exists": N_("user %(username)s exists already"),
    "staff_needs_district": N_(
        "A staff account needs --district (one or more), or --all-districts for a city-wide "
        "account."
    ),
    "all_districts_alone": N_("--all-districts is for staff accounts, without --district."),
    "unknown_user": N_("no user %(username)s"),
    "unknown_token": N_("no token %(token_id)s"),
    "token_days_between": N_("%(min)s to %(max)s days"),
    "supervisor_account_needs_project": N_(
        "A resident supervisor's account is made from the project's supervisor list."
    ),
    "supervisor_has_account": N_("This resident supervisor has an account already."),
    "not_your_project": N_("Your account records for its own project only."),
    "invalid_answer_template": N_("The common answer cannot be kept."),
    "unknown_answer_template": N_("There is no such common answer."),
    "answer_template_exists": N_("There is a common answer with this text already."),
    # ---- consultations, household codes, votes, opinions -------------------------------
    "round_closed": N_("The round is not open."),
    "consultation_not_open": N_("Voting opens at %(opens_at)s."),
    "consultation_closed": N_("Voting closed at %(closes_at)s."),
    "consultation_closed_already": N_("The round is closed already."),
    "consultation_still_open": N_("The round is open until %(closes_at)s."),
    "unknown_consultation": N_("There is no consultation %(consultation_id)s."),
    "closes_before_opening": N_("must be after the opening time"),
    "intent_vote_is_needs_round": N_("an intent vote is held in a needs survey round"),
    "questions_required": N_("add at least one question"),
    "too_many_questions": N_("at most %(max)s questions"),
    "options_between": N_("give 2 to %(max)s options"),
    "options_distinct": N_("options must differ and not be empty"),
    "question_takes_no_options": N_("this type of question has no options"),
    "question_duplicated": N_("the same question is asked as question %(position)s"),
    "consultation_questions_fixed": N_(
        "The round opened at %(opens_at)s: its questions are fixed and can no longer be changed."
    ),
    "unknown_written_answer": N_(
        "There is no written answer %(answer_id)s in this round; the household may have voted "
        "again since."
    ),
    "written_answers_counts_only": N_(
        "Your account sees how many written answers there are, not their texts."
    ),
    "taken_up_into_plan_names_no_opinion": N_("an answer taken up into the plan names no opinion"),
    "community_round_names_no_building": N_("a whole-community round names no building"),
    "building_round_names_no_unit": N_("a building round names no unit"),
    "unknown_building": N_("there is no building %(building)s"),
    "unknown_unit": N_("there is no unit %(unit)s in building %(building)s"),
    "unknown_flat": N_("There is no flat %(flat_id)s."),
    "no_flats": N_("There are no flats to issue codes for."),
    "household_codes_not_kept": N_(
        "These codes were issued already and are not kept; issue new ones with another "
        "Idempotency-Key."
    ),
    "unknown_household_code": N_(
        "This household code is not right for this community. Please check it against your "
        "letter; codes have no letters O or I and no digits 0 or 1."
    ),
    "out_of_scope": N_(
        "Flat %(number)s of unit %(unit)s, building %(building)s is not in this round's scope."
    ),
    "consent_choice": N_("Please choose agree, disagree or abstain."),
    "consent_not_asked": N_("Only an intent vote asks for consent."),
    "unknown_question": N_("There is no such question."),
    "answer_required": N_("Please answer this question."),
    "choose_an_option": N_("Please choose one of the options."),
    "choose_from_options": N_("Please choose from the options."),
    "rating_1_to_5": N_("Please choose a number from 1 to 5."),
    "choose_satisfaction": N_("Please choose satisfied, basically satisfied or dissatisfied."),
    "evaluation_needs_one_satisfaction_question": N_(
        "an evaluation round asks exactly one satisfaction question"
    ),
    "satisfaction_question_in_evaluation_only": N_(
        "a satisfaction question is asked in an evaluation round only"
    ),
    "evaluation_coverage_too_low": N_(
        "Only %(answered)s of %(households)s households answered (%(coverage)s); the rules ask "
        "for at least %(min_coverage)s, below which the evaluation does not count. Collect more "
        "answers, paper ones too, and close it then."
    ),
    "no_evaluation_round": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; no "
        "satisfaction evaluation round was held."
    ),
    "evaluation_not_closed": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; the "
        "evaluation round “%(title)s” is not closed yet."
    ),
    "evaluation_result_missing": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; the "
        "evaluation round “%(title)s” recorded no satisfaction result: hold one with a "
        "satisfaction question."
    ),
    "opinion_not_answered": N_("The opinion has no answer yet to rate."),
    "unit_without_building": N_("Please choose the building of this unit."),
    "opinion_exists": N_("Opinion %(opinion_id)s exists already."),
    "unknown_opinion": N_("There is no opinion %(opinion_id)s in this project."),
    "unknown_tracking_code": N_("There is no opinion with tracking code %(tracking_code)s."),
    "not_adopted_reason_required": N_("A reason is required when an opinion is not adopted."),
    "referred_to_required": N_("Say to whom it is referred."),
    "unknown_link": N_("There is no renovation item or milestone %(target)s."),
    "hide_reason_required": N_("Say why the text is hidden."),
    "opinion_hidden_already": N_("The opinion is hidden already."),
    "opinion_shown_already": N_("The opinion is shown already."),
    "unknown_personal_data": N_("There is no such personal data in this project."),
    "personal_data_erased": N_("This opinion holds no personal data (or it was erased already)."),
    "resident_has_no_personal_data": N_(
        "This project holds no personal data of this resident (or it was erased already)."
    ),
    "resident_not_named": N_("Name the resident by their flat or their contact."),
    # ---- lifts: retrofits, consent, cost shares, objections -----------------------------
    "lift_rule": N_("The lift retrofit does not allow this."),
    "unknown_lift": N_("There is no lift retrofit %(lift)s."),
    "unknown_objection": N_("There is no objection %(objection)s."),
    "unit_has_lift": N_("Unit %(unit)s has a lift retrofit already."),
    "flat_not_in_unit": N_("Flat %(flat)s is not in unit %(unit)s."),
    "poll_closes_before_opens": N_("The poll must close after it opens."),
    "poll_not_failed": N_("Only a closed poll that failed is held again."),
    "poll_closed": N_("The willingness poll is closed."),
    "poll_not_open": N_("The poll opens at %(opens_at)s."),
    "poll_ended": N_("The poll closed at %(closes_at)s."),
    "poll_open_until": N_("The poll is open until %(until)s."),
    "objections_not_taken": N_(
        "Objections are taken during the public notice and the objection window."
    ),
    "objection_answered": N_("The objection is answered already."),
    "objection_reason_required": N_("Say how the objection was resolved, and why."),
    "lift_not_in_service": N_("The lift is not in service."),
    "inspection_valid_until": N_("give the date the inspection pass expires, after its day"),
    "unknown_lift_stage": N_("There is no lift stage “%(lift_to)s”."),
    "lift_abandon_reason_required": N_("Say why the retrofit is abandoned."),
    "required_at_stage": N_("required at this stage"),
    "lift_budget_amount": N_("a positive amount in yuan, at most two decimals"),
    "lift_floor_not_in_unit": N_("the unit has no flat on floor %(floor)s"),
    "lift_coefficient_number": N_("the coefficient of floor %(floor)s must be a number"),
    "lift_coefficient_negative": N_(
        "the coefficient of floor %(floor)s must not be negative; a floor that pays nothing "
        "is listed among the floors that pay nothing"
    ),
    "lift_coefficient_missing": N_(
        "no coefficient for floor %(floor)s, which pays: give one for every paying floor"
    ),
    "lift_abandoned": N_("The lift cannot move to “%(lift_to)s”: the retrofit was abandoned."),
    "lift_stage_skipped": N_(
        "The lift cannot move to “%(lift_to)s”: the lift must first reach “%(lift_required)s”."
    ),
    "lift_installation_not_notified": N_(
        "The lift cannot move to “%(lift_to)s”: the installation must first be notified to "
        "the special-equipment authority."
    ),
    "lift_inspection_not_passed": N_(
        "The lift cannot move to “%(lift_to)s”: the supervisory inspection must first be passed."
    ),
    "lift_completion_not_accepted": N_(
        "The lift cannot move to “%(lift_to)s”: the completion must first be accepted."
    ),
    "lift_use_not_registered": N_(
        "The lift cannot move to “%(lift_to)s”: the use must first be registered."
    ),
    "lift_notice_and_objections_open": N_(
        "The lift cannot move to “%(lift_to)s”: the public notice and the objection window "
        "must end first."
    ),
    "lift_notice_running": N_(
        "The lift cannot move to “%(lift_to)s”: the public notice runs until %(ends_on)s."
    ),
    "lift_objection_window_open": N_(
        "The lift cannot move to “%(lift_to)s”: objections may be lodged until %(ends_on)s."
    ),
    "lift_objections_unanswered": N_(
        "The lift cannot move to “%(lift_to)s”: %(count)s objection(s) not yet answered."
    ),
    "lift_no_objection_to_mediate": N_(
        "The lift cannot move to “%(lift_to)s”: there is no objection to mediate."
    ),
    "invalid_consent_input": N_("The flats or votes cannot be counted."),
    "unknown_matter": N_("There is no matter class “%(matter)s”."),
    "empty_scope": N_("The vote's scope has no flats."),
    "invalid_flat": N_("A flat of the vote's scope is not acceptable."),
    "flat_area_positive": N_("flat %(flat)s: the area must be a positive number"),
    "flat_without_owner": N_("flat %(flat)s has no owner"),
    "vote_flat_not_in_scope": N_("A vote names flat %(flat)s, which is not in the vote."),
    "invalid_vote": N_("flat %(flat)s: “%(choice)s” is not agree, disagree or abstain"),
    "invalid_cost_share_input": N_("The cost shares cannot be computed."),
    "budget_missing": N_("The lift's budget is not set."),
    "subsidy_exceeds_cost": N_("The subsidy %(subsidy)s exceeds the cost %(total_cost)s."),
    "no_paying_flats": N_("No flat pays: every floor is exempt or no flat was given."),
    "flat_floor_invalid": N_("flat %(flat)s: the floor must be a whole number from 1"),
    # ---- milestones ---------------------------------------------------------------------
    "unknown_milestone": N_("There is no milestone %(milestone_id)s."),
    "unknown_content_item": N_("There is no renovation item %(item_id)s."),
    "milestone_exists": N_("There is a milestone “%(name)s” already."),
    "item_quantity_left": N_("%(item)s has only %(left)s %(unit)s left to plan."),
    "finish_before_start": N_("must not be before the planned start, %(planned_start)s"),
    "more_than_milestone": N_(
        "more than the milestone's %(quantity)s; delay it or plan another milestone"
    ),
    "date_after_today": N_("must not be after today, %(today)s"),
    "before_last_report": N_("must not be before the last report, of %(last_report_on)s"),
    "correction_reason_required": N_(
        "lower than the last figure, %(last_quantity)s: this is a correction, so say why"
    ),
    "delay_not_later": N_("must be after the planned finish, %(planned_finish)s"),
    "milestone_not_fully_reported": N_(
        "%(percent)s%% reported so far: report the whole quantity first"
    ),
    "milestone_completed": N_("It was completed on %(completed_on)s."),
    "milestone_planning_closed": N_(
        "Not possible at the stage “%(from_stage)s”: milestones are planned from the renovation "
        "plan until construction ends."
    ),
    "milestone_progress_closed": N_(
        "Not possible at the stage “%(from_stage)s”: progress is reported while the project is "
        "under construction."
    ),
    "milestone_completion_closed": N_(
        "Not possible at the stage “%(from_stage)s”: milestones are completed while the project "
        "is under construction."
    ),
    "supervisor_notes_closed": N_(
        "Not possible at the stage “%(from_stage)s”: supervisors' notes are recorded from "
        "construction until rectification ends."
    ),
    "item_progress_closed": N_(
        "Not possible at the stage “%(from_stage)s”: progress is recorded from the start of "
        "construction until rectification ends."
    ),
    "progress_through_milestones": N_("This item's progress is reported through its milestones."),
    # ---- completion acceptance, rectification, supervision -----------------------------
    "too_many": N_("at most %(max)s"),
    "credit_code_length": N_("a unified social credit code has %(length)s characters"),
    "credit_code_characters": N_(
        "these characters do not occur in a unified social credit code: %(characters)s"
    ),
    "credit_code_check": N_(
        "the check character is wrong (it would be %(check_character)s): check the code "
        "against the licence"
    ),
    "unit_missing": N_("record the %(unit_role)s first"),
    "unit_absent": N_("the %(unit_role)s must be present"),
    "meeting_before_notice_period_ends": N_(
        "the quality supervision body must be told %(days)s working days ahead: the meeting "
        "may be held from %(earliest)s"
    ),
    "acceptance_not_notified": N_(
        "first record the notice to the quality supervision body for this meeting"
    ),
    "acceptance_closed": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s."
    ),
    "unknown_supervisor": N_("there is no such resident supervisor"),
    "passed_with_defects": N_("defects were found: the conclusion is a pass with rectification"),
    "rectification_without_defects": N_("list the defects to be rectified"),
    "due_before_meeting": N_("must not be before the meeting, on %(held_on)s"),
    "unknown_rectification_item": N_("There is no rectification item %(item_id)s."),
    "rectification_item_status": N_(
        "Rectification item %(item_id)s is “%(item_status)s”: this step is not possible now."
    ),
    "not_co_approver": N_(
        "Only a co-approver of rectification item %(item_id)s may approve or reopen it."
    ),
    "already_approved": N_("This co-approver has approved already."),
    "filing_before_acceptance": N_(
        "Not possible at the stage “%(from_stage)s”: the filing follows a passed acceptance."
    ),
    "filed_already": N_("The acceptance is filed already."),
    "filed_before_acceptance": N_("must not be before the acceptance, on %(accepted_on)s"),
    "no_acceptance_record": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; "
        "no acceptance meeting is recorded."
    ),
    "acceptance_failed": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; the "
        "acceptance meeting of %(held_on)s did not pass: rectify and hold it again."
    ),
    "rectification_items_open": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; "
        "rectification items still open: %(items)s."
    ),
    "no_defects_found": N_(
        "Not possible at the stage “%(from_stage)s”. Condition not met: %(gate)s; the "
        "acceptance meeting found nothing to rectify."
    ),
    "unknown_photo": N_("upload the photo first"),
    "unit_not_recorded": N_("Record the %(unit_role)s among the participating units first."),
    # ---- photo uploads ------------------------------------------------------------------
    "photo_empty": N_("the file is empty"),
    "photo_not_image": N_("must be a JPEG or PNG photo"),
    "photo_too_large": N_("the file is larger than %(max)s MB"),
    "photo_too_many_pixels": N_("the picture has more than %(max)s million pixels"),
    "photo_damaged": N_("the picture is damaged or incomplete"),
    # ---- rate limits (renovation/web/limits.py) -------------------------------------------
    "rate_limited": N_(
        "Too many requests from this address: at most %(count)s every %(seconds)s seconds. "
        "Please wait a moment and try again."
    ),
    "unknown_photo_subject": N_("There is no such %(subject)s."),
    "handover_before_acceptance": N_(
        "Not possible at the stage “%(from_stage)s”: the hand-over follows the acceptance."
    ),
    # ---- audit log proofs (renovation/web/api/audit_log.py) -----------------------------
    "beyond_log_size": N_("the audit log holds %(max)s events: at most %(max)s"),
    "beyond_tree_size": N_("must be at most the tree size %(max)s"),
    "checkpoint_unreadable": N_("the checkpoint is not a signed note of a tree size and root"),
    "checkpoint_signature_fails": N_("the checkpoint's signature does not hold"),
    "checkpoint_not_signed_by_key": N_("the checkpoint carries no signature by this key"),
}

PARAMS: dict[str, str] = {
    "max_kb": "number",
    "latest": "number",
    "answered": "number",
    "households": "number",
    "gate": "gate",
    "from_stage": "project_stage",
    "to_stage": "project_stage",
    "stage": "project_stage",
    "fields": "list",
    "choices": "list",
    "min": "number",
    "max": "number",
    "on_date": "date",
    "today": "date",
    "until": "datetime",
    "opens_at": "datetime",
    "closes_at": "datetime",
    "lift_from": "lift_stage",
    "lift_to": "lift_stage",
    "lift_required": "lift_stage",
    "ends_on": "date",
    "count": "number",
    "seconds": "number",
    "subsidy": "number",
    "total_cost": "number",
    "floor": "number",
    "expected": "number",
    "actual": "number",
    "categories": "list:content_category",
    "milestones": "list",
    "left": "number",
    "quantity": "number",
    "done_quantity": "number",
    "last_quantity": "number",
    "percent": "number",
    "planned_start": "date",
    "planned_finish": "date",
    "last_report_on": "date",
    "completed_on": "date",
    "length": "number",
    "characters": "list",
    "unit_role": "unit_role",
    "days": "number",
    "earliest": "date",
    "held_on": "date",
    "accepted_on": "date",
    "item_status": "rectification_status",
    "items": "list",
    "subject": "photo_subject",
    "position": "number",
    "sources": "list",
    "registered_on": "date",
    "paid_on": "date",
}
