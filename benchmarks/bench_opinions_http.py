"""Opinion submissions over HTTP: gunicorn with 2 worker processes on loopback.

    python benchmarks/bench_opinions_http.py [--seconds 10] [--skip-postgres]

Two scenarios on each database: spread over a district's projects (16 concurrent clients),
and all on one project (50 concurrent clients). Bounded in time; every request goes to
127.0.0.1. Prints requests/s, p50/p99 latency, errors, and whether every 201 was stored
exactly once. Client and server share the machine's two cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import cpu_budget
import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from renovation.domain.project import Actor  # noqa: E402
from renovation.runtime import Runtime  # noqa: E402
from tests.conftest import project_payload, registration  # noqa: E402

ACTOR = Actor("user:bench", "staff", "bench")
# Load before the measured run, not counted: gunicorn answers once its first worker is up, the
# second may still be starting, and a running service has its caches warm.
WARM_UP_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    database_url: str,
    instance: Path,
    *,
    app_spec: str = "renovation.wsgi_entry:app",
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, int]:
    """gunicorn on loopback with the service's settings: 2 workers × 8 threads."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "0",
        "RENOVATION_INSTANCE": str(instance),
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "256",
            app_spec,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/projects")
            conn.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def client_process(port: int, project_ids: list[str], threads: int, seconds: float, start, out):
    """One client process: ``threads`` keep-alive connections sending opinions until time is up."""
    import threading

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid = rng.choice(project_ids)
            body = json.dumps(
                {"category": "construction", "text": f"压测意见 {uuid.uuid4().hex[:8]}"}
            )
            began = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    f"/api/projects/{pid}/opinions",
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "Idempotency-Key": str(uuid.uuid4()),
                    },
                )
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    start.wait()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((latencies, statuses))


def drive(
    port: int, ids: list[str], clients: int, seconds: float
) -> tuple[float, list[float], dict[int, int]]:
    """Two client processes, ``clients`` keep-alive connections in all, for ``seconds``:
    the elapsed time, every latency (sorted) and the count of each status."""
    processes = 2
    start = multiprocessing.Barrier(processes + 1)
    out = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=client_process, args=(port, ids, clients // processes, seconds, start, out)
        )
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    start.wait()
    began = time.perf_counter()
    gathered = [out.get() for _ in procs]
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    latencies = sorted(x for lats, _ in gathered for x in lats)
    statuses: dict[int, int] = {}
    for _, part in gathered:
        for status, n in part.items():
            statuses[status] = statuses.get(status, 0) + n
    return elapsed, latencies, statuses


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds of sorted latencies."""
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000
    return p50, p99


def start_follower(database_url: str, instance: Path) -> subprocess.Popen:
    """``renovation projections follow``, the worker of ``PROJECTION_WORKER=external``, as the
    deployment runs it beside the web processes (docs/deploy.md)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "RENOVATION_INSTANCE": str(instance),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "renovation"), "projections", "follow"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def caught_up(runtime: Runtime, timeout: float = 120.0) -> None:
    """Wait until the projection worker has applied every event stored so far: it starts by
    importing the whole service (seconds of CPU, seen in a profile to fall inside the measured
    window), which a long-running worker has long done."""
    head = runtime.app.recorder.max_notification_id() or 0
    deadline = time.monotonic() + timeout
    while runtime.projection.position() < head:
        if time.monotonic() > deadline:
            raise RuntimeError("the projection worker did not catch up with the warm-up")
        time.sleep(0.1)


def register_projects(runtime: Runtime, count: int) -> list[str]:
    """``count`` benchmark projects (小区0, 小区1, …) registered; their ids as text."""
    return [
        str(
            runtime.app.register_project(
                registration(project_payload(name=f"小区{n}")), actor=ACTOR
            ).project_id
        )
        for n in range(count)
    ]


def scenario(
    database_url: str,
    label: str,
    projects: int,
    clients: int,
    seconds: float,
    *,
    worker: str = "thread",
    budget: dict[str, float] | None = None,
) -> str:
    """One run of the opinion POST; ``worker``: the service's PROJECTION_WORKER (``external``
    starts one ``projections follow`` process beside gunicorn); ``budget`` is filled with the
    CPU per answered request of each group of processes (``cpu_budget``)."""
    with tempfile.TemporaryDirectory() as instance:
        runtime = Runtime(database_url)
        runtime.create_tables()
        ids = register_projects(runtime, projects)
        runtime.catch_up()
        server, port = start_server(
            database_url, Path(instance), extra_env={"PROJECTION_WORKER": worker}
        )
        follower = start_follower(database_url, Path(instance)) if worker == "external" else None
        try:
            drive(port, ids, clients, WARM_UP_SECONDS)  # every worker up, caches warm
            if follower is not None:
                caught_up(runtime)
            before = runtime.app.recorder.max_notification_id() or 0
            cpu_before = cpu_budget.sample(server.pid, follower.pid if follower else None)
            elapsed, latencies, statuses = drive(port, ids, clients, seconds)
            if budget is not None:
                cpu_after = cpu_budget.sample(server.pid, follower.pid if follower else None)
                budget.update(cpu_budget.per_request(cpu_before, cpu_after, statuses.get(201, 0)))
        finally:
            for process in (server, follower):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
        created = statuses.get(201, 0)
        stored = sum(
            1
            for n in runtime.app.recorder.select_notifications(start=before + 1, limit=10**7)
            if n.topic.endswith(":OpinionSubmitted")
        )
        runtime.close()
    p50, p99 = percentiles(latencies)
    errors = sum(n for s, n in statuses.items() if s != 201)
    if errors:
        print(f"  statuses: {statuses}", file=sys.stderr)
    return (
        f"| {label} | {projects} | {clients} | {created / elapsed:,.0f}/s | {p50:.0f} ms | "
        f"{p99:.0f} ms | {errors} | {'yes' if stored == created else f'NO ({stored}/{created})'} |"
    )


def with_postgres(admin_url: str, run) -> None:
    admin = make_url(admin_url)
    connect = dict(
        host=admin.host,
        port=admin.port or 5432,
        user=admin.username,
        password=admin.password,
        dbname=admin.database,
        autocommit=True,
    )
    name = f"renovation_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**connect) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(admin.set(database=name).render_as_string(hide_password=False))
    finally:
        with psycopg.connect(**connect) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--hot-only", action="store_true", help="only the one-project scenario")
    args = parser.parse_args()
    args.scenarios = [(1, 50)] if args.hot_only else [(20, 16), (1, 50)]
    print("| database | projects | clients | stored opinions | p50 | p99 | errors | stored once |")
    print("|---|---|---|---|---|---|---|---|")
    for projects, clients in args.scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            print(
                scenario(
                    f"sqlite:///{tmp}/events.sqlite", "SQLite", projects, clients, args.seconds
                ),
                flush=True,
            )
        if not args.skip_postgres:
            with_postgres(
                args.postgres,
                lambda url, p=projects, c=clients: print(
                    scenario(url, "PostgreSQL", p, c, args.seconds), flush=True
                ),
            )


if __name__ == "__main__":
    main()
