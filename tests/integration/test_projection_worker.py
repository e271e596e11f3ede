"""The projection worker keeps the read models; requests wait for it, never apply events.

On SQLite and PostgreSQL: the in-process thread, a stopped worker (answers within the
timeout, say they are behind, nothing lost on resuming) and ``renovation projections
follow`` in its own process, woken by the recorder's NOTIFY on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from renovation.web import create_app
from tests.conftest import STAFF, project_payload, registration
from tests.helpers import signed_in

RENOVATION = str(Path(sys.executable).with_name("renovation"))


@pytest.fixture
def make(database_url, tmp_path, monkeypatch):
    """``make(**config)``: the web app on the test database with a staff token."""
    from renovation import accounts

    monkeypatch.setenv("RENOVATION_INSTANCE", str(tmp_path / "instance"))
    apps = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "SECRET_KEY": "test-secret",
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
                "PHOTO_DIR": str(tmp_path / "photos"),
                **config,
            }
        )
        apps.append(app)
        engine = app.extensions["renovation"].engine
        accounts.add_user(engine, "zhang", "correct horse", "staff", districts=["清江浦区"])
        token = accounts.issue_token(engine, "zhang")
        app.staff = {"Authorization": f"Bearer {token}"}
        return app

    yield make
    for app in apps:
        app.extensions["renovation"].close()


def register(client, app):
    created = client.post("/api/projects", json=project_payload(), headers=app.staff)
    assert created.status_code == 201, created.get_json()
    return created


def move(client, app, pid, stage):
    return client.post(
        f"/api/projects/{pid}/transitions", json={"to_stage": stage}, headers=app.staff
    )


def listed_stage(client) -> str:
    """The first project's stage as the read model lists it."""
    return client.get("/api/projects").get_json()["items"][0]["stage"]


def assert_applied_once(rt) -> None:
    """Every stored event in the read model's log and the audit log, each exactly once."""
    head = rt.app.recorder.max_notification_id()
    with rt.engine.connect() as conn:
        rows, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT position) FROM event_log")
        ).one()
    assert rows == distinct == head
    assert rt.projection.position() == head
    assert rt.audit_log.head() == (head, head)


def after(answer) -> dict[str, str]:
    """The header a read sends to see the write that gave ``answer``."""
    return {"X-After-Position": answer.headers["X-Position"]}


def test_with_the_worker_a_post_is_followed_by_reads_that_show_it(make):
    app = make(PROJECTION_WORKER="thread")
    rt = app.extensions["renovation"]
    assert rt.worker is not None and rt.worker.running
    client = app.test_client()
    for _ in range(3):
        created = register(client, app)
        assert "X-Read-Model-Behind" not in created.headers
        pid = created.get_json()["id"]
        assert client.get(f"/api/projects/{pid}", headers=after(created)).status_code == 200
        moved = move(client, app, pid, "needs_survey")
        assert moved.status_code == 200 and "X-Read-Model-Behind" not in moved.headers
        assert int(moved.headers["X-Position"]) > int(created.headers["X-Position"])
        shown = client.get(f"/api/projects/{pid}?after_position={moved.headers['X-Position']}")
        assert shown.get_json()["stage"] == "needs_survey"
        listed = client.get("/api/projects", headers=after(moved)).get_json()["items"]
        assert {p["stage"] for p in listed} == {"needs_survey"}
    assert client.get("/api/projects").get_json()["total"] == 3
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["worker"] == {"mode": "thread", "alive": True}
    assert ready.json["projection"]["lag"] == 0
    assert_applied_once(rt)


