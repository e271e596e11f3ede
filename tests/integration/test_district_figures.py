"""The district figures' read model against a tally made straight from the stored events, on
the demo district, on SQLite and PostgreSQL; the programme year's checks; figures as of a day."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from events.acceptance import AcceptanceMeetingRecorded, RectificationItemClosed
from events.construction import MilestonePlanned, MilestoneProgressReported
from events.lift import LiftStageChanged
from events.participation import EvaluationResultRecorded, OpinionAnswered, OpinionSubmitted
from events.project import ContentItemProgressRecorded, ProjectRegistered, StageChanged
from renovation.demo import load_demo
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import InvalidProjectDataError
from renovation.projections.figures_sum import district_figures, figure_states
from renovation.projections.progress import progress_of
from renovation.projections.queries import dump_read_model, get_summary
from renovation.projections.store import list_milestones
from tests.conftest import STAFF, registration

TODAY = date(2030, 1, 1)  # every demo deadline is past: the overdue counts are all counted


def tally(app, project_ids: list[str]) -> dict:
    """The district figures counted from each project's events, without the projection."""
    stages, households, benefited, lifts = Counter(), 0, 0, 0
    items: dict[tuple, list[Decimal]] = {}
    received = answered = on_time = adopted = overdue = 0
    rectification_open = 0
    satisfied = answered_evaluation = 0
    for pid in project_ids:
        events = list(app.project_history(UUID(pid)))
        stage, planned, actual, done, milestone_item, due = "registered", {}, {}, {}, {}, {}
        first_answer, outcome, open_items = {}, {}, set()
        evaluation = None
        for e in events:
            if isinstance(e, ProjectRegistered):
                flats = [f for b in e.buildings for u in b["units"] for f in u["flats"]]
                owners = len({f["owner_ref"] for f in flats})
                for i in e.content_items:
                    planned[i["id"]] = (i["category"], i["item"], i["unit"], i["planned_quantity"])
            elif isinstance(e, StageChanged):
                stage = e.to_stage
            elif isinstance(e, ContentItemProgressRecorded):
                actual[e.item_id] = Decimal(e.actual_quantity)
            elif isinstance(e, MilestonePlanned):
                milestone_item[e.milestone_id] = e.item_id
            elif isinstance(e, MilestoneProgressReported):
                done[e.milestone_id] = Decimal(e.done_quantity)
            elif isinstance(e, LiftStageChanged) and e.to_stage == "in_service":
                lifts += 1
            elif isinstance(e, OpinionSubmitted):
                due[e.opinion_id] = e.answer_due_on
            elif isinstance(e, OpinionAnswered):
                first_answer.setdefault(e.opinion_id, e.timestamp.astimezone(LOCAL_TZ).date())
                outcome[e.opinion_id] = e.outcome
            elif isinstance(e, AcceptanceMeetingRecorded):
                open_items |= {d["item_id"] for d in e.defects}
            elif isinstance(e, RectificationItemClosed):
                open_items.discard(e.item_id)
            elif isinstance(e, EvaluationResultRecorded):
                evaluation = e.result
        for mid, item_id in milestone_item.items():
            actual[item_id] = actual.get(item_id, Decimal(0)) + done.get(mid, Decimal(0))
        for item_id, (category, item, unit, quantity) in planned.items():
            sums = items.setdefault((category, item, unit), [Decimal(0), Decimal(0)])
            sums[0] += Decimal(quantity)
            sums[1] += actual.get(item_id, Decimal(0))
        stages[stage] += 1
        households += owners
        if stage in ("accepted", "evaluation", "long_term_management"):
            benefited += owners
        received += len(due)
        answered += len(first_answer)
        on_time += sum(1 for o, day in first_answer.items() if day <= due[o])
        adopted += sum(1 for o in outcome.values() if o in ("adopted", "partly_adopted"))
        overdue += sum(1 for o, d in due.items() if o not in first_answer and d < TODAY)
        rectification_open += len(open_items)
        if evaluation:
            satisfied += evaluation["satisfied"] + evaluation["basically_satisfied"]
            answered_evaluation += evaluation["answered"]
    return {
        "stages": {s: n for s, n in stages.items()},
        "households": households,
        "households_benefited": benefited,
        "lifts_in_service": lifts,
        "items": {k: (v[0], v[1]) for k, v in items.items()},
        "opinions": (received, answered, on_time, adopted, overdue),
        "rectification_open": rectification_open,
        "satisfaction": (satisfied, answered_evaluation),
    }


