"""The application over real event stores: SQLite files and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from renovation.application.errors import ProjectNotFoundError, StaleVersionError
from renovation.domain.errors import StageGateError
from tests.conftest import STAFF, registration


def test_a_registered_project_loads_back_with_exact_decimals_and_dates(runtime):
    app = runtime.app
    result = app.register_project(registration(), actor=STAFF)
    project = app.get_project(result.project_id)
    assert project.community["name"] == "凤凰新村"
    assert project.flats()[1]["area"] == Decimal("75.10")
    assert project.budget[1]["amount"] == Decimal("50000.50")
    assert project.planned_start.isoformat() == "2026-03-01"


def test_every_event_type_round_trips_through_the_store(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    for stage in ["needs_survey", "intent_vote", "in_plan", "design", "plan_publicized",
                  "plan_approved", "under_construction"]:
        app.move_project(pid, stage, actor=STAFF, effective_on=datetime(2026, 3, 2).date())
    app.record_progress(pid, "item-1", Decimal("812.5"), actor=STAFF)
    stored = list(app.project_history(pid))
    assert {type(e).__name__ for e in stored} == {
        "ProjectRegistered", "StageChanged", "ContentItemProgressRecorded",
    }
    assert stored[1].effective_on.isoformat() == "2026-03-02"
    assert stored[-1].actual_quantity == Decimal("812.5")
    # The in-memory aggregate equals the one rebuilt from the stored events.
    assert app.get_project(pid).content_items == app.repository.get(pid).content_items


def test_the_same_idempotency_key_registers_one_project(runtime):
    app = runtime.app
    first = app.register_project(registration(), actor=STAFF, command_id="req-1")
    again = app.register_project(registration(), actor=STAFF, command_id="req-1")
    assert again.replayed and again.project_id == first.project_id
    assert app.recorder.max_notification_id() == 1


def test_the_same_key_on_a_command_makes_one_event(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    first = app.move_project(pid, "needs_survey", actor=STAFF, command_id="move-1")
    again = app.move_project(pid, "needs_survey", actor=STAFF, command_id="move-1")
    assert (first.version, again.version, again.replayed) == (2, 2, True)
    assert len(list(app.project_history(pid))) == 2


def test_a_stale_expected_version_is_refused_and_writes_nothing(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.move_project(pid, "needs_survey", actor=STAFF, expected_version=1)
    with pytest.raises(StaleVersionError) as stale:
        app.move_project(pid, "intent_vote", actor=STAFF, expected_version=1)
    assert stale.value.actual == 2
    assert app.get_project(pid).version == 2


def test_a_refused_gate_writes_nothing(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    with pytest.raises(StageGateError):
        app.move_project(pid, "under_construction", actor=STAFF)
    assert app.get_project(pid).version == 1


def test_state_as_of_a_past_time_and_version(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.move_project(pid, "needs_survey", actor=STAFF)
    between = datetime.now(UTC)
    app.move_project(pid, "intent_vote", actor=STAFF)
    assert app.get_project_as_of(pid, between).stage == "needs_survey"
    assert app.get_project_as_of(pid, between).version == 2
    assert app.get_project(pid, version=1).stage == "registered"
    assert app.get_project_as_of(pid, datetime.now(UTC)).stage == "intent_vote"
    with pytest.raises(ProjectNotFoundError):
        app.get_project_as_of(pid, between - timedelta(days=1))
    with pytest.raises(ProjectNotFoundError):
        app.get_project(pid, version=9)


def test_unknown_projects_are_not_found(runtime):
    import uuid

    with pytest.raises(ProjectNotFoundError):
        runtime.app.get_project(uuid.uuid4())
    with pytest.raises(ProjectNotFoundError):
        runtime.app.project_history(uuid.uuid4())


def test_snapshots_are_taken_at_the_interval_and_used_for_loads(runtime):
    from renovation.application.app import SNAPSHOT_INTERVAL

    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    for stage in ["needs_survey", "intent_vote", "in_plan", "design", "plan_publicized",
                  "plan_approved", "under_construction"]:
        app.move_project(pid, stage, actor=STAFF)
    for n in range(SNAPSHOT_INTERVAL):
        app.record_progress(pid, "item-1", Decimal(n), actor=STAFF)
    snapshots = list(app.snapshots.get(pid))
    assert [s.originator_version for s in snapshots] == [SNAPSHOT_INTERVAL]
    assert app.get_project(pid).find_content_item("item-1")["actual_quantity"] == Decimal(
        SNAPSHOT_INTERVAL - 1
    )
    assert app.get_project(pid, version=SNAPSHOT_INTERVAL + 1).version == SNAPSHOT_INTERVAL + 1


def test_concurrent_writers_in_one_process_all_land(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    for stage in ["needs_survey", "intent_vote", "in_plan", "design", "plan_publicized",
                  "plan_approved", "under_construction"]:
        app.move_project(pid, stage, actor=STAFF)
    errors = []

    def write(n: int) -> None:
        try:
            app.record_progress(pid, "item-2", Decimal(n), actor=STAFF, command_id=f"w-{n}")
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert app.get_project(pid).version == 8 + 16


def test_writers_in_two_applications_on_one_store_retry_and_all_land(runtime, database_url):
    """Two application objects stand for two processes: no shared lock, only the store."""
    from renovation.application.app import RenovationApplication

    first = runtime.app
    second = RenovationApplication(runtime.storage.event_store_env)
    pid = first.register_project(registration(), actor=STAFF).project_id
    for stage in ["needs_survey", "intent_vote", "in_plan", "design", "plan_publicized",
                  "plan_approved", "under_construction"]:
        first.move_project(pid, stage, actor=STAFF)
    errors = []

    def write(app, n: int) -> None:
        try:
            app.record_progress(pid, "item-2", Decimal(n), actor=STAFF, command_id=f"p-{n}")
        except Exception as error:
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(first if n % 2 else second, n)) for n in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert errors == []
    history = list(first.project_history(pid))
    assert len(history) == 8 + 20
    assert len({e.command_id for e in history if e.command_id}) == 20
