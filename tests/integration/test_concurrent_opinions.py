"""50 residents submit opinions to one project at the same moment, through a real server.

The server is gunicorn with two worker processes (so writers meet in the event store, not
only behind one process's lock); each client then retries with the same Idempotency-Key.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest

from renovation.runtime import Runtime
from tests.conftest import STAFF, registration

CLIENTS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(database_url, tmp_path):
    """gunicorn, two workers, on the test database; yields its base URL."""
    runtime = Runtime(database_url)
    runtime.create_tables()
    runtime.close()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "concurrency-test",
        "RATELIMIT_ENABLED": "0",
        "RENOVATION_INSTANCE": str(tmp_path / "instance"),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--threads",
                "16",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--error-logfile",
                "-",
                "renovation.wsgi_entry:app",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/projects", timeout=2).read()
            break
        except OSError:  # not listening yet (URLError, refused, timed out)
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(log.read_text()) from None
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)


def post(url: str, body: dict, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_fifty_simultaneous_opinions_are_each_stored_exactly_once(server, database_url):
    runtime = Runtime(database_url)
    pid = runtime.app.register_project(registration(), actor=STAFF).project_id
    url = f"{server}/api/projects/{pid}/opinions"
    keys = [str(uuid.uuid4()) for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS)
    first: dict[int, tuple[int, dict]] = {}
    retry: dict[int, tuple[int, dict]] = {}

    def client(n: int) -> None:
        body = {"category": "construction", "text": f"第{n}位居民的意见"}
        start.wait()
        first[n] = post(url, body, keys[n])
        retry[n] = post(url, body, keys[n])  # the answer was "lost": the client sends again

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(status for status, _ in first.values()) == [201] * CLIENTS, first
    assert sorted(status for status, _ in retry.values()) == [200] * CLIENTS, retry
    for n in range(CLIENTS):
        assert retry[n][1]["tracking_code"] == first[n][1]["tracking_code"]
        assert retry[n][1]["replayed"] is True
    stored = [e for e in runtime.app.project_history(pid) if type(e).__name__ == "OpinionSubmitted"]
    assert sorted(e.text for e in stored) == sorted(f"第{n}位居民的意见" for n in range(CLIENTS))
    assert len({e.tracking_code for e in stored}) == CLIENTS
    # The read model has each once too, whichever process applied them.
    runtime.catch_up()
    from renovation.projections.queries import list_opinions

    assert list_opinions(runtime.engine, project_id=str(pid), per_page=200)[1] == CLIENTS
    runtime.close()
