"""Commands on one project that queue up in one process are decided in turn and stored in one
append (renovation.application.batching), each caller getting its own answer."""

from __future__ import annotations

import threading
import time

import pytest

from renovation.domain.errors import DomainError
from renovation.domain.project import Actor
from tests.conftest import STAFF, registration
from tests.helpers import hold_first_insert

RESIDENT = Actor(id="resident:anonymous", role="resident", channel="test")


@pytest.fixture
def held(runtime, monkeypatch):
    """The application with a project, its next append held until ``release`` is set;
    ``inserts`` lists the number of events of each insert that reached the database."""
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.submit_opinion(pid, {"category": "plan", "text": "第一条"}, actor=RESIDENT)
    inserts, entered, release = hold_first_insert(app.recorder, monkeypatch)
    return app, pid, inserts, entered, release


def in_thread(call, results: dict, name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = call()
        except Exception as error:  # kept for the test to assert on
            results[name] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until_queued(app, pid, count: int) -> None:
    for _ in range(500):
        if len(app._queues.get(pid, [])) == count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{count} commands never queued")


def submit(app, pid, text: str, **kwargs):
    return lambda: app.submit_opinion(
        pid, {"category": "plan", "text": text}, actor=RESIDENT, **kwargs
    )


def test_commands_queued_on_one_project_are_stored_in_one_append(held):
    app, pid, inserts, entered, release = held
    results: dict = {}
    threads = [in_thread(submit(app, pid, "先到的"), results, "first")]
    assert entered.wait(10)
    for n in range(12):
        threads.append(in_thread(submit(app, pid, f"排队的 {n}"), results, n))
        wait_until_queued(app, pid, n + 1)
    release.set()
    for thread in threads:
        thread.join(10)

    assert inserts == [1, 12]  # the first alone, then the twelve queued behind it as one
    versions = [results[n].version for n in range(12)]
    assert versions == list(range(results["first"].version + 1, results["first"].version + 13))
    for n in range(12):  # each caller's answer names its own event
        event = app._event_at(pid, results[n].version)
        assert event.opinion_id == results[n].value["opinion_id"]
        assert event.text == f"排队的 {n}"
        stored = app.recorder.select_notifications(start=results[n].position, limit=1)[0]
        assert (stored.originator_id, stored.originator_version) == (pid, results[n].version)


def test_a_refusal_and_a_replay_in_the_queue_keep_their_own_answers(held):
    app, pid, inserts, entered, release = held
    results: dict = {}
    threads = [in_thread(submit(app, pid, "先到的", command_id="key-1"), results, "first")]
    assert entered.wait(10)
    queue = [
        ("before", submit(app, pid, "前一条")),
        (
            "refused",
            lambda: app.answer_opinions(
                pid, ["0" * 16], {"outcome": "adopted", "answer": "无此意见"}, actor=STAFF
            ),
        ),
        ("replay", submit(app, pid, "先到的", command_id="key-1")),
        ("after", submit(app, pid, "后一条")),
    ]
    for n, (name, call) in enumerate(queue):
        threads.append(in_thread(call, results, name))
        wait_until_queued(app, pid, n + 1)
    release.set()
    for thread in threads:
        thread.join(10)

    assert inserts == [1, 2]  # the two new opinions in one append; nothing else stored
    assert isinstance(results["refused"], DomainError)
    assert results["refused"].code == "unknown_opinion"
    assert results["replay"].replayed
    assert results["replay"].value == results["first"].value
    assert results["after"].version == results["before"].version + 1
    texts = [e.text for e in app.events.get(pid) if type(e).__name__ == "OpinionSubmitted"]
    assert texts == ["第一条", "先到的", "前一条", "后一条"]


def test_a_snapshot_is_taken_after_the_project_is_let_go(runtime, monkeypatch):
    """A snapshot is written once the project is let go: the project's next commands do not
    wait for that write."""
    from renovation.application.app import SNAPSHOT_INTERVAL

    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    held_while_taken: list[bool] = []
    write = app._write_snapshots

    def spy(jobs):
        if jobs:
            held_while_taken.append(app._lock_for(pid).locked())
        write(jobs)

    monkeypatch.setattr(app, "_write_snapshots", spy)
    while app.get_project(pid).version < SNAPSHOT_INTERVAL:
        submit(app, pid, "意见")()

    assert held_while_taken == [False]
    assert [s.originator_version for s in app.snapshots.get(pid)] == [SNAPSHOT_INTERVAL]
