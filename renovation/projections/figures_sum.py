"""District and city figures: sums of the projects' figure rows (``figures.py``), now or then.

A district has a few hundred projects at most, so a request reads that many small rows and
adds them up; it never reads an event or an opinion. Overdue counts are measured against the
day the figures are for (today, or the past date asked for).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from renovation.domain.stages import ORDER, Stage
from renovation.projections.figures import project_figures, project_figures_days, share
from renovation.projections.opinions import opinion_figures

ACCEPTED_STAGES = ("accepted", "evaluation", "long_term_management")
OUTCOMES = ("adopted", "partly_adopted", "not_adopted", "referred")
RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")


def figure_states(
    engine: Engine,
    *,
    district: str | None = None,
    year: int | None = None,
    as_of: date | None = None,
    districts: list[str] | None = None,
    project_id: str | None = None,
) -> list[dict[str, Any]]:
    """The projects' figure rows (a district's or all), of one programme year if given.

    ``as_of``: each project's last row on or before that local date (projects registered
    later are left out). ``districts`` limits them to a staff member's scope; ``project_id``
    to one project.
    """
    if as_of is None:
        query = select(project_figures.c.state)
        table = project_figures
    else:
        table = project_figures_days
        latest = (
            select(table.c.project_id, func.max(table.c.day).label("day"))
            .where(table.c.day <= as_of.isoformat())
            .group_by(table.c.project_id)
            .subquery()
        )
        query = select(table.c.state).join(
            latest, (table.c.project_id == latest.c.project_id) & (table.c.day == latest.c.day)
        )
    if district:
        query = query.where(table.c.district == district)
    if project_id is not None:
        query = query.where(table.c.project_id == project_id)
    if districts is not None:
        query = query.where(table.c.district.in_(districts))
    with engine.connect() as conn:
        states = [json.loads(s) for s in conn.execute(query).scalars()]
        if as_of is not None and states:
            _payments_by_day_paid(conn, states, as_of)
    if year is not None:
        states = [s for s in states if s["year"] == year]
    return sorted(states, key=lambda s: (s["district"], s["name"], s["project_id"]))


def _payments_by_day_paid(conn: Any, states: list[dict[str, Any]], as_of: date) -> None:
    """Payments count by the day they were paid, not the day they were entered: each past
    row gets the project's payments made on or before ``as_of``, from its current row."""
    ids = [s["project_id"] for s in states]
    current = {
        row.project_id: json.loads(row.state).get("payments", [])
        for row in conn.execute(
            select(project_figures.c.project_id, project_figures.c.state).where(
                project_figures.c.project_id.in_(ids)
            )
        )
    }
    day = as_of.isoformat()
    for state in states:
        state["payments"] = [p for p in current.get(state["project_id"], []) if p[0] <= day]


def programme_years(engine: Engine) -> list[int]:
    """The programme years any project is in, newest first."""
    with engine.connect() as conn:
        found = conn.execute(
            select(project_figures.c.year).where(project_figures.c.year.is_not(None)).distinct()
        ).scalars()
        return sorted(found, reverse=True)


