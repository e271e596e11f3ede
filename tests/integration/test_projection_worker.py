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


def test_with_the_worker_a_post_is_followed_by_reads_that_show_it(make):
    app = make(PROJECTION_WORKER="thread")
    rt = app.extensions["renovation"]
    assert rt.worker is not None and rt.worker.running
    client = app.test_client()
    for _ in range(3):
        created = register(client, app)
        assert "X-Read-Model-Behind" not in created.headers
        pid = created.get_json()["id"]
        assert client.get(f"/api/projects/{pid}").status_code == 200
        moved = move(client, app, pid, "needs_survey")
        assert moved.status_code == 200 and "X-Read-Model-Behind" not in moved.headers
        assert client.get(f"/api/projects/{pid}").get_json()["stage"] == "needs_survey"
        assert {p["stage"] for p in client.get("/api/projects").get_json()["items"]} == {
            "needs_survey"
        }
    assert client.get("/api/projects").get_json()["total"] == 3
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["worker"] == {"mode": "thread", "alive": True}
    assert ready.json["projection"]["lag"] == 0
    assert_applied_once(rt)


def test_a_stopped_worker_answers_in_time_says_so_and_loses_nothing(make):
    app = make(PROJECTION_WORKER="thread", READ_WAIT_SECONDS=0.3)
    rt = app.extensions["renovation"]
    client = app.test_client()
    pid = register(client, app).get_json()["id"]
    rt.worker.stop()
    stopped = client.get("/readyz")
    assert stopped.status_code == 503 and stopped.json["status"] == "worker_stopped"

    started = time.monotonic()
    moved = move(client, app, pid, "needs_survey")
    assert time.monotonic() - started < 3  # the 0.3 s wait, not the worker's return
    assert moved.status_code == 200 and moved.headers["X-Read-Model-Behind"] == "1"
    # The event is stored; the read model has not got it yet and the probe shows the lag.
    assert rt.app.get_project(uuid.UUID(pid)).stage == "needs_survey"
    assert listed_stage(client) == "registered"
    assert client.get("/readyz").json["projection"]["lag"] == 1

    rt.start_worker()
    assert rt.worker.wait_for(rt.app.recorder.max_notification_id(), 10)
    shown = client.get("/api/projects")
    assert shown.get_json()["items"][0]["stage"] == "needs_survey"
    assert "X-Read-Model-Behind" not in shown.headers
    assert client.get("/readyz").status_code == 200
    assert_applied_once(rt)


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
        # The first write waits (at most 30 s) for the process to start and apply it.
        pid = register(client, app).get_json()["id"]
        assert rt.projection.position() == rt.app.recorder.max_notification_id()
        rt.read_wait = 5  # from now on well under the process's polling interval
        moved = move(client, app, pid, "needs_survey")
        assert moved.status_code == 200, moved.get_json()
        assert "X-Read-Model-Behind" not in moved.headers
        assert listed_stage(client) == "needs_survey"
        again = register(client, app)
        assert "X-Read-Model-Behind" not in again.headers
        assert client.get("/api/projects").get_json()["total"] == 2
        assert client.get("/readyz").json["worker"] == {"mode": "external"}
    finally:
        follower.send_signal(signal.SIGTERM)
        code = follower.wait(timeout=20)
    assert code == 0, (tmp_path / "follow.log").read_text()
    assert_applied_once(rt)
