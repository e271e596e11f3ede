"""The audit report: one project's history over a period, as the auditors' console shows it,
with the result of verifying its chain and the checkpoint it was checked against."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from renovation.projections.history import HistoryFilter, history_page, verification_facts
from renovation.projections.queries import get_summary
from renovation.reports.contexts import local_time
from renovation.reports.rendering import (
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    report_words,
    translated,
)
from renovation.runtime import Runtime
from renovation.vocabulary.event_sentences import event_sentence
from renovation.vocabulary.markers import N_

TEMPLATE = "reports/audit/report.html"
# A period longer than this is cut, and the report says so: narrow the period to see the rest.
MAX_ROWS = 2000

MESSAGES: dict[str, str] = {
    "title": N_("Audit report of a project's history"),
    "period": N_("Period"),
    "period_from": N_("from %(day)s"),
    "period_to": N_("to %(day)s"),
    "period_all": N_("the whole history"),
    "history": N_("History"),
    "no_events": N_("No event was recorded in the period."),
    "cut": N_(
        "The first %(shown)s of %(total)s events are shown: narrow the period to see the rest."
    ),
    "version": N_("Version"),
    "recorded_at": N_("Recorded at"),
    "effective_on": N_("Effective on"),
    "actor": N_("By"),
    "what": N_("What happened"),
    "check": N_("Result of the chain check"),
    "chain_ok": N_("The chain is intact: every stored event matches the recorded digests."),
    "chain_broken": N_("The chain is broken: %(problems)s problems found."),
    "events_checked": N_("Events checked"),
    "first_problem": N_("First problem"),
    "first_problem_at": N_("version %(version)s, position %(position)s"),
    "checkpoint": N_("Checkpoint checked against"),
    "checkpoint_value": N_("size %(size)s, root %(root)s"),
    "no_checkpoint": N_("No signed checkpoint is kept yet."),
    "checkpoint_ok": N_("signed by the log's key; the project's events are the ones it logged"),
    "checkpoint_bad": N_("does not hold: the signature, the root or the events differ"),
}


def audit_report_context(
    row: dict[str, Any],
    rows: list[dict[str, Any]],
    total: int,
    verification: dict[str, Any],
    *,
    since: date | None,
    until: date | None,
    lang: str = "zh",
) -> dict[str, Any]:
    """Plain values for the template: the period, the history's lines in one language, the
    check's result, and ``checkpoint`` (the signed tree head, or None) for the layout."""
    lang = report_language(lang)
    v = report_words(lang)
    words = {**layout_labels(lang), **translated(MESSAGES, lang)}
    period = [
        words["period_from"] % {"day": v.date(since)} if since else "",
        words["period_to"] % {"day": v.date(until)} if until else "",
    ]
    return {
        "title": words["title"],
        "lang": lang,
        "words": words,
        "project": {"id": row["id"], "name": row["name"], "district": row["district"]},
        "period": " ".join(p for p in period if p) or words["period_all"],
        "entries": [
            {
                "version": r["version"],
                "recorded_at": v.datetime(r["recorded_at"]),
                "effective_on": v.date(r["effective_on"]) if r["effective_on"] else "",
                "actor": v.label("actor_role", r["actor_role"]),
                "what": event_sentence(v, r["event_type"], r["summary"]),
            }
            for r in rows
        ],
        "cut": words["cut"] % {"shown": len(rows), "total": total} if total > len(rows) else None,
        "verification": verification,
        "checkpoint": verification.get("checkpoint"),
        "position": row["position"],
        "chain_digest": row["chain_digest"],
        "as_of": None,
        "generated_at": local_time(datetime.now(UTC)),
    }


def render_audit_report(context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_html(TEMPLATE, context))


def audit_report_pdf(
    runtime: Runtime,
    project_id: UUID,
    *,
    since: date | None = None,
    until: date | None = None,
    lang: str = "zh",
) -> bytes:
    """The audit report of one project over ``since``–``until`` (Beijing days, inclusive),
    from the read model's event log, with the chain verified from the stored events."""
    runtime.catch_up()
    row = get_summary(runtime.engine, str(project_id))
    facts = verification_facts(runtime.app, runtime.engine, project_id, runtime.audit_log)
    rows, total = history_page(
        runtime.engine,
        str(project_id),
        HistoryFilter(since=since, until=until),
        per_page=MAX_ROWS,
    )
    verification = asdict(facts)
    context = audit_report_context(
        row, rows, total, verification, since=since, until=until, lang=lang
    )
    return render_audit_report(context)
