"""One writer at a time for a contended project, across processes
(renovation.application.writer_locks), on SQLite files and PostgreSQL."""

from __future__ import annotations

import threading
import uuid

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


def test_after_a_collision_a_process_waits_for_the_projects_lock(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    other = RenovationApplication(runtime.storage.event_store_env)  # a second process
    other.code_key = app.code_key
    try:
        other.submit_opinion(pid, {"category": "plan", "text": "之前的"}, actor=RESIDENT)
        app.submit_opinion(pid, {"category": "plan", "text": "先来的"}, actor=RESIDENT)
        other.submit_opinion(pid, {"category": "plan", "text": "撞上的"}, actor=RESIDENT)
        version = app.get_project(pid).version
        stored = threading.Event()

        def submit() -> None:
            other.submit_opinion(pid, {"category": "plan", "text": "等锁的"}, actor=RESIDENT)
            stored.set()

        with writer_locks_for(app.recorder).hold(pid):  # ``app`` is writing the project
            thread = threading.Thread(target=submit)
            thread.start()
            assert not stored.wait(0.5)  # ``other`` met a collision: it waits its turn
            assert app.get_project(pid).version == version
        thread.join(10)
        assert stored.is_set()
        assert app.get_project(pid).version == version + 1
    finally:
        other.close()