def test_a_write_answers_without_waiting_for_a_stopped_worker_and_a_read_after_it_says_so(make):
    app = make(PROJECTION_WORKER="thread", READ_WAIT_SECONDS=0.3)
    rt = app.extensions["renovation"]
    client = app.test_client()
    pid = register(client, app).get_json()["id"]
    assert rt.worker.wait_for(rt.app.recorder.max_notification_id(), 10)
    rt.worker.stop()
    stopped = client.get("/readyz")
    assert stopped.status_code == 503 and stopped.json["status"] == "worker_stopped"

    moved = move(client, app, pid, "needs_survey")
    # Stored and answered with its position; the write did not wait for the read models.
    assert moved.status_code == 200 and "X-Read-Model-Behind" not in moved.headers
    assert int(moved.headers["X-Position"]) == rt.app.recorder.max_notification_id()
    assert rt.app.get_project(uuid.UUID(pid)).stage == "needs_survey"
    # A read without a position answers from the read model as it is, and does not wait.
    plain = client.get("/api/projects")
    assert plain.get_json()["items"][0]["stage"] == "registered"
    assert "X-Read-Model-Behind" not in plain.headers
    # A read that asks for the write waits its 0.3 s in vain and says so.
    started = time.monotonic()
    behind = client.get("/api/projects", headers=after(moved))
    assert time.monotonic() - started < 3  # the 0.3 s wait, not the worker's return
    assert behind.headers["X-Read-Model-Behind"] == "1"
    assert behind.get_json()["items"][0]["stage"] == "registered"
    assert client.get("/readyz").json["projection"]["lag"] == 1

    rt.start_worker()
    shown = client.get("/api/projects", headers=after(moved))
    assert shown.get_json()["items"][0]["stage"] == "needs_survey"
    assert "X-Read-Model-Behind" not in shown.headers
    assert client.get("/readyz").status_code == 200
    assert_applied_once(rt)


@pytest.mark.parametrize(
    ("headers", "query", "field"),
    [
        ({"X-After-Position": "soon"}, "", "X-After-Position"),
        ({"X-After-Position": "-3"}, "", "X-After-Position"),
        ({"X-After-Position": "1" * 19}, "", "X-After-Position"),
        ({"X-After-Position": "１２"}, "", "X-After-Position"),
        ({}, "?after_position=1.5", "after_position"),
    ],
)
def test_a_malformed_position_is_refused_with_its_field(make, headers, query, field):
    app = make(PROJECTION_WORKER="inline")
    answer = app.test_client().get(f"/api/projects{query}", headers=headers)
    assert answer.status_code == 422
    assert answer.json["code"] == "must_be_position"
    assert field in answer.json["errors"]
    assert "X-Position" in answer.json["errors"][field][0]


def test_inline_a_write_has_caught_up_before_it_answers(make):
    app = make(PROJECTION_WORKER="inline")
    client = app.test_client()
    created = register(client, app)
    rt = app.extensions["renovation"]
    assert int(created.headers["X-Position"]) == rt.projection.position()
    assert client.get("/api/projects").get_json()["total"] == 1


def test_a_page_that_waits_in_vain_shows_the_notice(make):
    app = make(PROJECTION_WORKER="thread", READ_WAIT_SECONDS=0.2)
    rt = app.extensions["renovation"]
    auditor = signed_in(app, "auditor", districts=())
    pid = rt.app.register_project(registration(project_payload()), actor=STAFF).project_id
    assert rt.worker.wait_for(rt.app.recorder.max_notification_id(), 10)
    rt.worker.stop()
    rt.app.transition_project(pid, "needs_survey", actor=STAFF)
    page = auditor.get(f"/audit/projects/{pid}")
    assert page.status_code == 200
    assert "数据正在更新，请稍后刷新" in page.get_data(as_text=True)
    assert page.headers["X-Read-Model-Behind"] == "1"
    rt.start_worker()
    assert rt.worker.wait_for(rt.app.recorder.max_notification_id(), 10)
    again = auditor.get(f"/audit/projects/{pid}")
    assert "数据正在更新" not in again.get_data(as_text=True)


