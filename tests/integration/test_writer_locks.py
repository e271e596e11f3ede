"""One writer at a time for a contended project, across processes
(renovation.application.writer_locks), on SQLite files and PostgreSQL."""

from __future__ import annotations

import threading
import uuid

import pytest

from renovation.application.app import RenovationApplication
from renovation.application.writer_locks import AdvisoryLocks, FileLocks, writer_locks_for
from renovation.domain.project import Actor
from tests.conftest import STAFF, registration

RESIDENT = Actor(id="resident:anonymous", role="resident", channel="test")


def test_the_lock_fits_the_store_and_a_second_holder_waits(runtime, database_url):
    locks = writer_locks_for(runtime.app.recorder)
    other = writer_locks_for(runtime.app.recorder)  # as another process would hold it
    assert isinstance(locks, FileLocks if database_url.startswith("sqlite") else AdvisoryLocks)
    project = uuid.uuid4()
    order: list[str] = []
    holding, waiting_done = threading.Event(), threading.Event()

    def second() -> None:
        holding.wait(10)
        with other.hold(project):
            order.append("second")
        waiting_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with locks.hold(project):
        holding.set()
        assert not waiting_done.wait(0.5)  # the second holder waits for the first
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]
    one, another = uuid.UUID(int=(1 << 64) + 1), uuid.UUID(int=(2 << 64) + 2)
    with locks.hold(one), other.hold(another):
        pass  # projects with other keys (another file, another advisory key) do not wait


@pytest.fixture
def two_processes(runtime):
    """The runtime's application and a second one on the same store (two gunicorn workers),
    each with its copy of one project; ``other``'s copy misses ``app``'s last event."""
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    other = RenovationApplication(runtime.storage.event_store_env)
    other.code_key = app.code_key
    other.submit_opinion(pid, {"category": "plan", "text": "之前的"}, actor=RESIDENT)
    app.submit_opinion(pid, {"category": "plan", "text": "先来的"}, actor=RESIDENT)
    yield app, other, pid
    other.close()


def submit_while_locked(app, other, pid) -> bool:
    """Whether ``other``'s next command waited (a second) while the project's lock was held
    elsewhere; either way it is stored once the lock is let go."""
    version = app.get_project(pid).version
    stored = threading.Event()

    def submit() -> None:
        other.submit_opinion(pid, {"category": "plan", "text": "锁着时的"}, actor=RESIDENT)
        stored.set()

    with writer_locks_for(app.recorder).hold(pid):  # as if ``app`` were writing the project
        thread = threading.Thread(target=submit)
        thread.start()
        waited = not stored.wait(1.0)
        if waited:
            assert app.get_project(pid).version == version
    thread.join(10)
    assert stored.is_set()
    assert app.get_project(pid).version == version + 1
    return waited


def test_after_one_collision_a_process_checks_first_but_does_not_wait(two_processes):
    app, other, pid = two_processes
    other.submit_opinion(pid, {"category": "plan", "text": "撞上的"}, actor=RESIDENT)
    stored = threading.Event()

    def submit() -> None:
        other.submit_opinion(pid, {"category": "plan", "text": "锁着时的"}, actor=RESIDENT)
        stored.set()

    with writer_locks_for(app.recorder).hold(pid):
        thread = threading.Thread(target=submit)
        thread.start()
        assert stored.wait(30)  # stored while the lock is held: it did not wait for it
    thread.join(10)


def test_colliding_even_after_checking_a_process_takes_turns(two_processes, monkeypatch):
    app, other, pid = two_processes
    load, raced = other._load_for_command, []

    def racing(project_id, *, fresh):
        project = load(project_id, fresh=fresh)
        if fresh and not raced:  # ``app`` appends between ``other``'s check and its append
            raced.append(
                app.submit_opinion(pid, {"category": "plan", "text": "抢先的"}, actor=RESIDENT)
            )
        return project

    monkeypatch.setattr(other, "_load_for_command", racing)
    other.submit_opinion(pid, {"category": "plan", "text": "撞了两次的"}, actor=RESIDENT)
    assert raced

    assert submit_while_locked(app, other, pid)  # it now waits for the project's lock
    texts = [e.text for e in app.events.get(pid) if type(e).__name__ == "OpinionSubmitted"]
    assert texts == ["之前的", "先来的", "抢先的", "撞了两次的", "锁着时的"]
