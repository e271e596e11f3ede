"""A process's concurrent appends stored in one insert (renovation.application.combined_inserts),
on the real recorders of SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from renovation.application.combined_inserts import CombinedInserts
from tests.helpers import hold_first_insert


def event(originator: uuid.UUID, version: int) -> StoredEvent:
    return StoredEvent(
        originator_id=originator, originator_version=version, topic="test:Appended", state=b"{}"
    )


@pytest.fixture
def held(runtime, monkeypatch):
    """The runtime's recorder with its first insert held until ``release`` is set; ``calls``
    lists the number of events of each insert that reached the database."""
    recorder = runtime.app.recorder
    assert isinstance(recorder, CombinedInserts)
    calls, entered, release = hold_first_insert(recorder, monkeypatch)
    return recorder, calls, entered, release


def append_in_thread(recorder, events, results: dict, name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = recorder.insert_events(events)
        except Exception as error:  # kept for the test to assert on
            results[name] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until_queued(recorder, count: int) -> None:
    for _ in range(500):
        if len(recorder._appends) == count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{count} appends never queued")


def test_appends_that_queue_up_are_stored_in_one_insert(held):
    recorder, calls, entered, release = held
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    results: dict = {}
    threads = [append_in_thread(recorder, [event(a, 1)], results, "a")]
    assert entered.wait(10)
    threads.append(append_in_thread(recorder, [event(b, 1)], results, "b"))
    wait_until_queued(recorder, 1)
    threads.append(append_in_thread(recorder, [event(c, 1), event(c, 2)], results, "c"))
    wait_until_queued(recorder, 2)
    release.set()
    for thread in threads:
        thread.join(10)

    assert calls == [1, 3]  # the first alone, then the two that queued behind it as one
    assert len(results["a"]) == 1 and len(results["b"]) == 1 and len(results["c"]) == 2
    ids = results["a"] + results["b"] + results["c"]
    assert ids == sorted(ids) and len(set(ids)) == 4  # each its own ids, in its own order
    stored = recorder.select_notifications(start=min(ids), limit=10)
    assert [(n.originator_id, n.originator_version) for n in stored] == [
        (a, 1),
        (b, 1),
        (c, 1),
        (c, 2),
    ]


def test_a_colliding_append_fails_alone(held):
    recorder, calls, entered, release = held
    taken = uuid.uuid4()
    release.set()
    recorder.insert_events([event(taken, 1)])  # passes the gate, which is open
    calls.clear()
    entered.clear()
    release.clear()  # the gate holds the next first call again
    fresh = uuid.uuid4()
    results: dict = {}
    threads = [append_in_thread(recorder, [event(uuid.uuid4(), 1)], results, "first")]
    assert entered.wait(10)
    threads.append(append_in_thread(recorder, [event(taken, 1)], results, "colliding"))
    wait_until_queued(recorder, 1)
    threads.append(append_in_thread(recorder, [event(fresh, 1)], results, "fresh"))
    wait_until_queued(recorder, 2)
    release.set()
    for thread in threads:
        thread.join(10)

    assert isinstance(results["colliding"], IntegrityError)
    assert calls == [1, 2, 1, 1]  # the combined insert refused, then each on its own
    assert len(results["fresh"]) == 1
    stored = recorder.select_events(fresh)
    assert [s.originator_version for s in stored] == [1]
    assert [s.originator_version for s in recorder.select_events(taken)] == [1]


def test_commands_on_different_projects_share_one_insert(runtime, held):
    """Through the application: its appends reach the recorder as the library sends them."""
    from renovation.domain.project import Actor
    from tests.conftest import STAFF, registration

    resident = Actor(id="resident:anonymous", role="resident", channel="test")
    recorder, calls, entered, release = held
    app = runtime.app
    release.set()
    projects = [app.register_project(registration(), actor=STAFF).project_id for _ in range(3)]
    calls.clear()
    entered.clear()
    release.clear()
    results: dict = {}

    def submit(pid):
        return lambda: app.submit_opinion(pid, {"category": "plan", "text": "意见"}, actor=resident)

    threads = []
    for n, pid in enumerate(projects):
        thread = threading.Thread(target=lambda n=n, pid=pid: results.update({n: submit(pid)()}))
        thread.start()
        threads.append(thread)
        if n == 0:
            assert entered.wait(10)
        else:
            wait_until_queued(recorder, n)
    release.set()
    for thread in threads:
        thread.join(10)

    assert calls == [1, 2]
    for n, pid in enumerate(projects):
        assert app._event_at(pid, results[n].version).opinion_id == results[n].value["opinion_id"]