def from_read_model(figures: dict) -> dict:
    opinions = figures["opinions"]
    adopted = opinions["outcomes"]["adopted"] + opinions["outcomes"]["partly_adopted"]
    satisfaction = figures["satisfaction"]
    return {
        "stages": {s["stage"]: s["count"] for s in figures["by_stage"] if s["count"]},
        "households": figures["households"],
        "households_benefited": figures["households_benefited"],
        "lifts_in_service": figures["lifts_in_service"],
        "items": {
            (i["category"], i["item"], i["unit"]): (Decimal(i["planned"]), Decimal(i["actual"]))
            for i in figures["items"]
        },
        "opinions": (
            opinions["received"],
            opinions["answered"],
            opinions["answered_on_time"],
            adopted,
            opinions["overdue"],
        ),
        "rectification_open": figures["rectification"]["open"],
        "satisfaction": (
            satisfaction["satisfied"] + satisfaction["basically_satisfied"],
            satisfaction["answered"],
        ),
    }


@pytest.fixture
def demo(runtime):
    load_demo(runtime.app)
    runtime.catch_up()
    return runtime


def test_the_figures_of_each_district_and_the_city_equal_a_tally_of_the_events(demo):
    states = figure_states(demo.engine)
    districts = sorted({s["district"] for s in states})
    assert len(districts) > 1
    for district in [*districts, None]:
        chosen = [s for s in states if district is None or s["district"] == district]
        expected = tally(demo.app, [s["project_id"] for s in chosen])
        found = district_figures(figure_states(demo.engine, district=district), today=TODAY)
        assert from_read_model(found) == expected, district
    # Each project's progress is the pages' figure, from its summary and milestone rows.
    for state in states:
        shown = progress_of(
            get_summary(demo.engine, state["project_id"]),
            list_milestones(demo.engine, state["project_id"]),
        )
        assert state["progress"] == (format(shown.percent, "f") if shown else None)
    assert any(s["progress"] for s in states)
    city = district_figures(states, today=TODAY)
    assert city["projects"] == len(states) == city["funnel"][0]["count"]
    assert city["opinions"]["received"] > 0 and city["satisfaction"]["evaluated"] > 0


def test_the_figures_of_a_programme_year_are_its_projects_only(demo):
    all_states = figure_states(demo.engine)
    of_2024 = figure_states(demo.engine, year=2024)
    assert 0 < len(of_2024) < len(all_states)
    assert {s["year"] for s in of_2024} == {2024}
    assert {s["batch"] for s in of_2024} == {"第一批", "第二批"}


def test_the_figures_as_of_a_past_day_leave_out_what_was_recorded_later(demo):
    today = datetime.now(LOCAL_TZ).date()  # days are the bureau's local days
    assert figure_states(demo.engine, as_of=today - timedelta(days=1)) == []
    assert figure_states(demo.engine, as_of=today) == figure_states(demo.engine)


def test_a_rebuild_gives_the_same_figure_rows(demo):
    before = dump_read_model(demo.engine)
    assert before["project_figures"] and before["project_figures_days"]
    demo.projection.drop_tables()
    demo.create_tables()
    demo.catch_up()
    assert dump_read_model(demo.engine) == before


@pytest.mark.parametrize(
    ("year", "batch", "field", "code"),
    [
        (2018, "第一批", "year", "year_between"),
        (2101, "", "year", "year_between"),
        ("2025", "", "year", "must_be_year"),
        (2025, "批" * 41, "batch", "too_long"),
    ],
)
def test_a_programme_year_out_of_range_is_refused_naming_the_field(
    runtime, year, batch, field, code
):
    pid = runtime.app.register_project(registration(), actor=STAFF).project_id
    with pytest.raises(InvalidProjectDataError) as refused:
        runtime.app.assign_programme(pid, year, batch, actor=STAFF)
    assert [p.code for p in refused.value.problems()[field]] == [code]
    assert runtime.app.get_project(pid).programme is None
