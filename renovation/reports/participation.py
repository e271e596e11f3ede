"""Residents' participation in the project report: opinion figures and consultation results.

Pure helpers turn the published opinion figures (:func:`opinion_figures`) and the stored
result of each closed consultation round (``round_result`` of the domain, with an intent
vote's art. 278 consent result) into plain template values in one language, every word
from the catalogue (:func:`renovation.reports.rendering.report_words`), percentages
formatted, one row per threshold check. :func:`project_participation` gathers those inputs
for one project, now.

Flats that failed a veto are counted, not named: flat numbers are personal information and
the project report is published.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from renovation.projections.opinions import (
    LOCAL_TZ,
    OPINION_EVENTS,
    fold_opinion,
    opinion_figures,
)
from renovation.projections.queries import opinion_rows
from renovation.reports.rendering import report_words, translated
from renovation.vocabulary.markers import N_

if TYPE_CHECKING:
    from renovation.runtime import Runtime

NOT_APPLICABLE = "—"

OUTCOME_ORDER = ("adopted", "partly_adopted", "not_adopted", "referred")

MESSAGES: dict[str, str] = {
    "title": N_("Residents' participation"),
    "opinions": N_("Opinions and suggestions"),
    "figure": N_("Figure"),
    "value": N_("Value"),
    "received": N_("Opinions received"),
    "answered": N_("Answered"),
    "open": N_("Awaiting an answer"),
    "open_value": N_("%(open)s (overdue: %(overdue)s)"),
    "count_value": N_("%(count)s items"),
    "on_time": N_("Answered on time"),
    "on_time_value": N_("%(rate)s (%(part)s/%(whole)s)"),
    "adoption": N_("Adoption rate (adopted or partly adopted, of answered)"),
    "adoption_value": N_("%(rate)s (%(part)s/%(whole)s)"),
    "outcome": N_("Outcome of the answer"),
    "outcome_count": N_("Count"),
    "outcome_share": N_("Of answered"),
    "no_opinions": N_("No opinions received yet."),
    "satisfaction": N_("Satisfaction evaluation"),
    "satisfaction_definition": N_(
        "Satisfaction rate = (satisfied + basically satisfied) ÷ households answering"
    ),
    "satisfaction_counts": N_(
        "Satisfied %(satisfied)s, basically satisfied %(basic)s, dissatisfied %(dissatisfied)s"
    ),
    "satisfaction_rate": N_(
        "Satisfaction rate: (%(satisfied)s + %(basic)s) ÷ %(answered)s = %(rate)s; the ruleset "
        "asks for %(threshold)s: %(verdict)s"
    ),
    "satisfaction_coverage": N_(
        "Coverage: %(answered)s of %(households)s households answered = %(coverage)s; at least "
        "%(min_coverage)s is needed: %(verdict)s"
    ),
    "met": N_("met"),
    "not_met": N_("not met"),
    "rounds": N_("Consultation results"),
    "no_rounds": N_("No consultation round has closed yet."),
    "open_rounds": N_("%(count)s more round(s) still open; listed once closed."),
    "intent_vote": N_("Intent vote"),
    "kind": N_("Kind"),
    "period": N_("Consultation period"),
    "period_value": N_("%(opens)s to %(closes)s"),
    "scope": N_("Scope"),
    "scope_building": N_("Building %(building)s"),
    "scope_unit": N_("Building %(building)s, unit %(unit)s"),
    "participation": N_("Participation"),
    "measure": N_("Measure"),
    "part": N_("Took part"),
    "whole": N_("Total number"),
    "rate": N_("Proportion"),
    "ballots": N_("Households taking part"),
    "by_head": N_("Owners (headcount)"),
    "by_area": N_("Exclusive area (m²)"),
    "consent": N_("Consent (Civil Code art. 278)"),
    "matter": N_("Matter"),
    "matter_value": N_("Matter: %(matter)s"),
    "check_name": N_("Check"),
    "check_required": N_("Required"),
    "check_actual": N_("Actual"),
    "check_result": N_("Result"),
    "check_passed": N_("met"),
    "check_failed": N_("not met"),
    "verdict_passed": N_("Verdict: passed. Counted under: %(ruleset)s."),
    "verdict_failed": N_("Verdict: not passed. Counted under: %(ruleset)s."),
    "no_consent": N_("No consent result (no flats in scope, or no ruleset applied)."),
    "vetoes": N_(
        "%(count)s owner(s) whose exclusive part the works would occupy did not agree; "
        "their agreement is required."
    ),
    "questions": N_("Questions"),
    "question": N_("Question"),
    "question_answered": N_("Households answering"),
    "question_summary": N_("Result"),
    "rating_summary": N_("average %(mean)s of 5"),
    "no_rating": N_("no ratings"),
    "text_summary": N_("%(count)s written answers (not published)"),
    "as_of_note": N_(
        "Residents' participation is shown only in a report of the current state; "
        "this report as of a past date leaves it out."
    ),
}


def labels(lang: str) -> dict[str, str]:
    """The participation section's words in ``lang`` ("zh" or "en"; else Chinese)."""
    return translated(MESSAGES, lang)


