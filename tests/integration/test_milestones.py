"""Milestones through the application and the projection, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from renovation.domain.errors import StageGateError
from renovation.projections.milestones import is_overdue
from renovation.projections.queries import dump_read_model, get_summary
from renovation.projections.store import list_milestones
from tests.conftest import STAFF, registration, walk


def build_with_milestones(runtime, *, today=date(2026, 6, 30)):
    app = runtime.app
    app.today = lambda: today
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    first = app.plan_milestone(
        pid,
        {
            "name": "一期雨污分流",
            "item_id": "item-1",
            "quantity": Decimal("600"),
            "planned_start": date(2026, 4, 1),
            "planned_finish": date(2026, 5, 31),
        },
        actor=STAFF,
    ).value["milestone_id"]
    second = app.plan_milestone(
        pid,
        {
            "name": "充电桩安装",
            "item_id": "item-2",
            "quantity": Decimal("12"),
            "planned_start": date(2026, 5, 1),
            "planned_finish": date(2026, 7, 31),
        },
        actor=STAFF,
    ).value["milestone_id"]
    walk(app, pid, "under_construction")
    app.report_milestone_progress(
        pid, first, {"done_quantity": Decimal("200"), "on_date": date(2026, 4, 20)}, actor=STAFF
    )
    app.delay_milestone(
        pid, first, {"planned_finish": date(2026, 6, 20), "reason": "雨季停工两周"}, actor=STAFF
    )
    app.record_supervisor_note(
        pid, first, {"supervisor": "1幢居民监督员", "note": "回填土未夯实"}, actor=STAFF
    )
    app.report_milestone_progress(
        pid,
        first,
        {"done_quantity": Decimal("600"), "on_date": date(2026, 6, 18), "note": "全部完成"},
        actor=STAFF,
    )
    app.complete_milestone(pid, first, {"on_date": date(2026, 6, 19)}, actor=STAFF)
    app.report_milestone_progress(pid, second, {"done_quantity": Decimal("3")}, actor=STAFF)
    runtime.catch_up()
    return pid, first, second


def test_the_read_model_shows_progress_delays_notes_and_completion(runtime):
    pid, first, _second = build_with_milestones(runtime)
    done, going = list_milestones(runtime.engine, str(pid))
    assert done["milestone_id"] == first and done["status"] == "completed"
    assert done["progress"] == 100 and done["done_quantity"] == "600"
    assert done["actual_start"] == "2026-04-20" and done["actual_finish"] == "2026-06-19"
    assert done["first_planned_finish"] == "2026-05-31"
    assert done["planned_finish"] == "2026-06-20"
    assert done["delays"][0] | {"at": None} == {
        "from": "2026-05-31",
        "to": "2026-06-20",
        "reason": "雨季停工两周",
        "at": None,
    }
    assert done["notes"] == [
        {"on": "2026-06-30", "supervisor": "1幢居民监督员", "note": "回填土未夯实"}
    ]
    assert [r["done_quantity"] for r in done["reports"]] == ["200", "600"]
    assert going["status"] == "in_progress" and going["progress"] == 25
    assert going["item"] == "电动汽车充电桩" and going["unit"] == "个"
    assert not is_overdue(going, date(2026, 7, 31))
    assert is_overdue(going, date(2026, 8, 1))
    assert not is_overdue(done, date(2027, 1, 1))
    # Each item with milestones has, as its actual quantity, what they built between them.
    items = {i["id"]: i for i in get_summary(runtime.engine, str(pid))["content_items"]}
    assert items["item-1"]["actual_quantity"] == "600"
    assert items["item-2"]["actual_quantity"] == "3"
    assert items["item-3"]["actual_quantity"] is None


def test_rebuild_gives_the_same_milestone_rows(runtime):
    build_with_milestones(runtime)
    live = dump_read_model(runtime.engine)
    assert len(live["milestones"]) == 2
    runtime.projection.drop_tables()
    runtime.projection.create_tables()
    runtime.projection.catch_up(batch_size=4)
    assert dump_read_model(runtime.engine) == live


def test_the_project_leaves_construction_only_with_every_milestone_completed(runtime):
    pid, _first, second = build_with_milestones(runtime)
    with pytest.raises(StageGateError) as refused:
        runtime.app.transition_project(pid, "acceptance_inspection", actor=STAFF)
    assert refused.value.gate == "construction_finished"
    assert "充电桩安装" in str(refused.value)
    app = runtime.app
    app.report_milestone_progress(pid, second, {"done_quantity": Decimal("12")}, actor=STAFF)
    app.complete_milestone(pid, second, {}, actor=STAFF)
    app.transition_project(pid, "acceptance_inspection", actor=STAFF)
    assert app.get_project(pid).stage == "acceptance_inspection"


def test_a_retried_plan_with_the_same_key_plans_once(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    data = {
        "name": "一期",
        "item_id": "item-1",
        "quantity": Decimal("100"),
        "planned_start": date(2026, 4, 1),
        "planned_finish": date(2026, 5, 1),
    }
    first = app.plan_milestone(pid, data, actor=STAFF, command_id="k1")
    again = app.plan_milestone(pid, data, actor=STAFF, command_id="k1")
    assert again.replayed and again.value == first.value
    assert list(app.get_project(pid).milestones) == ["milestone-1"]
