"""The lift retrofit notice (既有住宅加装电梯公示): the sheet a bureau posts in the stairwell.

One unit's willingness poll as a 公示: every flat's vote (flat numbers are shown, as a
notice posted inside the unit does), the Civil Code art. 278 arithmetic with its verdict
and ruleset, the notice and objection dates, how to lodge an objection, the cost shares
once the agreement records a budget, a QR code of the unit's public lift page, and the
event position and chain digest it was rendered at.

Context (plain values, dates as ``date``/``datetime``)::

    {"lang", "project": {"id", "name", "district", "street"},
     "lift": lift_view(...), "shares": lift_cost_shares(...) or None,
     "public_url", "position", "chain_digest", "rendered_at": "YYYY-MM-DD HH:MM"}
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from renovation.domain.base import LOCAL_TZ
from renovation.reports.household_codes import qr_svg
from renovation.reports.participation import consent_values
from renovation.reports.participation import labels as participation_labels
from renovation.reports.rendering import (
    html_to_pdf,
    layout_labels,
    render_html,
    report_language,
    report_words,
    translated,
)
from renovation.vocabulary.markers import N_

TEMPLATE = "reports/lift_notice/notice.html"
NOT_APPLICABLE = "—"

MESSAGES: dict[str, Any] = {
    "title": N_("Lift retrofit notice: %(name)s, building %(building)s, unit %(unit)s"),
    "subtitle": N_("%(district)s %(street)s"),
    "intro": N_(
        "Under article 278 of the Civil Code, the owners of building %(building)s, unit "
        "%(unit)s were polled on retrofitting a lift (a major alteration). The votes, the "
        "result and what follows are published here for the owners of the unit."
    ),
    "facts": N_("Facts"),
    "community": N_("Community"),
    "unit_label": N_("Unit"),
    "unit_value": N_("Building %(building)s, unit %(unit)s (%(flats)s flats)"),
    "stage": N_("Current stage"),
    "poll": N_("Poll"),
    "poll_value": N_("%(opens)s to %(closes)s (Beijing time)"),
    "poll_state": N_("Poll status"),
    "poll_closed": N_("Closed and counted"),
    "poll_open": N_("Open; the count as of %(today)s"),
    "votes": N_("1. Votes"),
    "flat": N_("Flat"),
    "floor": N_("Floor"),
    "area": N_("Area (m²)"),
    "vote": N_("Choice"),
    "not_voted": N_("not voted"),
    "veto_note": N_("★ The lift would occupy this flat's exclusive part: its owner must agree."),
    "tally": N_(
        "Agree %(agree)s · disagree %(disagree)s · abstain %(abstain)s · did not vote %(none)s"
    ),
    "consent": N_("2. Result (Civil Code art. 278)"),
    "ruleset": N_("Ruleset: %(ruleset)s"),
    "notice": N_("3. Notice period and objections"),
    "notice_ends": N_("Notice ends"),
    "objections_end": N_("Objections until"),
    "not_yet": N_("to be set when the public notice starts"),
    "not_yet_objections": N_("to be set when the public notice ends"),
    "how_to_object": [
        N_("Objections are lodged in writing before the notice or objection period ends."),
        N_(
            "Scan the QR code or open the address below and write your objection on the "
            "unit's lift page; with your household code it is recorded for your flat."
        ),
        N_("You may also hand it to the residents' committee or the subdistrict office."),
    ],
    "website": N_("Web address"),
    "scan": N_("Scan to read or object"),
    "objections_count": N_("%(count)s objection(s) received, %(answered)s answered."),
    "agreement": N_("4. Agreement"),
    "shares": N_("5. Cost shares"),
    "shares_intro": N_(
        "Share = floor coefficient × exclusive area × cost per weighted m², to the fen; "
        "the shares add up to the amount shared."
    ),
    "total_cost": N_("Total cost (yuan)"),
    "subsidy": N_("Subsidy (yuan)"),
    "amount": N_("Amount shared (yuan)"),
    "rate": N_("Cost per weighted m² (yuan)"),
    "coefficient": N_("Coefficient"),
    "basis_departs": N_(
        "Floor coefficients as the unit's owners agreed; they depart from the reference "
        "table of %(ruleset)s."
    ),
    "basis_same": N_(
        "Floor coefficients as the unit's owners agreed; the same as the reference table "
        "of %(ruleset)s."
    ),
    "basis_reference": N_("Floor coefficients from the reference table of %(ruleset)s."),
    "exempt_floors": N_("Floors that pay nothing: %(floors)s."),
    "share": N_("Share (yuan)"),
    "extra_fen": N_("* received one of the leftover fen."),
    "total": N_("Total"),
    "no_shares": N_("Shares are published once the agreement records a budget."),
    "closing": N_("Published for the owners' information."),
    "rendered_at": N_("Rendered %(at)s"),
}
VETO_MARK = "★"
# What the agreement records, in the order a notice lists it (labels: ``lift_detail``).
AGREEMENT_DETAILS = ("manager", "budget", "cost_sharing", "maintenance_sharing", "compensation")


def format_date(value: date | datetime | str | None, lang: str = "zh") -> str:
    """A day as 2026年10月8日 (Chinese) or 2026-10-08; a datetime as its Beijing day."""
    if value is None or value == "":
        return NOT_APPLICABLE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return report_words(lang).date(value)


def format_moment(value: datetime | str | None) -> str:
    """An instant as Beijing time to the minute."""
    if value is None:
        return NOT_APPLICABLE
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def money(value: str | Decimal | None) -> str:
    return NOT_APPLICABLE if value in (None, "") else f"{Decimal(value):,.2f}"


def flat_number(flat_id: str, building: str, unit: str) -> str:
    """``3-1-101`` in unit 3-1 → ``101``."""
    return flat_id.removeprefix(f"{building}-{unit}-")


def _natural(value: str) -> tuple:
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", value)
    )


def template_values(context: dict[str, Any]) -> dict[str, Any]:
    """The notice template's values: every figure formatted, every label in ``lang``."""
    lang = report_language(context.get("lang"))
    v = report_words(lang)
    words = {
        **layout_labels(lang),
        **participation_labels(lang),
        **translated(MESSAGES, lang),
        "veto_mark": VETO_MARK,
    }
    project = context["project"]
    lift = context["lift"]
    building, unit = str(lift["building"]), str(lift["unit"])
    flats = sorted(
        lift["flats"],
        key=lambda f: (f["floor"], _natural(flat_number(f["flat_id"], building, unit))),
    )
    tally = {"agree": 0, "disagree": 0, "abstain": 0, "none": 0}
    for f in flats:
        tally[f["vote"] or "none"] += 1
    title = words["title"] % {"name": project["name"], "building": building, "unit": unit}

    shares = context.get("shares")
    share_values = None
    if shares:
        lines = sorted(
            shares["shares"],
            key=lambda s: (s["floor"], _natural(flat_number(s["flat_id"], building, unit))),
        )
        share_values = {
            "total_cost": money(shares["total_cost"]),
            "subsidy": money(shares["subsidy"]),
            "amount": money(shares["amount"]),
            "rate": shares["cost_per_weighted_m2"],
            "ruleset": v.label("ruleset", shares["ruleset_id"]),
            "basis": _coefficients_basis(words, shares, v.label("ruleset", shares["ruleset_id"])),
            "exempt_floors": ", ".join(
                str(f) for f in (lift.get("cost_sharing_agreed") or {}).get("exempt_floors", [])
            ),
            "rows": [
                {
                    "flat": flat_number(s["flat_id"], building, unit),
                    "floor": s["floor"],
                    "coefficient": s["coefficient"],
                    "area": s["area"],
                    "share": money(s["share"]),
                    "extra_fen": bool(s.get("extra_fen")),
                }
                for s in lines
            ],
            "total": money(sum((Decimal(s["share"]) for s in lines), Decimal("0"))),
            "any_extra_fen": any(s.get("extra_fen") for s in lines),
        }

    agreement = lift.get("agreement") or None
    agreement_rows = None
    if agreement:
        agreement_rows = [
            {
                "label": v.label("lift_detail", key),
                "value": money(agreement[key]) if key == "budget" else agreement[key],
            }
            for key in AGREEMENT_DETAILS
            if agreement.get(key) not in (None, "")
        ]

    objections = lift.get("objections") or []
    stage = str(lift["stage"])
    return {
        "lang": lang,
        "words": words,
        "title": title,
        "subtitle": (
            words["subtitle"]
            % {"district": project.get("district", ""), "street": project.get("street") or ""}
        ).strip(),
        "intro": words["intro"] % {"building": building, "unit": unit},
        "project": project,
        "unit_value": words["unit_value"]
        % {"building": building, "unit": unit, "flats": len(flats)},
        "stage": v.label("lift_stage", stage),
        "poll": words["poll_value"]
        % {
            "opens": format_moment(lift["poll_opens_at"]),
            "closes": format_moment(lift["poll_closes_at"]),
        },
        "poll_state": words["poll_closed"]
        if lift["poll_closed"]
        else words["poll_open"] % {"today": format_date(lift.get("today"), lang)},
        "flats": [
            {
                "flat": flat_number(f["flat_id"], building, unit),
                "floor": f["floor"],
                "area": f"{Decimal(f['area']):.2f}",
                "vote": v.label("vote_choice", f["vote"]) if f["vote"] else words["not_voted"],
                "choice": f["vote"] or "none",
                "holds_veto": bool(f["holds_veto"]),
            }
            for f in flats
        ],
        "any_veto": any(f["holds_veto"] for f in flats),
        "tally": words["tally"] % tally,
        "consent": consent_values(lift.get("consent"), lang),
        "notice_ends": format_date(lift.get("notice_ends_on"), lang)
        if lift.get("notice_ends_on")
        else words["not_yet"],
        "objections_end": format_date(lift.get("objections_end_on"), lang)
        if lift.get("objections_end_on")
        else words["not_yet_objections"],
        "objections_count": words["objections_count"]
        % {"count": len(objections), "answered": sum(1 for o in objections if o.get("outcome"))}
        if objections
        else None,
        "agreement": agreement_rows,
        "shares": share_values,
        "public_url": context["public_url"],
        "qr": qr_svg(context["public_url"]),
        "rendered_at": context["rendered_at"],
        "rendered_line": words["rendered_at"] % {"at": context["rendered_at"]},
        # The shared layout's names.
        "position": int(context.get("position") or 0),
        "chain_digest": str(context.get("chain_digest") or ""),
        "audit_checkpoint": context.get("audit_checkpoint"),
        "as_of": None,
        "generated_at": context["rendered_at"],
    }


def lift_notice_html(context: dict[str, Any]) -> str:
    """The notice as HTML (for tests and debugging)."""
    return render_html(TEMPLATE, template_values(context))


def render_lift_notice(context: dict[str, Any]) -> bytes:
    """The notice as PDF bytes (A4), fonts embedded, resources from the static folder only."""
    return html_to_pdf(lift_notice_html(context))


def _coefficients_basis(words: dict[str, str], shares: dict[str, Any], ruleset: str) -> str:
    """Whether the shares use the unit's own coefficients, and whether they depart."""
    if shares.get("coefficients") != "agreed":
        key = "basis_reference"
    else:
        key = "basis_departs" if shares.get("departs_from_reference") else "basis_same"
    return words[key] % {"ruleset": ruleset}