def test_projections_follow_in_its_own_process_keeps_up(make, database_url, tmp_path):
    # On PostgreSQL it looks only once a minute: its NOTIFY wakes it.
    interval = "60" if database_url.startswith("postgresql") else "0.1"
    app = make(PROJECTION_WORKER="external", READ_WAIT_SECONDS=30)
    rt = app.extensions["renovation"]
    client = app.test_client()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENOVATION_INSTANCE": str(tmp_path / "instance"),
    }
    with (tmp_path / "follow.log").open("w") as out:
        follower = subprocess.Popen(
            [RENOVATION, "projections", "follow", "--interval", interval],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # The first read after a write waits (at most 30 s) for the process to start and
        # apply it.
        created = register(client, app)
        pid = created.get_json()["id"]
        assert client.get(f"/api/projects/{pid}", headers=after(created)).status_code == 200
        assert rt.projection.position() == rt.app.recorder.max_notification_id()
        rt.read_wait = 5  # from now on well under the process's polling interval
        moved = move(client, app, pid, "needs_survey")
        assert moved.status_code == 200, moved.get_json()
        shown = client.get("/api/projects", headers=after(moved))
        assert "X-Read-Model-Behind" not in shown.headers
        assert shown.get_json()["items"][0]["stage"] == "needs_survey"
        again = register(client, app)
        listed = client.get("/api/projects", headers=after(again))
        assert "X-Read-Model-Behind" not in listed.headers
        assert listed.get_json()["total"] == 2
        assert client.get("/readyz").json["worker"] == {"mode": "external"}
    finally:
        follower.send_signal(signal.SIGTERM)
        code = follower.wait(timeout=20)
    assert code == 0, (tmp_path / "follow.log").read_text()
    assert_applied_once(rt)


def test_events_written_while_the_worker_gathers_are_applied_in_one_round(runtime):
    from renovation.projections.worker import ProjectionWorker

    worker = ProjectionWorker(runtime, interval=0.05, gather=2.0)
    rounds: list[int] = []
    catch_up = runtime.projection.catch_up

    def counted(**kwargs) -> int:  # counted before the worker says it has passed them
        applied = catch_up(**kwargs)
        if applied:
            rounds.append(applied)
        return applied

    runtime.projection.catch_up = counted
    runtime.app.register_project(registration(project_payload()), actor=STAFF)
    worker.start()
    try:
        assert worker.wait_for(runtime.app.recorder.max_notification_id(), 10)
        assert rounds == [runtime.app.recorder.max_notification_id()]
        # The store is busy: the worker lets the next writes come, then applies them at once
        # (polling every 0.05 s, it would otherwise take them a few at a time).
        before = runtime.app.recorder.max_notification_id()
        for n in range(5):
            runtime.app.register_project(
                registration(project_payload(name=f"小区{n}")), actor=STAFF
            )
        head = runtime.app.recorder.max_notification_id()
        assert worker.wait_for(head, 10)
        assert rounds[1:] == [head - before]
    finally:
        worker.stop()
    assert_applied_once(runtime)


def test_a_worker_gathering_writes_stops_at_once(runtime):
    from renovation.projections.worker import ProjectionWorker

    worker = ProjectionWorker(runtime, interval=0.05, gather=600.0)
    runtime.app.register_project(registration(project_payload()), actor=STAFF)
    worker.start()
    assert worker.wait_for(runtime.app.recorder.max_notification_id(), 10)
    # Now in its ten-minute pause after a round that applied events: a stop ends it.
    thread = worker._thread
    worker.stop(timeout=10)
    assert not thread.is_alive()


def test_a_follower_killed_mid_stream_resumes_and_applies_each_event_once(
    database_url, tmp_path, monkeypatch
):
    """``projections follow`` killed with SIGKILL while it works through a backlog, then
    started again: every event applied once, and the read models equal a rebuild."""
    from renovation.projections.queries import dump_read_model
    from renovation.projections.rebuild import rebuild
    from renovation.projections.worker import applied_position
    from renovation.runtime import Runtime
    from tests.bulk import bulk_events

    monkeypatch.setenv("RENOVATION_INSTANCE", str(tmp_path / "instance"))
    rt = Runtime(database_url)
    rt.create_tables()
    env = {**os.environ, "DATABASE_URL": database_url}

    def follow() -> subprocess.Popen:
        return subprocess.Popen(
            [RENOVATION, "projections", "follow", "--interval", "0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_until(done, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)

    try:
        bulk_events(rt.app, 10_000)
        head = rt.app.recorder.max_notification_id()
        first = follow()
        try:
            # Killed as soon as its first batch is in: it is applying the next one.
            wait_until(lambda: rt.projection.position() > 0 or first.poll() is not None, 120)
            first.send_signal(signal.SIGKILL)
        finally:
            assert first.wait(timeout=30) == -signal.SIGKILL
        assert 0 < rt.projection.position() < head

        second = follow()
        try:
            wait_until(lambda: applied_position(rt) >= head or second.poll() is not None, 300)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
        assert applied_position(rt) == head
        assert_applied_once(rt)
        incremental = dump_read_model(rt.engine)
        rebuild(rt.app, rt.engine)
        assert dump_read_model(rt.engine) == incremental
    finally:
        rt.close()
