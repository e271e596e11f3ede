"""The auditors' console for one project: its history as a table (filtered, paginated from the
read model), the verification panel, the state as of a version, two dates compared, and the
audit report PDF.

Auditors and admins see every project; staff only the projects of their own districts;
anyone else is refused with the error page and its code.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any
from uuid import UUID

from flask import Response, abort, render_template, request

from renovation.application.errors import ProjectNotFoundError
from renovation.projections.acceptance_replay import acceptance_at
from renovation.projections.history import (
    HistoryFilter,
    day_end,
    history_page,
    opinion_counts,
    verification_facts,
    version_at,
)
from renovation.projections.queries import get_summary
from renovation.projections.replay import summary_at, summary_at_version
from renovation.reports.audit import audit_report_pdf
from renovation.vocabulary.event_sentences import event_sentence
from renovation.vocabulary.labels import LABELS
from renovation.web import runtime
from renovation.web.access import AUDITOR, STAFF, access
from renovation.web.auth import page_user, require_role
from renovation.web.i18n import words
from renovation.web.pages.blueprint import bp, query_url
from renovation.web.pages.views import day_from, pagination

READER_ROLES = ("auditor", "admin", "staff")
PER_PAGE = 50
MAX_PAGE = 100_000


def readable_project(project_id: UUID) -> dict[str, Any]:
    """The project's summary, if the signed-in reader may see its history: 404 for an unknown
    project, 403 for staff of another district."""
    row = get_summary(runtime().engine, str(project_id))
    if row is None:
        abort(404)
    user = page_user()
    if user.role == "staff" and not user.may_write_in(row["district"]):
        abort(403, description=f"your account does not cover the district {row['district']}")
    return row


def parse_day(name: str, errors: dict[str, list[str]]) -> date | None:
    """``?name=YYYY-MM-DD`` as a date; a problem under ``name`` when it is not one."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    day, problem = day_from(text)
    if problem:
        errors.setdefault(name, []).append(problem)
    return day


