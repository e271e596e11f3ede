"""The progress figure from the read model: after milestone progress, after a rebuild, and as
of a past time (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from renovation.projections.milestone_replay import milestones_at
from renovation.projections.progress import progress_of
from renovation.projections.queries import dump_read_model, get_summary
from renovation.projections.replay import summary_at
from renovation.projections.store import list_milestones
from tests.conftest import STAFF, registration, walk


def figure(runtime, pid):
    return progress_of(
        get_summary(runtime.engine, str(pid)), list_milestones(runtime.engine, str(pid))
    )


def plan(app, pid, name, item_id, quantity):
    return app.plan_milestone(
        pid,
        {
            "name": name,
            "item_id": item_id,
            "quantity": Decimal(quantity),
            "planned_start": date(2026, 4, 1),
            "planned_finish": date(2026, 9, 30),
        },
        actor=STAFF,
    ).value["milestone_id"]


def report(app, pid, milestone_id, done, on):
    app.report_milestone_progress(
        pid, milestone_id, {"done_quantity": Decimal(done), "on_date": on}, actor=STAFF
    )


def test_the_figure_follows_reported_quantities_and_survives_a_rebuild(runtime):
    app = runtime.app
    app.today = lambda: date(2026, 6, 30)
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    runtime.catch_up()
    assert figure(runtime, pid) is None  # no milestone planned: no figure

    first = plan(app, pid, "一期雨污分流", "item-1", "600")
    second = plan(app, pid, "二期雨污分流", "item-1", "300")
    chargers = plan(app, pid, "充电桩安装", "item-2", "12")
    runtime.catch_up()
    planned = figure(runtime, pid)
    assert planned is not None and str(planned.percent) == "0.0"
    assert planned.basis == "planned_quantity"  # the registration gives no item a cost

    walk(app, pid, "under_construction")
    report(app, pid, first, "450", date(2026, 5, 10))
    report(app, pid, chargers, "12", date(2026, 6, 1))
    runtime.catch_up()
    # 雨污分流: (450 + 0) / 900 = 1/2, 充电桩: 1; equal weights → 3/4
    going = figure(runtime, pid)
    assert going is not None and str(going.percent) == "75.0"

    report(app, pid, first, "600", date(2026, 6, 10))
    report(app, pid, second, "100", date(2026, 6, 20))
    runtime.catch_up()
    # 雨污分流: 700 / 900 = 7/9 → (7/9 + 1) / 2 = 8/9 = 88.88…
    later = figure(runtime, pid)
    assert later is not None and str(later.percent) == "88.8"

    live = dump_read_model(runtime.engine)
    runtime.projection.drop_tables()
    runtime.projection.create_tables()
    runtime.projection.catch_up(batch_size=3)
    assert dump_read_model(runtime.engine) == live
    assert figure(runtime, pid) == later


def test_as_of_a_past_time_the_figure_is_the_one_the_read_model_held_then(runtime):
    app = runtime.app
    app.today = lambda: date(2026, 6, 30)
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    first = plan(app, pid, "一期雨污分流", "item-1", "600")
    walk(app, pid, "under_construction")
    report(app, pid, first, "150", date(2026, 5, 10))
    runtime.catch_up()
    then = get_summary(runtime.engine, str(pid))["updated_at"]
    report(app, pid, first, "600", date(2026, 6, 10))
    runtime.catch_up()

    as_of = datetime.fromisoformat(then)
    summary = summary_at(app, runtime.engine, pid, as_of)
    past = progress_of(summary, milestones_at(app, runtime.engine, pid, as_of, summary=summary))
    assert past is not None and str(past.percent) == "25.0"
    now = figure(runtime, pid)
    assert now is not None and str(now.percent) == "100.0"