def _share(part: int, whole: int, places: int = 1) -> str:
    return f"{part * 100 / whole:.{places}f}%" if whole else NOT_APPLICABLE


def _local_day_time(value: datetime | str | None) -> str:
    if value is None:
        return NOT_APPLICABLE
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


# ---- opinions --------------------------------------------------------------------------


def opinion_values(figures: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The opinion figures as rows of (label, value), and the outcomes with their shares.

    ``figures`` is :func:`renovation.projections.opinions.opinion_figures`'s dict.
    """
    v = report_words(lang)
    words = labels(lang)
    answered = figures["answered"]
    outcomes = figures.get("outcomes", {})
    adopted = outcomes.get("adopted", 0) + outcomes.get("partly_adopted", 0)
    rows = [
        {
            "label": words["received"],
            "value": words["count_value"] % {"count": figures["received"]},
        },
        {"label": words["answered"], "value": words["count_value"] % {"count": answered}},
        {
            "label": words["open"],
            "value": words["open_value"] % {"open": figures["open"], "overdue": figures["overdue"]},
        },
        {
            "label": words["on_time"],
            "value": words["on_time_value"]
            % {
                "rate": figures["on_time_rate"] or NOT_APPLICABLE,
                "part": figures["answered_on_time"],
                "whole": answered,
            },
        },
        {
            "label": words["adoption"],
            "value": words["adoption_value"]
            % {
                "rate": figures["adoption_rate"] or NOT_APPLICABLE,
                "part": adopted,
                "whole": answered,
            },
        },
    ]
    order = list(OUTCOME_ORDER) + [o for o in outcomes if o not in OUTCOME_ORDER]
    return {
        "received": figures["received"],
        "rows": rows,
        "outcomes": [
            {
                "outcome": outcome,
                "label": v.label("answer_outcome", outcome),
                "count": outcomes.get(outcome, 0),
                "share": _share(outcomes.get(outcome, 0), answered),
            }
            for outcome in order
        ],
    }


# ---- consultation rounds ---------------------------------------------------------------


def consent_values(consent: dict[str, Any] | None, lang: str = "zh") -> dict[str, Any] | None:
    """An art. 278 result (``ConsentResult.to_dict()``) as the table a notice (公示) prints.

    The ruleset is named by its label, never by its id.
    """
    if not consent:
        return None
    v = report_words(lang)
    words = labels(lang)
    ruleset_id = consent.get("ruleset_id")
    ruleset = v.label("ruleset", ruleset_id) if ruleset_id else NOT_APPLICABLE
    vetoes = len(consent.get("veto_failures") or [])
    matter = consent.get("matter", "")
    return {
        "matter": v.label("matter", matter),
        "matter_line": words["matter_value"] % {"matter": v.label("matter", matter)},
        "ruleset": ruleset,
        "rows": [
            {
                "name": v.label("consent_check", check["name"]),
                "required": check["required"],
                "actual": check["rendered"],
                "passed": bool(check["passed"]),
                "result": words["check_passed"] if check["passed"] else words["check_failed"],
            }
            for check in consent["checks"]
        ],
        "passed": bool(consent["passed"]),
        "verdict": (words["verdict_passed"] if consent["passed"] else words["verdict_failed"])
        % {"ruleset": ruleset},
        "veto_note": words["vetoes"] % {"count": vetoes} if vetoes else None,
    }


def _scope_label(scope: dict[str, Any] | None, lang: str) -> str:
    words = labels(lang)
    scope = scope or {}
    level = scope.get("level", "community")
    if level == "building":
        return words["scope_building"] % {"building": scope.get("building")}
    if level == "unit":
        return words["scope_unit"] % {"building": scope.get("building"), "unit": scope.get("unit")}
    return report_words(lang).label("scope_level", "community")


def _question_summary(question: dict[str, Any], words: dict[str, str]) -> str:
    if question["type"] == "rating":
        mean = question.get("mean")
        return words["rating_summary"] % {"mean": mean} if mean else words["no_rating"]
    if "counts" in question:
        return " · ".join(f"{option} {count}" for option, count in question["counts"].items())
    return words["text_summary"] % {"count": question.get("texts", question.get("answered", 0))}


def round_values(round_: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """One closed round as template values.

    ``round_`` has the round's ``kind``, ``title``, ``intent_vote``, ``scope``, ``opens_at``,
    ``closes_at`` (datetimes or ISO strings) and its stored ``result`` (the domain's
    ``round_result``: counts as ints, areas and shares as strings, ``consent`` or None).
    """
    v = report_words(lang)
    words = labels(lang)
    result = round_["result"]
    kind = v.label("consultation_kind", round_.get("kind", ""))
    if round_.get("intent_vote"):
        kind = f"{kind} · {words['intent_vote']}"
    return {
        "consultation_id": result.get("round_id", round_.get("round_id")),
        "title": round_.get("title", ""),
        "kind": kind,
        "intent_vote": bool(round_.get("intent_vote")),
        "scope": _scope_label(round_.get("scope"), lang),
        "period": words["period_value"]
        % {
            "opens": _local_day_time(round_.get("opens_at")),
            "closes": _local_day_time(round_.get("closes_at")),
        },
        "participation": [
            {
                "label": words["ballots"],
                "part": result["ballots"],
                "whole": result["flats"],
                # two places, as the domain gives the shares by head and by area
                "rate": _share(result["ballots"], result["flats"], places=2),
            },
            {
                "label": words["by_head"],
                "part": result["participating_owners"],
                "whole": result["owners"],
                "rate": result["participation_by_head"],
            },
            {
                "label": words["by_area"],
                "part": result["participating_area"],
                "whole": result["area"],
                "rate": result["participation_by_area"],
            },
        ],
        "consent": consent_values(result.get("consent"), lang),
        "satisfaction": satisfaction_values(result.get("satisfaction"), lang),
        "no_consent": words["no_consent"] if round_.get("intent_vote") else None,
        "questions": [
            {
                "number": index,
                "text": question["text"],
                "answered": question["answered"],
                "summary": _question_summary(question, words),
            }
            for index, question in enumerate(result.get("questions") or [], start=1)
        ],
    }


def satisfaction_values(
    satisfaction: dict[str, Any] | None, lang: str = "zh"
) -> dict[str, Any] | None:
    """A recorded satisfaction result (``SatisfactionResult.to_dict()``) as the lines a
    report prints: the definition, the counts and the arithmetic of rate and coverage."""
    if not satisfaction:
        return None
    words = labels(lang)
    s = satisfaction
    return {
        "passed": bool(s["passed"]),
        "lines": [
            words["satisfaction_definition"],
            words["satisfaction_counts"]
            % {
                "satisfied": s["satisfied"],
                "basic": s["basically_satisfied"],
                "dissatisfied": s["dissatisfied"],
            },
            words["satisfaction_rate"]
            % {
                "satisfied": s["satisfied"],
                "basic": s["basically_satisfied"],
                "answered": s["answered"],
                "rate": s["rate_percent"] if s["answered"] else NOT_APPLICABLE,
                "threshold": s["threshold_percent"],
                "verdict": words["met" if s["passed"] else "not_met"],
            },
            words["satisfaction_coverage"]
            % {
                "answered": s["answered"],
                "households": s["households_in_scope"],
                "coverage": s["coverage_percent"],
                "min_coverage": s["min_coverage_percent"],
                "verdict": words["met" if s["coverage_met"] else "not_met"],
            },
        ],
    }


def evaluation_values(rounds: dict[str, dict[str, Any]], lang: str = "zh") -> list[dict]:
    """The closed evaluation rounds (问效) of a project with their satisfaction results."""
    return [
        {
            "title": r.get("title", ""),
            "closes_at": _local_day_time(r.get("closes_at")),
            "satisfaction": satisfaction_values(r["satisfaction"], lang),
        }
        for r in rounds.values()
        if r.get("closed") and r.get("satisfaction")
    ]


def participation_values(participation: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The whole section's values from :func:`project_participation`'s dict."""
    words = labels(lang)
    open_rounds = participation.get("open_rounds", 0)
    return {
        "words": words,
        "opinions": opinion_values(participation["opinion_figures"], lang),
        "rounds": [round_values(r, lang) for r in participation.get("rounds", [])],
        "open_rounds": open_rounds,
        "open_rounds_note": words["open_rounds"] % {"count": open_rounds} if open_rounds else None,
    }


def as_of_note(lang: str = "zh") -> str:
    """The line a report as of a past date prints instead of the section."""
    return labels(lang)["as_of_note"]


# ---- gathering -------------------------------------------------------------------------


def project_participation(runtime: Runtime, project_id: UUID | str) -> dict[str, Any]:
    """A project's participation now: opinion figures from the read model, closed rounds.

    Returns ``{"opinion_figures": {...}, "rounds": [...], "open_rounds": int, "today": str}``;
    each round carries ``consultation_id``, ``kind``, ``title``, ``intent_vote``, ``matter``,
    ``scope``, ``opens_at``, ``closes_at`` (ISO strings) and its stored ``result``.
    Overdue opinions are counted against today in Asia/Shanghai, by the application's clock.
    """
    pid = project_id if isinstance(project_id, UUID) else UUID(str(project_id))
    today = runtime.app.clock().astimezone(LOCAL_TZ).date()
    figures = opinion_figures(opinion_rows(runtime.engine, project_id=str(pid)), today=today)
    return _participation(figures, runtime.app.get_project(pid), today)


def project_participation_at(
    runtime: Runtime, project_id: UUID, summary: dict[str, Any], day: date
) -> dict[str, Any]:
    """The participation as it stood at the version of ``summary`` (a report as of a past
    time): the opinions read model's own fold replayed over the project's events up to that
    version, the rounds closed by then; open opinions counted overdue against ``day``."""
    version = summary["version"]
    rows: dict[str, dict[str, Any]] = {}
    for stored in runtime.app.recorder.select_events(project_id, lte=version):
        if stored.topic.rsplit(":", 1)[-1] not in OPINION_TOPICS:
            continue
        event = runtime.app.mapper.to_domain_event(stored)
        rows[event.opinion_id] = fold_opinion(rows.get(event.opinion_id), event, summary)
    figures = opinion_figures(list(rows.values()), today=day)
    return _participation(figures, runtime.app.get_project(project_id, version=version), day)


OPINION_TOPICS = frozenset(cls.__name__ for cls in OPINION_EVENTS)


def _participation(figures: dict[str, Any], project: Any, today: date) -> dict[str, Any]:
    closed = [r for r in project.rounds.values() if r["closed"] and r["result"] is not None]
    closed.sort(key=lambda r: (r["closes_at"], r["round_id"]))
    return {
        "opinion_figures": figures,
        "rounds": [
            {
                "consultation_id": r["round_id"],
                "kind": r["kind"],
                "title": r["title"],
                "intent_vote": bool(r["intent_vote"]),
                "matter": r["matter"],
                "scope": dict(r["scope"] or {}),
                "opens_at": _iso(r["opens_at"]),
                "closes_at": _iso(r["closes_at"]),
                "result": r["result"],
            }
            for r in closed
        ],
        "open_rounds": sum(1 for r in project.rounds.values() if not r["closed"]),
        "today": today.isoformat(),
    }


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
