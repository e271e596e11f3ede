"""Read model → plain template context for each report (numbers formatted, labels translated)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from renovation.accounts import display_names
from renovation.domain.base import LOCAL_TZ
from renovation.projections.lift_replay import lifts_at
from renovation.projections.milestone_replay import milestones_at
from renovation.projections.replay import summary_at
from renovation.reports.acceptance import acceptance_section, acceptance_view
from renovation.reports.lift_section import lift_section
from renovation.reports.milestones import milestone_values
from renovation.reports.participation import (
    as_of_note,
    participation_values,
    project_participation,
    project_participation_at,
)
from renovation.reports.progress import progress_values
from renovation.reports.rendering import report_language, report_words
from renovation.runtime import Runtime
from renovation.vocabulary.markers import N_

TITLE = N_("Old-neighbourhood renovation project report")


def local_time(iso: str | datetime | None) -> str | None:
    """An instant as Beijing local time, to the minute."""
    if iso is None:
        return None
    moment = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def money(amount: str | Decimal) -> str:
    return f"{Decimal(amount):,.2f}"


def quantity(value: str | None) -> str | None:
    if value is None:
        return None
    number = Decimal(value)
    return format(number.normalize() if number == number.to_integral() else number, "f")


def project_report_context(
    row: dict[str, Any],
    *,
    lang: str = "zh",
    as_of: datetime | None = None,
    participation: dict[str, Any] | None = None,
    milestones: list[dict[str, Any]] | None = None,
    today: date | None = None,
    names: dict[str, str] | None = None,
    acceptance: dict[str, Any] | None = None,
    lifts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The project report's context from one project-summary row, in one language.

    ``participation`` (from :func:`renovation.reports.participation.project_participation`)
    adds the residents' participation section; a report as of a past date, which has none,
    says so in one line instead. ``milestones`` (rows as of the same time) add the
    construction milestones' table, overdue ones flagged as of ``today``, the report's day.
    ``names`` maps the actor ids of staff and auditors to their names (from the accounts):
    a step is signed by that name, else by the actor's role, never by an id. ``acceptance``
    (the acceptance view as of the same time) adds the completion acceptance section.
    ``lifts`` (the lifts read model's row as of the same time, None when the project has no
    lift retrofit) fills the lift section, which says so when there is none.
    """
    lang = report_language(lang)
    v = report_words(lang)
    names = names or {}
    return {
        "title": v.gettext(TITLE),
        "lang": lang,
        "project": {
            "id": row["id"],
            "name": row["name"],
            "district": row["district"],
            "street": row["street"],
            "address": row["address"],
            "city": row["city"],
            "year_built": row["year_built"],
            "stage": row["stage"],
            "stage_label": v.label("project_stage", row["stage"]),
            "version": row["version"],
            "planned_start": row["planned_start"],
            "planned_finish": row["planned_finish"],
            "buildings": row["buildings"],
            "units": row["units"],
            "flats": row["flats"],
            "total_area": money(row["total_area"]),
            "registered_at": local_time(row["registered_at"]),
        },
        "content_items": [
            {
                "category": item["category"],
                "category_label": v.label("content_category", item["category"]),
                "item": item["item"],
                "unit": item["unit"],
                "planned_quantity": quantity(item["planned_quantity"]),
                "actual_quantity": quantity(item["actual_quantity"]),
            }
            for item in row["content_items"]
        ],
        "budget": [{"source": b["source"], "amount": money(b["amount"])} for b in row["budget"]],
        "budget_total": money(row["budget_total"]),
        "stage_history": [
            {
                "stage_label": v.label("project_stage", step["to_stage"]),
                "at": local_time(step["at"]),
                "effective_on": step.get("effective_on"),
                "actor": v.actor(step.get("actor_role"), names.get(step.get("actor_id", ""))),
            }
            for step in row["stage_history"]
        ],
        "position": row["position"],
        "chain_digest": row["chain_digest"],
        "as_of": local_time(as_of),
        "generated_at": local_time(datetime.now(UTC)),
        "participation": participation_values(participation, lang) if participation else None,
        "participation_note": as_of_note(lang) if as_of is not None and not participation else None,
        "milestones": (
            milestone_values(milestones, lang, today or _local_day(as_of)) if milestones else None
        ),
        "acceptance": acceptance_section(acceptance, lang) if acceptance else None,
        "progress": progress_values(row, milestones, lang),
        "lifts": lift_section(lifts, lang),
    }


def _local_day(moment: datetime | None) -> date:
    """The Beijing calendar day of ``moment`` (of now when None)."""
    return (moment or datetime.now(UTC)).astimezone(LOCAL_TZ).date()


def project_report_pdf(
    runtime: Runtime, project_id: UUID, *, as_of: datetime | None = None, lang: str = "zh"
) -> bytes:
    """Render the project report from the read model (replayed when ``as_of`` is given)."""
    from renovation.reports.project import render_project_report

    runtime.catch_up()
    row = summary_at(runtime.app, runtime.engine, project_id, as_of)
    # Participation now from the live read model, as of a past time replayed to that version.
    participation = (
        project_participation(runtime, project_id)
        if as_of is None
        else project_participation_at(runtime, project_id, row, _local_day(as_of))
    )
    # Milestones as they stood at the same version as the summary.
    milestones = milestones_at(runtime.app, runtime.engine, project_id, as_of, summary=row)
    names = display_names(runtime.engine, (step["actor_id"] for step in row["stage_history"]))
    today = runtime.app.today() if as_of is None else None
    acceptance = acceptance_view(
        runtime, project_id, row, as_of=as_of, today=today or _local_day(as_of)
    )
    context = project_report_context(
        row,
        lang=lang,
        as_of=as_of,
        participation=participation,
        milestones=milestones,
        today=today,
        names=names,
        acceptance=acceptance,
        lifts=lifts_at(runtime.app, runtime.engine, project_id, as_of, summary=row),
    )
    context["audit_checkpoint"] = runtime.audit_log.printed_checkpoint(row["position"])
    return render_project_report(context)


def household_code_sheet_context(
    *,
    project_id: str,
    community: dict[str, Any],
    flats: list[dict[str, Any]],
    codes: dict[str, str],
    vote_url: Callable[[str], str],
    building: str | None,
    lang: str = "zh",
    phones_can_open: bool = True,
    audit_checkpoint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The code slips' context: one slip for each flat that was given a code just now;
    ``phones_can_open`` False prints, on the page and on each slip, that phones cannot open
    the links (PUBLIC_BASE_URL unset or a loopback address)."""
    return {
        "phones_can_open": phones_can_open,
        "project": {
            "id": project_id,
            "name": community["name"],
            "district": community["district"],
            "street": community.get("street") or "",
        },
        "building": building,
        "issued_at": local_time(datetime.now(UTC)),
        "position": None,
        "audit_checkpoint": audit_checkpoint,
        "lang": lang,
        "flats": [
            {
                "flat_id": flat_id,
                "building": f["building"],
                "unit": f["unit"],
                "number": f["number"],
                "floor": f["floor"],
                "code": codes[flat_id],
                "vote_url": vote_url(codes[flat_id]),
            }
            for f in flats
            if (flat_id := f"{f['building']}-{f['unit']}-{f['number']}") in codes
        ],
    }
