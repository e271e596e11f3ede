"""Rate limits held across worker processes: gunicorn with two workers counting in one Redis
database (on SQLite and on PostgreSQL), and ``renovation serve`` on the embedded default
(limits in memory), which runs one worker so that its one count is the only count."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.conftest import STAFF, registration
from tests.e2e.conftest import free_port

REDIS_DB = 11  # not 0: the test deletes what it wrote under its own random prefix
LIMIT = 20
REQUESTS = 3 * LIMIT


def prepared_database(tmp_path: Path, url: str | None = None) -> tuple[str, str]:
    """An event store with one registered project (at ``url``, by default a SQLite file in
    ``tmp_path``); its URL and the project's id."""
    from renovation.runtime import Runtime

    url = url or f"sqlite:///{tmp_path}/events.sqlite"
    rt = Runtime(url)
    rt.create_tables()
    project_id = rt.app.register_project(registration(), actor=STAFF).project_id
    rt.catch_up()
    rt.close()
    return url, str(project_id)


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    out = log.open("wb")
    server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):  # a bounded wait until it answers
        try:
            urllib.request.urlopen(base + "/api/stats", timeout=2).read()
            return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.terminate()
    server.wait(timeout=30)
    pytest.fail("the server did not start:\n" + log.read_text())


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def server_env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "rate-limits",
        "RENOVATION_INSTANCE": str(tmp_path / "instance"),
        "RATELIMIT_ENABLED": "1",
        "PUBLIC_WRITE_RATE_LIMIT": f"{LIMIT}/minute",
        **extra,
    }
    env.pop("RATELIMIT_STORAGE_URI", None)
    env.update(extra)
    return env


def send_opinions(port: int, project_id: str) -> list[tuple[int, dict]]:
    """REQUESTS opinions from one client address, four at a time: each answer's status and
    body."""

    def one(n: int) -> tuple[int, dict]:
        body = json.dumps({"category": "plan", "text": f"限流测试 {n}"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/projects/{project_id}/opinions",
            data=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(REQUESTS)))


def both_workers_answer(port: int, log: Path, seconds: float = 90) -> None:
    """Reads (not limited) four at a time until both workers have answered one, so that a
    worker still booting on a loaded machine does not leave the other to count alone; bounded
    by ``seconds``."""

    def read(_n: int) -> None:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=30).read()

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(read, range(4)))
        if len(set(re.findall(r"worker=<?(\d+)>? status=\d+ GET", log.read_text()))) == 2:
            return
        time.sleep(0.2)
    pytest.fail("one of the two workers never answered:\n" + log.read_text())


@pytest.fixture
def redis_prefix():
    """A random key prefix in Redis database REDIS_DB; its keys are deleted afterwards."""
    prefix = f"renovation-test-{uuid.uuid4().hex}"
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    yield prefix
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    assert list(client.scan_iter(match=f"*{prefix}*")) == []
    client.close()


def test_two_gunicorn_workers_hold_one_limit_in_redis(tmp_path, database_url, redis_prefix):
    url, project_id = prepared_database(tmp_path, database_url)
    port = free_port()
    env = server_env(
        tmp_path,
        url,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:6379/{REDIS_DB}",
        RATELIMIT_KEY_PREFIX=redis_prefix,
    )
    log = tmp_path / "server.log"
    server = start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--access-logformat",
            "worker=%(p)s status=%(s)s %(r)s",
            "renovation.wsgi_entry:app",
        ],
        env,
        port,
        log,
    )
    try:
        both_workers_answer(port, log)
        answers = send_opinions(port, project_id)
    finally:
        stop(server)
    statuses = [status for status, _ in answers]
    passed = [status for status in statuses if status != 429]  # let through by the limiter
    # Both workers answered opinions, and between them let through the limit, within 10 %.
    served_by = set(re.findall(r"worker=<?(\d+)>? status=\d+ POST", log.read_text()))
    assert len(served_by) == 2, log.read_text()
    assert abs(len(passed) - LIMIT) <= LIMIT // 10, statuses
    assert statuses.count(201) == len(passed), statuses
    refused = [body for status, body in answers if status == 429]
    assert len(refused) == REQUESTS - len(passed)
    assert {body["code"] for body in refused} == {"rate_limited"}
    counted = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    assert list(counted.scan_iter(match=f"*{redis_prefix}*"))  # the count lives in Redis
    counted.close()


def test_serve_on_the_embedded_default_runs_one_worker_and_holds_the_limit(tmp_path):
    url, project_id = prepared_database(tmp_path)
    port = free_port()
    env = server_env(tmp_path, url)
    log = tmp_path / "serve.log"
    server = start(
        [
            sys.executable,
            "-c",
            "from renovation.cli import main; main()",
            "serve",
            "--workers",
            "3",
            "--port",
            str(port),
        ],
        env,
        port,
        log,
    )
    try:
        answers = send_opinions(port, project_id)
    finally:
        stop(server)
    output = log.read_text()
    statuses = [status for status, _ in answers]
    assert (
        "rate limits are kept in memory" in output and "running 1 worker with 12 threads" in output
    )
    assert len(re.findall(r"Booting worker with pid", output)) == 1, output
    assert len([s for s in statuses if s != 429]) == LIMIT, statuses
    assert statuses.count(429) == REQUESTS - LIMIT


@pytest.mark.parametrize(
    ("storage", "enabled", "asked", "runs"),
    [
        (None, "1", 4, (1, 16)),
        ("memory://", "1", 2, (1, 8)),
        ("memory://", "1", 1, (1, 4)),
        ("memory://", "0", 3, (3, 4)),  # no limits to hold: the workers stay
        (f"redis://127.0.0.1:6379/{REDIS_DB}", "1", 4, (4, 4)),
    ],
)
def test_serve_runs_several_workers_only_when_the_limits_are_shared(
    monkeypatch, storage, enabled, asked, runs
):
    from renovation.cli import serve_processes

    if storage is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    monkeypatch.setenv("RATELIMIT_ENABLED", enabled)
    assert serve_processes(asked) == runs