def parse_version(latest: int, errors: dict[str, list[str]]) -> int | None:
    text = request.args.get("version", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= latest:
        errors.setdefault("version", []).append(
            words().refusal("no_such_version", {"latest": latest})
        )
        return None
    return int(text)


def history_filters(latest: int) -> tuple[dict[str, Any], HistoryFilter, dict[str, list[str]]]:
    """The query string's filters (as the form shows them), the filter, and any problems."""
    errors: dict[str, list[str]] = {}
    kind = request.args.get("kind", "")
    role = request.args.get("role", "")
    kind = kind if kind in LABELS["event_kind"] else ""
    role = role if role in LABELS["actor_role"] else ""
    since, until = parse_day("from", errors), parse_day("to", errors)
    if since and until and since > until:
        errors.setdefault("to", []).append(words().refusal("before_first_date"))
    version = parse_version(latest, errors)
    shown = {
        "kind": kind,
        "role": role,
        "from": since.isoformat() if since else "",
        "to": until.isoformat() if until else "",
        "version": version or "",
        "page": min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
    }
    where = HistoryFilter(
        kinds=(kind,) if kind else (),
        roles=(role,) if role else (),
        since=since if not errors else None,
        until=until if not errors else None,
        until_version=version,
    )
    return shown, where, errors


def history_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log's rows as the table shows them: times, the role's label, one sentence."""
    v = words()
    return [
        {
            "version": r["version"],
            "position": r["position"],
            "recorded_at": v.datetime(r["recorded_at"]),
            "effective_on": v.date(r["effective_on"]) if r["effective_on"] else "",
            "actor": v.label("actor_role", r["actor_role"]),
            "kind": v.label("event_kind", r["event_type"]),
            "what": event_sentence(v, r["event_type"], r["summary"]),
        }
        for r in rows
    ]


def verification_panel(project_id: UUID) -> dict[str, Any] | None:
    """The panel's facts: the chain's status, how many events were checked, the first
    problem's version and position. A checkpoint's status can go beside it (``checkpoint``).

    The check reads every stored event of the project, so it runs on the history's first,
    unfiltered page and when asked (``?check=1``), not on each page the auditor turns: None
    then, and the panel offers the check.
    """
    args = request.args
    landing = not any(args.get(k) for k in ("kind", "role", "from", "to", "version", "page"))
    if not landing and args.get("check") != "1":
        return None
    rt = runtime()
    rt.catch_up()
    return asdict(verification_facts(rt.app, rt.engine, project_id, rt.audit_log))


@bp.get("/audit/projects/<uuid:project_id>")
@access(STAFF, AUDITOR)
@require_role(*READER_ROLES, source=page_user)
def audit_project(project_id: UUID):
    """One project's history as a table, filtered and paginated from the read model."""
    row = readable_project(project_id)
    shown, where, errors = history_filters(row["version"])
    rows, total = history_page(
        runtime().engine, str(project_id), where, page=shown["page"], per_page=PER_PAGE
    )
    state = None
    if where.until_version:
        state = summary_at_version(runtime().app, runtime().engine, project_id, where.until_version)
        state["recorded_at"] = version_at(runtime().engine, str(project_id), state["version"])[
            "recorded_at"
        ]
    path = f"/audit/projects/{project_id}"
    v = words()
    return render_template(
        "pages/audit/project.html",
        project=row,
        entries=history_entries(rows),
        filters=shown,
        errors=errors,
        kinds=list(v.labels("event_kind").items()),
        roles=list(v.labels("actor_role").items()),
        pager=pagination(path, shown, total, PER_PAGE),
        panel=verification_panel(project_id),
        state=state,
        report_url=query_url(f"{path}/report.pdf", **{"from": shown["from"], "to": shown["to"]}),
        check_url=query_url(path, **{**request.args.to_dict(), "check": "1"}),
    ), (400 if errors else 200)


def state_on(project_id: UUID, day: date) -> dict[str, Any] | None:
    """What the comparison shows of the project at the end of ``day`` (None: not registered)."""
    rt = runtime()
    moment = day_end(day)
    try:
        row = summary_at(rt.app, rt.engine, project_id, moment)
    except ProjectNotFoundError:
        return None
    acceptance = acceptance_at(rt.app, rt.engine, project_id, moment, summary=row) or {}
    items = {i: item["status"] for i, item in acceptance.get("items", {}).items()}
    return {
        "stage": row["stage"],
        "version": row["version"],
        "quantities": {i["id"]: i for i in row["content_items"]},
        "opinions": opinion_counts(rt.engine, str(project_id), moment),
        "items": items,
    }


def compared(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The two states side by side, each line marked when it changed."""
    empty = {"stage": None, "version": 0, "quantities": {}, "opinions": {}, "items": {}}
    a, b = before or empty, after or empty
    item_ids = list(dict.fromkeys([*a["quantities"], *b["quantities"]]))
    quantities = []
    for item_id in item_ids:
        old, new = a["quantities"].get(item_id), b["quantities"].get(item_id)
        known = new or old
        quantities.append(
            {
                "item": known["item"],
                "unit": known["unit"],
                "before": old["actual_quantity"] if old else None,
                "after": new["actual_quantity"] if new else None,
            }
        )
    numbers = sorted({*a["items"], *b["items"]}, key=int)
    return {
        "stage": (a["stage"], b["stage"]),
        "version": (a["version"], b["version"]),
        "quantities": [dict(q, changed=q["before"] != q["after"]) for q in quantities],
        "opinions": [
            (key, a["opinions"].get(key, 0), b["opinions"].get(key, 0))
            for key in ("received", "answered")
        ],
        "items": [(n, a["items"].get(n), b["items"].get(n)) for n in numbers],
    }


@bp.get("/audit/projects/<uuid:project_id>/compare")
@access(STAFF, AUDITOR)
@require_role(*READER_ROLES, source=page_user)
def audit_compare(project_id: UUID):
    """The project at the end of two days, side by side: what changed between them."""
    row = readable_project(project_id)
    errors: dict[str, list[str]] = {}
    since, until = parse_day("from", errors), parse_day("to", errors)
    for name, value in (("from", since), ("to", until)):
        if value is None and name not in errors:
            errors[name] = [words().refusal("required")]
    if since and until and since > until:
        errors.setdefault("to", []).append(words().refusal("before_first_date"))
    result = None if errors else compared(state_on(project_id, since), state_on(project_id, until))
    return render_template(
        "pages/audit/compare.html",
        project=row,
        errors=errors,
        since=since,
        until=until,
        filters={"from": request.args.get("from", "")[:20], "to": request.args.get("to", "")[:20]},
        result=result,
    ), (400 if errors else 200)


@bp.get("/audit/projects/<uuid:project_id>/report.pdf")
@access(STAFF, AUDITOR)
@require_role(*READER_ROLES, source=page_user)
def audit_report(project_id: UUID):
    """The audit report: the project's history over a period and its verification."""
    readable_project(project_id)
    errors: dict[str, list[str]] = {}
    since, until = parse_day("from", errors), parse_day("to", errors)
    if errors:  # the history page says what is wrong with the period, by its fields
        return audit_project(project_id)
    pdf = audit_report_pdf(runtime(), project_id, since=since, until=until, lang=words().lang)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="audit-{project_id}.pdf"'},
    )
