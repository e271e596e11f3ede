"""The district figures' read model: one row of counters per project, folded from its events.

The projection (``store.py``) hands each event here after its own folds; a project's row holds
what the published figures need of it — its stage, what it covers, its content items, its
budget and the payments made out of it, the lifts that reached service, its opinions as
counters, its last satisfaction result, its open rectification items with their due dates —
never an opinion's text or a person.
District and city figures are sums of these rows when read (``figures_sum.py``), so no request
loads a district's events or opinions.

The row is also kept per local day (``project_figures_days``): the day's last state of each
project. The figures as of a past date are the sums of each project's last row on or before it,
except the investment spent: a payment counts by the day it was paid, so a payment entered
later with an earlier date counts in the figures of the days after it was paid, as the books
of the funding source do (``figures_sum.figure_states``).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, bindparam, select, tuple_
from sqlalchemy.engine import Connection

from events.acceptance import (
    AcceptanceMeetingRecorded,
    RectificationItemClosed,
    RectificationReopened,
)
from events.construction import (
    MilestoneCompleted,
    MilestoneDelayed,
    MilestonePlanned,
    MilestoneProgressReported,
)
from events.investment import InvestmentSpent
from events.lift import LiftRetrofitProposed, LiftStageChanged
from events.participation import EvaluationResultRecorded
from renovation.domain.lifts import LiftStage
from renovation.domain.progress import project_progress
from renovation.domain.satisfaction import percent
from renovation.domain.stages import ORDER
from renovation.projections.opinions import local_day

metadata = MetaData()

project_figures = Table(
    "project_figures",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("district", String(200), nullable=False, index=True),
    Column("year", Integer),
    Column("day", String(10), nullable=False),
    Column("state", Text, nullable=False),
)

project_figures_days = Table(
    "project_figures_days",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("district", String(200), nullable=False, index=True),
    Column("year", Integer),
    Column("state", Text, nullable=False),
)

STAGE_INDEX = {str(s): i for i, s in enumerate(ORDER)}
# What a project copies from its summary row after each event.
_FROM_SUMMARY = (
    "name",
    "district",
    "year",
    "batch",
    "stage",
    "buildings",
    "units",
    "flats",
    "households",
    "planned_finish",
)


def new_state(project_id: str) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "furthest": 0,  # the index in ORDER of the furthest stage reached (the funnel)
        "items": [],
        "budget": [],
        "payments": [],  # [paid_on, source, amount] of each payment (InvestmentSpent)
        "milestones": {},  # id → [item_id, quantity, done, planned_finish, completed]
        "progress": None,
        "lifts": {},  # id → stage
        "lifts_in_service": [],  # ids of retrofits that reached in_service
        "opinions": {},  # counter → count (see opinion_counters)
        "evaluation": None,
        "rectification": {},  # item id → [due date, open]
        "day": None,
    }


def opinion_counters(row: dict[str, Any] | None) -> dict[str, int]:
    """What one opinion row adds to its project's counters."""
    if row is None:
        return {}
    found = {"received": 1}
    if row["status"] == "answered":
        found["answered"] = 1
        found[f"outcome:{row['outcome']}"] = 1
        if row["answered_on_time"]:
            found["on_time"] = 1
        if row.get("rating"):
            found[f"rating:{row['rating']}"] = 1
    else:
        found[f"due:{row['answer_due_on']}"] = 1
    return found