def opinion_rows_of(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The project's opinion counters as the rows ``opinion_figures`` counts (no text)."""
    counters = state["opinions"]
    rows: list[dict[str, Any]] = []
    for key, n in counters.items():
        if key.startswith("due:"):
            rows += [_open(key[4:])] * n
    answered = counters.get("answered", 0)
    on_time = counters.get("on_time", 0)
    outcomes = [o for o in OUTCOMES for _ in range(counters.get(f"outcome:{o}", 0))]
    ratings = [r for r in RATINGS for _ in range(counters.get(f"rating:{r}", 0))]
    for i in range(answered):
        rows.append(
            {
                "status": "answered",
                "answered_on_time": i < on_time,
                "outcome": outcomes[i] if i < len(outcomes) else None,
                "rating": ratings[i] if i < len(ratings) else None,
                "answer_due_on": None,
            }
        )
    return rows


def _open(due: str) -> dict[str, Any]:
    return {"status": "open", "answer_due_on": due, "outcome": None, "rating": None}


def opinions_of(states: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """The published opinion figures of these projects (``opinion_figures``' shape)."""
    return opinion_figures([r for s in states for r in opinion_rows_of(s)], today=today)


def project_line(state: dict[str, Any], today: date) -> dict[str, Any]:
    """One project's line: stage, progress, households, adoption, satisfaction, workload."""
    opinions = opinions_of([state], today)
    evaluation = state["evaluation"]
    open_items = [due for due, is_open in state["rectification"].values() if is_open]
    overdue_items = [d for d in open_items if d and d < today.isoformat()]
    due_dates = sorted(
        [k[4:] for k in state["opinions"] if k.startswith("due:")]
        + [d for d in open_items if d]
        + [m[3] for m in state["milestones"].values() if not m[4]]
    )
    upcoming = [d for d in due_dates if d >= today.isoformat()]
    money = [
        {"planned": Decimal(i["planned"]), "spent": Decimal(i["spent"])}
        for i in investment_lines([state], today)
    ]
    return {
        "project_id": state["project_id"],
        "name": state["name"],
        "district": state["district"],
        "year": state["year"],
        "batch": state["batch"],
        "stage": state["stage"],
        "progress": state["progress"],
        "households": state["households"],
        "buildings": state["buildings"],
        "adoption_rate": opinions["adoption_rate"],
        "satisfaction_rate": _satisfaction(evaluation) if evaluation else None,
        "opinions_open": opinions["open"],
        "opinions_overdue": opinions["overdue"],
        "items_open": len(open_items),
        "items_overdue": len(overdue_items),
        "next_deadline": upcoming[0] if upcoming else None,
        "lifts_in_service": len(state["lifts_in_service"]),
        "investment_planned": _text(sum((i["planned"] for i in money), Decimal(0))),
        "investment_spent": _text(sum((i["spent"] for i in money), Decimal(0))),
    }


def _satisfaction(evaluation: dict[str, Any]) -> str | None:
    pleased = evaluation["satisfied"] + evaluation["basically_satisfied"]
    return share(pleased, pleased + evaluation["dissatisfied"])


def district_figures(states: list[dict[str, Any]], *, today: date) -> dict[str, Any]:
    """The figures the bureau publishes, summed over these projects."""
    by_stage = Counter(s["stage"] for s in states)
    accepted = [s for s in states if s["stage"] in ACCEPTED_STAGES]
    items: dict[tuple[str, str, str], list[Decimal]] = {}
    for s in states:
        for category, item, unit, planned, actual in s["items"]:
            sums = items.setdefault((category, item, unit), [Decimal(0), Decimal(0)])
            sums[0] += Decimal(planned)
            sums[1] += Decimal(actual or 0)
    investment = investment_lines(states, today)
    evaluated = [s["evaluation"] for s in states if s["evaluation"]]
    counts = {k: sum(e[k] for e in evaluated) for k in RATINGS}
    rectification = [due for s in states for due, is_open in s["rectification"].values() if is_open]
    return {
        "projects": len(states),
        "communities": len(states),
        "buildings": sum(s["buildings"] for s in states),
        "households": sum(s["households"] for s in states),
        "by_stage": [{"stage": str(st), "count": by_stage.get(str(st), 0)} for st in _stages()],
        "funnel": [
            {"stage": str(st), "count": sum(1 for s in states if s["furthest"] >= i)}
            for i, st in enumerate(ORDER)
        ],
        "accepted_projects": len(accepted),
        "households_benefited": sum(s["households"] for s in accepted),
        "lifts_proposed": sum(len(s["lifts"]) for s in states),
        "lifts_in_service": sum(len(s["lifts_in_service"]) for s in states),
        "items": [
            {
                "category": category,
                "item": item,
                "unit": unit,
                "planned": _text(planned),
                "actual": _text(actual),
                "done_rate": share_of(actual, planned),
            }
            for (category, item, unit), (planned, actual) in sorted(items.items())
        ],
        "investment": investment,
        "investment_total": _text(sum((Decimal(i["planned"]) for i in investment), Decimal(0))),
        "investment_spent": _text(sum((Decimal(i["spent"]) for i in investment), Decimal(0))),
        "opinions": opinions_of(states, today),
        "satisfaction": {
            "evaluated": len(evaluated),
            "passed": sum(1 for e in evaluated if e["passed"]),
            **counts,
            "answered": sum(counts.values()),
            "rate": share(
                counts["satisfied"] + counts["basically_satisfied"], sum(counts.values())
            ),
        },
        "rectification": {
            "open": len(rectification),
            "overdue": sum(1 for d in rectification if d and d < today.isoformat()),
        },
    }


def investment_lines(states: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Planned and spent per funding source, summed over the projects; spent counts the
    payments made on or before ``today``. ``over_plan``: some project paid more out of the
    source than it planned (spending beyond the plan is recorded, and flagged here)."""
    planned: dict[str, Decimal] = {}
    spent: dict[str, Decimal] = {}
    over: set[str] = set()
    day = today.isoformat()
    for s in states:
        own: dict[str, Decimal] = {}
        for paid_on, source, amount in s.get("payments", []):
            if paid_on <= day:
                own[source] = own.get(source, Decimal(0)) + Decimal(amount)
        plan = {source: Decimal(amount) for source, amount in s["budget"]}
        for source in plan.keys() | own.keys():
            planned[source] = planned.get(source, Decimal(0)) + plan.get(source, Decimal(0))
            spent[source] = spent.get(source, Decimal(0)) + own.get(source, Decimal(0))
            if own.get(source, Decimal(0)) > plan.get(source, Decimal(0)):
                over.add(source)
    return [
        {
            "source": source,
            "planned": _text(planned[source]),
            "spent": _text(spent[source]),
            "spent_rate": share_of(spent[source], planned[source]),
            "over_plan": source in over,
        }
        for source in sorted(planned)
    ]


def _stages() -> list[str]:
    """Every stage, in the order of a project's life (off-path stages where they branch)."""
    return [str(s) for s in Stage]


def share_of(part: Decimal, whole: Decimal) -> str | None:
    return f"{part * 100 / whole:.1f}%" if whole else None


def _text(value: Decimal) -> str:
    return format(value.normalize() if value != value.to_integral() else value.quantize(1), "f")
