"""The application over real event stores: SQLite files and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from renovation.application.errors import ProjectNotFoundError, StaleVersionError
from renovation.domain.errors import StageGateError
from renovation.domain.project import Actor
from tests.conftest import STAFF, hold_evaluation, registration, walk

RESIDENT = Actor("resident", "resident", "web")


def test_a_registered_project_loads_back_with_exact_decimals_and_dates(runtime):
    app = runtime.app
    result = app.register_project(registration(), actor=STAFF)
    project = app.get_project(result.project_id)
    assert project.community["name"] == "凤凰新村"
    assert project.flats()[1]["area"] == Decimal("75.10")
    assert project.budget[1]["amount"] == Decimal("50000.50")
    assert project.planned_start.isoformat() == "2026-03-01"


def test_every_event_type_round_trips_through_the_store(runtime):
    """Every kind of event, stored and loaded back; with a snapshot after every save, each
    snapshot (taken of the project in memory) is the project replayed from its events."""
    import events.investment
    import events.participation
    import events.project
    from renovation.application.base import project_events
    from renovation.domain.project import RenovationProject

    app = runtime.app
    app.snapshotting_intervals = {RenovationProject: 1}
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.transition_project(pid, "needs_survey", actor=STAFF, effective_on=date(2026, 3, 2))
    walk(app, pid, "under_construction")  # opens, ballots and closes an intent vote
    app.record_progress(pid, "item-1", Decimal("812.5"), actor=STAFF)
    app.assign_programme(pid, 2026, "第一批", actor=STAFF)
    paid = {"source": "居民出资", "amount": Decimal("12.34"), "paid_on": app.today(),
            "purpose": "设计费", "voucher": "记-1"}
    app.record_spending(pid, paid, actor=STAFF)
    app.issue_household_codes(pid, building="2", actor=STAFF)
    opinion = app.submit_opinion(
        pid,
        {
            "category": "nuisance",
            "text": "夜间施工噪音",
            "building": "1",
            "flat": "101",
            "contact": "138 0000 0000",
        },
        actor=RESIDENT,
    ).value
    app.answer_opinions(
        pid, [opinion["opinion_id"]], {"outcome": "adopted", "answer": "已调整"}, actor=STAFF
    )
    app.rate_opinion_answer(pid, opinion["opinion_id"], rating="satisfied", actor=RESIDENT)
    hold_evaluation(app, pid)  # opens, ballots and closes an evaluation, recording its result
    asked = {"type": "text", "text": "还有什么建议？"}
    now = app.now()
    needs = app.open_consultation(
        pid,
        {
            "kind": "needs",
            "title": "问需",
            "questions": [{"type": "rating", "text": "楼道照明？"}],
            "opens_at": now + timedelta(days=1),
            "closes_at": now + timedelta(days=8),
            "scope": {"level": "community"},
        },
        actor=STAFF,
    ).value["consultation_id"]
    app.revise_consultation_questions(pid, needs, [asked], actor=STAFF)
    real_clock = app.clock
    app.clock = lambda: now + timedelta(days=2)
    try:
        ballot = app.cast_paper_vote(
            pid, needs, flat_id="1-1-101", answers={"q1": "多装路灯"}, consent=None, actor=STAFF
        )
        app.take_up_written_answer(
            pid, needs, f"{ballot.version}-q1", {"into": "plan", "note": "列入方案"}, actor=STAFF
        )
    finally:
        app.clock = real_clock
    app.moderate_opinion(pid, opinion["opinion_id"], hidden=True, reason="辱骂", actor=STAFF)
    key_id = app.get_project(pid).opinions[opinion["opinion_id"]]["personal_key_id"]
    app.erase_personal_data(pid, [key_id], reason="本人申请", actor=STAFF)
    stored = list(app.project_history(pid))
    defined = {
        name
        for module in (events.project, events.participation, events.investment)
        for name, cls in vars(module).items()
        if isinstance(cls, type) and cls.__module__ == module.__name__ and name != "ProjectEvent"
    }
    assert {type(e).__name__ for e in stored} == defined
    assert stored[1].effective_on == date(2026, 3, 2)
    assert next(
        e for e in stored if type(e).__name__ == "ContentItemProgressRecorded"
    ).actual_quantity == Decimal("812.5")
    spent = next(e for e in stored if type(e).__name__ == "InvestmentSpent")
    assert (spent.amount, spent.paid_on) == (Decimal("12.34"), app.today())
    opened = next(e for e in stored if type(e).__name__ == "ConsultationOpened")
    assert opened.opens_at.tzinfo is not None
    # The aggregate rebuilt from the stored events equals the one the commands decided on.
    assert vars(app.repository.get(pid)) == vars(app.get_project(pid))
    snapshots = list(app.snapshots.get(pid))
    assert len(snapshots) > 30
    for snapshot in snapshots:
        replayed = project_events(None, app.events.get(pid, lte=snapshot.originator_version))
        assert vars(snapshot.mutate(None)) == vars(replayed), snapshot.originator_version


def test_the_same_idempotency_key_registers_one_project(runtime):
    app = runtime.app
    first = app.register_project(registration(), actor=STAFF, command_id="req-1")
    again = app.register_project(registration(), actor=STAFF, command_id="req-1")
    assert again.replayed and again.project_id == first.project_id
    assert app.recorder.max_notification_id() == 1


def test_the_same_key_on_a_command_makes_one_event(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    first = app.transition_project(pid, "needs_survey", actor=STAFF, command_id="move-1")
    again = app.transition_project(pid, "needs_survey", actor=STAFF, command_id="move-1")
    assert (first.version, again.version, again.replayed) == (2, 2, True)
    assert len(list(app.project_history(pid))) == 2


def test_a_stale_expected_version_is_refused_and_writes_nothing(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.transition_project(pid, "needs_survey", actor=STAFF, expected_version=1)
    with pytest.raises(StaleVersionError) as stale:
        app.transition_project(pid, "intent_vote", actor=STAFF, expected_version=1)
    assert stale.value.actual == 2
    assert app.get_project(pid).version == 2


def test_a_refused_gate_writes_nothing(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    with pytest.raises(StageGateError):
        app.transition_project(pid, "under_construction", actor=STAFF)
    assert app.get_project(pid).version == 1


def test_state_as_of_a_past_time_and_version(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.transition_project(pid, "needs_survey", actor=STAFF)
    between = datetime.now(UTC)
    app.transition_project(pid, "intent_vote", actor=STAFF)
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
    walk(app, pid, "under_construction")
    while app.get_project(pid).version < SNAPSHOT_INTERVAL + 5:
        app.record_progress(pid, "item-1", Decimal(app.get_project(pid).version), actor=STAFF)
    snapshots = list(app.snapshots.get(pid))
    assert [s.originator_version for s in snapshots] == [SNAPSHOT_INTERVAL]
    assert app.get_project(pid).find_content_item("item-1")["actual_quantity"] == Decimal(
        SNAPSHOT_INTERVAL + 4
    )
    # A past version above the snapshot replays from it; its state is the state then.
    then = app.get_project(pid, version=SNAPSHOT_INTERVAL + 1)
    assert then.find_content_item("item-1")["actual_quantity"] == Decimal(SNAPSHOT_INTERVAL)


def test_a_save_of_many_events_gets_a_snapshot_at_each_interval_it_crosses(runtime):
    """One save (an import, a batch) crossing two multiples of the interval: a snapshot at the
    first, loaded at its version, and one of the project as saved, at its version; each is
    the project replayed from its events, and a past version loads from the nearest."""
    from renovation.application.app import SNAPSHOT_INTERVAL
    from renovation.application.base import project_events

    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "under_construction")
    project = app.get_project(pid)
    while project.version < 2 * SNAPSHOT_INTERVAL + 7:
        project.record_progress("item-1", Decimal(project.version), actor=STAFF)
    app.save(project)

    snapshots = list(app.snapshots.get(pid))
    assert [s.originator_version for s in snapshots] == [SNAPSHOT_INTERVAL, project.version]
    for snapshot in snapshots:
        replayed = project_events(None, app.events.get(pid, lte=snapshot.originator_version))
        assert vars(snapshot.mutate(None)) == vars(replayed)
    then = app.get_project(pid, version=SNAPSHOT_INTERVAL + 3)
    assert then.find_content_item("item-1")["actual_quantity"] == Decimal(SNAPSHOT_INTERVAL + 2)


def test_concurrent_writers_in_one_process_all_land(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "under_construction")
    before = app.get_project(pid).version
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
    assert app.get_project(pid).version == before + 16


def test_writers_in_two_applications_on_one_store_retry_and_all_land(runtime, database_url):
    """Two application objects stand for two processes: no shared lock, only the store."""
    from renovation.application.app import RenovationApplication

    first = runtime.app
    second = RenovationApplication(runtime.storage.event_store_env)
    pid = first.register_project(registration(), actor=STAFF).project_id
    walk(first, pid, "under_construction")
    before = first.get_project(pid).version
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
    assert len(history) == before + 20
    assert len({e.command_id for e in history if e.command_id}) == 20