def count_opinion(
    state: dict[str, Any], before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """Move the project's opinion counters from the row before an event to the row after."""
    counters = state["opinions"]
    for key, n in opinion_counters(before).items():
        counters[key] -= n
    for key, n in opinion_counters(after).items():
        counters[key] = counters.get(key, 0) + n
    for key in [k for k, n in counters.items() if n == 0]:
        del counters[key]


def fold_figures(state: dict[str, Any], event: Any, summary: dict[str, Any]) -> None:
    """The project's figures after ``event``; ``summary`` is its summary row after it."""
    for key in _FROM_SUMMARY:
        state[key] = summary.get(key)
    state["items"] = [
        [i["category"], i["item"], i["unit"], i["planned_quantity"], i["actual_quantity"]]
        for i in summary["content_items"]
    ]
    state["budget"] = [[b["source"], b["amount"]] for b in summary["budget"]]
    state["furthest"] = max(state["furthest"], STAGE_INDEX.get(summary["stage"], 0))
    if isinstance(event, LiftRetrofitProposed):
        state["lifts"][event.lift_id] = "proposed"
    elif isinstance(event, LiftStageChanged):
        state["lifts"][event.lift_id] = event.to_stage
        if (
            event.to_stage == LiftStage.IN_SERVICE
            and event.lift_id not in state["lifts_in_service"]
        ):
            state["lifts_in_service"].append(event.lift_id)
    elif isinstance(event, EvaluationResultRecorded):
        result = event.result
        state["evaluation"] = {
            k: result[k] for k in ("satisfied", "basically_satisfied", "dissatisfied", "passed")
        }
    elif isinstance(event, AcceptanceMeetingRecorded):
        for defect in event.defects:
            state["rectification"][defect["item_id"]] = [_iso(defect.get("due_on")), True]
    elif isinstance(event, RectificationItemClosed | RectificationReopened):
        state["rectification"][event.item_id][1] = isinstance(event, RectificationReopened)
    elif isinstance(event, MILESTONE_EVENTS):
        _fold_milestone(state, event, summary)
    elif isinstance(event, InvestmentSpent):
        # setdefault: a row folded before payments were kept has none yet.
        state.setdefault("payments", []).append(
            [event.paid_on.isoformat(), event.source, _dec(event.amount)]
        )


MILESTONE_EVENTS = (
    MilestonePlanned,
    MilestoneProgressReported,
    MilestoneDelayed,
    MilestoneCompleted,
)


def _fold_milestone(state: dict[str, Any], event: Any, summary: dict[str, Any]) -> None:
    milestones = state["milestones"]
    if isinstance(event, MilestonePlanned):
        milestones[event.milestone_id] = [
            event.item_id,
            _dec(event.quantity),
            "0",
            event.planned_finish.isoformat(),
            False,
        ]
    elif isinstance(event, MilestoneProgressReported):
        milestones[event.milestone_id][2] = _dec(event.done_quantity)
    elif isinstance(event, MilestoneDelayed):
        milestones[event.milestone_id][3] = event.planned_finish.isoformat()
    else:
        milestones[event.milestone_id][4] = True
    progress = project_progress(
        summary["content_items"],
        [{"item_id": m[0], "quantity": m[1], "done_quantity": m[2]} for m in milestones.values()],
    )
    state["progress"] = format(progress.percent, "f") if progress else None


def _dec(value: Any) -> str:
    return format(Decimal(value), "f")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def share(part: int, whole: int) -> str | None:
    """A share as a percentage with one decimal, like the opinions' published figures."""
    return percent(Fraction(part, whole)) if whole else None


class FigureBatch:
    """The figure rows of one projection batch: loaded once, folded, written once."""

    def __init__(self, conn: Connection, project_ids: list[str]) -> None:
        self.states: dict[str, dict[str, Any]] = {
            r.project_id: json.loads(r.state)
            for r in conn.execute(
                select(project_figures).where(project_figures.c.project_id.in_(project_ids))
            )
        }
        self.existing = set(self.states)
        self.days: dict[tuple[str, str], dict[str, Any]] = {}

    def state(self, project_id: str) -> dict[str, Any]:
        if project_id not in self.states:
            self.states[project_id] = new_state(project_id)
        return self.states[project_id]

    def apply(self, event: Any, summary: dict[str, Any], opinion: tuple | None = None) -> None:
        """Fold one event; ``opinion`` is the opinion row (before, after) it changed."""
        state = self.state(summary["id"])
        day = local_day(event.timestamp).isoformat()
        if state["day"] is not None and state["day"] != day:
            self._keep_day(state)  # the previous day's last state
        state["day"] = day
        fold_figures(state, event, summary)
        if opinion is not None:
            count_opinion(state, *opinion)

    def _keep_day(self, state: dict[str, Any]) -> None:
        self.days[(state["project_id"], state["day"])] = json.loads(
            json.dumps(state, sort_keys=True)
        )

    def write(self, conn: Connection) -> None:
        for state in self.states.values():
            self._keep_day(state)
        rows = [_columns(self.states[p]) for p in sorted(self.states)]
        new = [r for r in rows if r["project_id"] not in self.existing]
        changed = [{**r, "_key": r["project_id"]} for r in rows if r["project_id"] in self.existing]
        if new:
            conn.execute(project_figures.insert(), new)
        if changed:
            conn.execute(
                project_figures.update().where(project_figures.c.project_id == bindparam("_key")),
                [{k: v for k, v in r.items() if k != "project_id"} for r in changed],
            )
        keys = sorted(self.days)
        known = {
            (r.project_id, r.day)
            for r in conn.execute(
                select(project_figures_days.c.project_id, project_figures_days.c.day).where(
                    tuple_(project_figures_days.c.project_id, project_figures_days.c.day).in_(keys)
                )
            )
        }
        day_rows = [_columns(self.days[k]) for k in keys]
        new_days = [r for r in day_rows if (r["project_id"], r["day"]) not in known]
        old_days = [
            {**r, "_key": r["project_id"], "_day": r["day"]}
            for r in day_rows
            if (r["project_id"], r["day"]) in known
        ]
        if new_days:
            conn.execute(project_figures_days.insert(), new_days)
        if old_days:
            conn.execute(
                project_figures_days.update()
                .where(project_figures_days.c.project_id == bindparam("_key"))
                .where(project_figures_days.c.day == bindparam("_day")),
                [{k: v for k, v in r.items() if k not in ("project_id", "day")} for r in old_days],
            )


def _columns(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "project_id": state["project_id"],
        "district": state["district"],
        "year": state["year"],
        "day": state["day"],
        "state": json.dumps(state, ensure_ascii=False, sort_keys=True),
    }


def dump(conn: Connection) -> dict[str, list[tuple]]:
    """Every figure row in a stable order (for comparing a rebuild with the live model)."""
    return {
        "project_figures": [
            tuple(r)
            for r in conn.execute(select(project_figures).order_by(project_figures.c.project_id))
        ],
        "project_figures_days": [
            tuple(r)
            for r in conn.execute(
                select(project_figures_days).order_by(
                    project_figures_days.c.project_id, project_figures_days.c.day
                )
            )
        ],
    }
