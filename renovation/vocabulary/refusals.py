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
    "must_be_year": N_("must be a year"),
    "must_be_floor": N_("must be a floor number"),
    "whole_fen": N_("at most two decimals (fen)"),
    "listed_twice": N_("%(name)s is listed twice"),
    "not_allowed_value": N_("must be one of %(choices)s"),
    "reason_required": N_("say why"),
    # ---- stages -------------------------------------------------------------------------
    "gate_closed": N_("Not possible at the stage “%(from_stage)s”: first %(gate)s."),
    # ---- projects: registration, plan, stages, rulesets --------------------------------
    # ---- accounts and answer templates -------------------------------------------------
    "account_refused": N_("The account cannot be changed as asked."),
    "password_too_short": N_("at least %(min)s characters"),
    "user_exists": N_("user %(username)s exists already"),
    "unknown_user": N_("no user %(username)s"),
    "invalid_answer_template": N_("The common answer cannot be kept."),
    "unknown_answer_template": N_("There is no such common answer."),
    "answer_template_exists": N_("There is a common answer with this text already."),
    # ---- consultations, household codes, votes, opinions -------------------------------
    # ---- lifts: retrofits, consent, cost shares, objections -----------------------------
    # ---- milestones ---------------------------------------------------------------------
}

PARAMS: dict[str, str] = {
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
}
