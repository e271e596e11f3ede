"""``projections rebuild`` builds aside and swaps in one transaction, on SQLite and PostgreSQL.

The rebuilt read models equal the incremental ones; a rebuild killed half-way (SIGKILL)
leaves the live read model answering as before and a later rebuild succeeds; a second
rebuild while one runs is refused; pages and the API keep answering during a rebuild, and
a worker applying events meanwhile neither loses one nor applies one twice.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from renovation.demo import load_demo
from renovation.projections.queries import dump_read_model, list_summaries
from renovation.projections.rebuild import RebuildRunning, rebuild, scratch_path
from renovation.runtime import Runtime
from tests.bulk import bulk_events
from tests.conftest import project_payload
from tests.integration.test_projection_worker import after, make  # noqa: F401 (the fixture)

RENOVATION = str(Path(sys.executable).with_name("renovation"))


@pytest.fixture
def runtime(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RENOVATION_INSTANCE", str(tmp_path / "instance"))
    rt = Runtime(database_url)
    rt.create_tables()
    yield rt
    rt.close()


def run_cli(database_url, tmp_path, *args, **kwargs):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENOVATION_INSTANCE": str(tmp_path / "instance"),
    }
    return subprocess.Popen([RENOVATION, "projections", "rebuild", *args], env=env, **kwargs)


def test_a_rebuild_equals_the_incremental_read_models(runtime):
    load_demo(runtime.app)  # every kind of event the demo district has
    runtime.catch_up()
    incremental = dump_read_model(runtime.engine)
    head = runtime.app.recorder.max_notification_id()
    assert incremental["event_log"] and incremental["opinions"] and incremental["milestones"]

    done = rebuild(runtime.app, runtime.engine, batch_size=7)  # many batches
    assert (done.events, done.position) == (head, head)
    assert runtime.projection.position() == head
    assert dump_read_model(runtime.engine) == incremental
    # Nothing left beside the live tables.
    if runtime.engine.dialect.name == "sqlite":
        assert not scratch_path(runtime.engine).exists()
    else:
        assert "rebuild" not in inspect(runtime.engine).get_schema_names()


def test_a_rebuild_on_an_empty_database_makes_the_tables(runtime):
    done = rebuild(runtime.app, runtime.engine)
    assert (done.events, done.position) == (0, 0)
    assert list_summaries(runtime.engine) == ([], 0)


def test_a_killed_rebuild_leaves_the_live_read_model_serving(runtime, database_url, tmp_path):
    bulk_events(runtime.app, 20_000)
    runtime.catch_up()
    before = dump_read_model(runtime.engine)
    rows_before = list_summaries(runtime.engine, per_page=100)

    with run_cli(
        database_url,
        tmp_path,
        "--progress",
        "--batch-size",
        "500",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as rebuilding:
        shown = _wait_for_progress(rebuilding)
        assert rebuilding.poll() is None, shown  # still building
        rebuilding.send_signal(signal.SIGKILL)
        rebuilding.wait(timeout=30)
    assert 0 < int(shown) < 20_000

    # The live read model answers as before, with the same rows.
    assert list_summaries(runtime.engine, per_page=100) == rows_before
    assert dump_read_model(runtime.engine) == before
    head = runtime.app.recorder.max_notification_id()
    assert runtime.projection.position() == head

    # A later rebuild clears what the killed one left, succeeds, and changes nothing.
    again = run_cli(database_url, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"rebuilt from {head} events, position {head}" in out.decode()
    assert dump_read_model(runtime.engine) == before


def _wait_for_progress(process: subprocess.Popen) -> str:
    """The first count of events the progress bar shows above zero (bounded wait)."""
    seen = b""
    deadline = time.monotonic() + 120
    fd = process.stderr.fileno()
    os.set_blocking(fd, False)
    while time.monotonic() < deadline and process.poll() is None:
        chunk = os.read(fd, 4096) if _readable(fd) else b""
        seen += chunk
        found = re.findall(rb"\| *([1-9]\d*)/\d+", seen)
        if found:
            return found[-1].decode()
    raise AssertionError(f"no progress shown: {seen[-500:]!r}")


def _readable(fd: int) -> bool:
    import select

    return bool(select.select([fd], [], [], 0.05)[0])


def test_a_second_rebuild_is_refused_while_one_runs(runtime, database_url, tmp_path):
    load_demo(runtime.app)
    runtime.catch_up()
    building, release = threading.Event(), threading.Event()
    outcome = {}

    def hold() -> None:
        building.set()
        assert release.wait(60)

    def first() -> None:
        outcome["done"] = rebuild(runtime.app, runtime.engine, before_swap=hold)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert building.wait(60)
        with pytest.raises(RebuildRunning, match="another rebuild is running"):
            rebuild(runtime.app, runtime.engine)
        refused = run_cli(database_url, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = refused.communicate(timeout=120)
        assert refused.returncode == 1
        assert b"another rebuild is running" in err
    finally:
        release.set()
        thread.join(60)
    head = runtime.app.recorder.max_notification_id()
    assert outcome["done"].position == head
    # Once the first is done, the next one runs.
    assert rebuild(runtime.app, runtime.engine).position == head


def test_pages_and_the_api_answer_during_a_rebuild_and_the_worker_loses_nothing(make):  # noqa: F811
    app = make(PROJECTION_WORKER="thread")
    rt = app.extensions["renovation"]
    staff = app.staff
    client = app.test_client()
    for i in range(3):
        created = client.post("/api/projects", json=project_payload(name=f"小区{i}"), headers=staff)
        assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    assert rt.worker.wait_for(int(created.headers["X-Position"]), 10)
    listed = client.get("/api/projects").get_json()
    page = client.get(f"/projects/{pid}")
    assert page.status_code == 200
    answers: list[tuple[int, int]] = []
    stop = threading.Event()

    def keep_reading() -> None:
        reader = app.test_client()
        while not stop.is_set():
            answers.append((reader.get("/api/projects").status_code, 0))
            answers.append((reader.get(f"/projects/{pid}").status_code, 1))

    def between_build_and_swap() -> None:
        # The live tables still answer as before, and a write now is applied by the
        # worker to the live tables, then carried over by the swap.
        assert client.get("/api/projects").get_json() == listed
        assert client.get(f"/projects/{pid}").status_code == 200
        moved = client.post(
            f"/api/projects/{pid}/transitions", json={"to_stage": "needs_survey"}, headers=staff
        )
        assert moved.status_code == 200, moved.get_json()
        assert rt.worker.wait_for(rt.app.recorder.max_notification_id(), 10)

    reading = threading.Thread(target=keep_reading)
    reading.start()
    try:
        done = rebuild(rt.app, rt.engine, before_swap=between_build_and_swap)
    finally:
        stop.set()
        reading.join(60)
    assert answers and all(status == 200 for status, _ in answers)
    head = rt.app.recorder.max_notification_id()
    assert done.position == head
    assert rt.app.get_project(uuid.UUID(pid)).stage == "needs_survey"
    shown = client.get(f"/api/projects/{pid}", headers={"X-After-Position": str(head)})
    assert shown.get_json()["stage"] == "needs_survey"
    # Another write after the swap: the worker goes on from the swapped-in position.
    moved = client.post(
        f"/api/projects/{pid}/transitions", json={"to_stage": "intent_vote"}, headers=staff
    )
    assert moved.status_code == 200, moved.get_json()
    assert client.get(f"/api/projects/{pid}", headers=after(moved)).get_json()["stage"] == (
        "intent_vote"
    )
    head = rt.app.recorder.max_notification_id()
    assert rt.worker.wait_for(head, 10)
    with rt.engine.connect() as conn:
        rows, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT position) FROM event_log")
        ).one()
    assert rows == distinct == head  # every event once
    live = dump_read_model(rt.engine)
    rt.worker.stop()
    assert rebuild(rt.app, rt.engine).position == head
    assert dump_read_model(rt.engine) == live
