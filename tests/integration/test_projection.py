"""The project-summary projection: catch-up, exactly once, rebuild, verification."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from renovation.projections.audit import verify_project
from renovation.projections.queries import (
    dump_read_model,
    get_summary,
    list_summaries,
    project_event_log,
)
from renovation.projections.store import ProjectSummaryProjection
from tests.conftest import HAPPY_PATH, STAFF, project_payload, registration, walk


def make_projects(app, count: int = 3) -> list:
    ids = []
    for n in range(count):
        data = registration(
            project_payload(name=f"小区{n}", district="清江浦区" if n % 2 else "天宁区")
        )
        pid = app.register_project(data, actor=STAFF).project_id
        walk(app, pid, HAPPY_PATH[n])
        ids.append(pid)
    return ids


def test_catch_up_builds_summaries_with_counts_and_position(runtime):
    ids = make_projects(runtime.app)
    assert runtime.catch_up() == runtime.app.recorder.max_notification_id()
    row = get_summary(runtime.engine, str(ids[2]))
    assert row["stage"] == "in_plan"
    assert (row["buildings"], row["units"], row["flats"]) == (2, 3, 7)
    # O-101 holds two flats; the unsold flat counts as the developer.
    assert row["households"] == 6
    assert row["total_area"] == "478.80"
    assert row["budget_total"] == "1250000.50"
    assert row["position"] == runtime.app.recorder.max_notification_id()
    assert [s["to_stage"] for s in row["stage_history"]] == HAPPY_PATH[:3]
    assert runtime.catch_up() == 0


def test_actual_quantities_reach_the_summary(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "under_construction")
    app.record_progress(pid, "item-1", Decimal("640.5"), actor=STAFF)
    runtime.catch_up()
    items = get_summary(runtime.engine, str(pid))["content_items"]
    assert items[0]["planned_quantity"] == "1200"
    assert items[0]["actual_quantity"] == "640.5"
    assert items[1]["actual_quantity"] is None


def test_list_filters_by_district_stage_and_text_with_pages(runtime):
    make_projects(runtime.app, 5)
    runtime.catch_up()
    rows, total = list_summaries(runtime.engine, district="清江浦区")
    assert total == 2 and {r["name"] for r in rows} == {"小区1", "小区3"}
    rows, total = list_summaries(runtime.engine, stage="needs_survey")
    assert [r["name"] for r in rows] == ["小区0"]
    rows, total = list_summaries(runtime.engine, q="区4")
    assert [r["name"] for r in rows] == ["小区4"]
    rows, total = list_summaries(runtime.engine, page=2, per_page=2)
    assert total == 5 and len(rows) == 2


def test_rebuild_gives_the_same_rows_byte_for_byte(runtime):
    make_projects(runtime.app, 4)
    runtime.catch_up()
    runtime.app.transition_project(make_projects(runtime.app, 1)[0], "intent_vote", actor=STAFF)
    runtime.catch_up()
    live = dump_read_model(runtime.engine)
    runtime.projection.drop_tables()
    runtime.projection.create_tables()
    runtime.projection.catch_up(batch_size=3)
    assert dump_read_model(runtime.engine) == live


def test_concurrent_catch_ups_apply_each_event_once(runtime):
    make_projects(runtime.app, 6)
    projections = [ProjectSummaryProjection(runtime.app, runtime.engine) for _ in range(4)]
    errors = []

    def run(projection):
        try:
            projection.catch_up(batch_size=2)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in projections]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    head = runtime.app.recorder.max_notification_id()
    with runtime.engine.connect() as conn:
        assert conn.execute(text("select count(*) from event_log")).scalar_one() == head
    assert runtime.projection.position() == head


def test_a_crash_inside_a_batch_leaves_nothing_half_applied(runtime, monkeypatch):
    import renovation.projections.store as store

    make_projects(runtime.app, 2)
    real_fold = store.fold
    calls = {"n": 0}

    def failing_fold(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_fold(*args, **kwargs)

    monkeypatch.setattr(store, "fold", failing_fold)
    with pytest.raises(RuntimeError):
        runtime.catch_up()
    assert runtime.projection.position() == 0
    assert list_summaries(runtime.engine)[1] == 0
    monkeypatch.setattr(store, "fold", real_fold)
    head = runtime.app.recorder.max_notification_id()
    assert runtime.catch_up() == head  # every event once, none twice
    rows, total = list_summaries(runtime.engine)
    assert total == 2
    assert sum(len(project_event_log(runtime.engine, r["id"])) for r in rows) == head


def test_verification_passes_then_detects_an_altered_stored_event(runtime):
    app = runtime.app
    pid = make_projects(app, 3)[2]
    runtime.catch_up()
    result = verify_project(app, runtime.engine, pid)
    assert result.ok and result.events_checked == runtime.app.get_project(pid).version
    assert result.chain_digest == get_summary(runtime.engine, str(pid))["chain_digest"]
    # Someone edits the stored registration in the event store behind the service's back.
    table = "stored_events" if runtime.storage.kind == "sqlite" else "renovation_events"
    stored = app.recorder.select_events(pid, lte=1)[0]
    forged = stored.state.replace("小区2".encode(), "小区9".encode())
    assert forged != stored.state
    with app.recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
        placeholder = "?" if runtime.storage.kind == "sqlite" else "%s"
        cursor.execute(
            f"UPDATE {table} SET state = {placeholder} "
            f"WHERE originator_id = {placeholder} AND originator_version = 1",
            (forged, pid.hex if runtime.storage.kind == "sqlite" else pid),
        )
    result = verify_project(app, runtime.engine, pid)
    assert not result.ok
    assert result.problems[0] == {"version": 1, "problem": "digest differs from the record"}
