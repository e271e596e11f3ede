"""The project report's lift section: each lift retrofit (加装电梯) of the project, from the
lifts read model (``renovation.projections.lifts``): its building and unit, stage, the art. 278
consent result as recorded, the cost-sharing coefficients agreed and whether they depart from
the reference table, and its key dates. Flats, votes and objections stay on the lift's pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from renovation.projections.lifts import ordered
from renovation.reports.lift_notice import MESSAGES as NOTICE_MESSAGES
from renovation.reports.lift_notice import format_date, money
from renovation.reports.participation import consent_values
from renovation.reports.participation import labels as participation_labels
from renovation.reports.rendering import report_words, translated
from renovation.vocabulary.markers import N_

MESSAGES: dict[str, str] = {
    "title": N_("Lift retrofits"),
    "none": N_("This project has no lift retrofit."),
    "stage": N_("Stage"),
    "poll_period": N_("Willingness poll period"),
    "poll_open": N_("The willingness poll has not closed yet: no consent result."),
    "cost_sharing": N_("Cost-sharing coefficients agreed"),
    "no_agreement": N_("No agreement signed yet."),
    "pays_nothing": N_("pays nothing"),
    "dates": N_("Key dates"),
    "step": N_("Step"),
    "date": N_("Date"),
    "proposed_on": N_("Retrofit proposed"),
    "poll_closed_on": N_("Willingness poll closed"),
}


def lift_section(row: dict[str, Any] | None, lang: str) -> dict[str, Any]:
    """The section's values: its words, and one entry per retrofit (building, then unit)."""
    v = report_words(lang)
    words = translated(MESSAGES, lang)
    notice = translated(NOTICE_MESSAGES, lang)
    shared = participation_labels(lang)
    return {
        "words": {**words, "floor": notice["floor"], "coefficient": notice["coefficient"]},
        "consent_words": shared,
        "lifts": [
            {
                "title": shared["scope_unit"]
                % {"building": lift["building"], "unit": lift["unit"]},
                "stage": v.label("lift_stage", lift["stage"]),
                "poll_period": shared["period_value"]
                % {
                    "opens": _day(lift["poll_opens_at"], lang),
                    "closes": _day(lift["poll_closes_at"], lang),
                },
                "consent": consent_values(lift["result"], lang),
                "agreement": _agreement(lift, lang),
                "cost_sharing": _cost_sharing(lift.get("cost_sharing"), notice, words, lang),
                "dates": _dates(lift, words, notice, lang),
            }
            for lift in ordered(row)
        ],
    }


def _day(value: str | None, lang: str) -> str:
    """A day, or an instant as its Beijing day."""
    if value and "T" in value:
        return format_date(datetime.fromisoformat(value), lang)
    return format_date(value, lang)


def _agreement(lift: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The agreement's manager, budget and subsidy, as label and value."""
    v = report_words(lang)
    agreement = lift.get("agreement") or {}
    return [
        (v.label("lift_detail", k), money(agreement[k]) if k != "manager" else agreement[k])
        for k in ("manager", "budget", "subsidy")
        if agreement.get(k) not in (None, "")
    ]


def _cost_sharing(
    agreed: dict[str, Any] | None, notice: dict[str, Any], words: dict[str, str], lang: str
) -> dict[str, Any] | None:
    """The coefficients by floor (floors that pay nothing said so) and the basis sentence."""
    if agreed is None:
        return None
    v = report_words(lang)
    exempt = set(agreed["exempt_floors"])
    ruleset = v.label("ruleset", agreed["reference_ruleset_id"])
    basis = "basis_departs" if agreed["departs_from_reference"] else "basis_same"
    floors = sorted({*map(int, agreed["floor_coefficients"]), *exempt})
    return {
        "floors": [
            (
                str(floor),
                words["pays_nothing"]
                if floor in exempt
                else agreed["floor_coefficients"].get(str(floor), "—"),
            )
            for floor in floors
        ],
        "departs": bool(agreed["departs_from_reference"]),
        "basis": notice[basis] % {"ruleset": ruleset},
    }


def _dates(
    lift: dict[str, Any], words: dict[str, str], notice: dict[str, Any], lang: str
) -> list[tuple[str, str]]:
    """The key dates in the order they came: proposal, poll close, each stage reached, and
    the ends of the notice and objection periods."""
    v = report_words(lang)
    dates = [(words["proposed_on"], _day(lift["proposed_on"], lang))]
    if lift.get("poll_closed_on"):
        dates.append((words["poll_closed_on"], _day(lift["poll_closed_on"], lang)))
    dates += [(v.label("lift_stage", s["stage"]), _day(s["on"], lang)) for s in lift["history"]]
    if lift.get("notice_ends_on"):
        dates.append((notice["notice_ends"], _day(lift["notice_ends_on"], lang)))
    if lift.get("objections_end_on"):
        dates.append((notice["objections_end"], _day(lift["objections_end_on"], lang)))
    return dates
