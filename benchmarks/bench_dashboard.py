"""The district dashboard over HTTP with 200 projects loaded, and the district report's render.

    python benchmarks/bench_dashboard.py [--projects 200] [--requests 200] [--postgres URL]

Loads ``--projects`` projects into one district (each in a programme year, half moved on to
the needs survey, 5 opinions each), starts gunicorn (2 workers) on loopback, and sends
``--requests`` sequential GETs to the public dashboard page and to the figures' API; prints
p50/p99 of each. Then renders the district report PDF in-process and prints its time.
Bounded by the request count; every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_opinions_http import ACTOR, start_server  # noqa: E402
from renovation.reports.district import district_report_pdf  # noqa: E402
from renovation.runtime import Runtime  # noqa: E402
from tests.conftest import project_payload, registration  # noqa: E402

DISTRICT = "清江浦区"


def load(runtime: Runtime, projects: int) -> None:
    app = runtime.app
    for n in range(projects):
        pid = app.register_project(
            registration(project_payload(f"压测小区{n:03d}", DISTRICT)), actor=ACTOR
        ).project_id
        app.assign_programme(pid, 2024 + n % 3, f"第{n % 2 + 1}批", actor=ACTOR)
        if n % 2:
            app.transition_project(pid, "needs_survey", actor=ACTOR)
        for k in range(5):
            app.submit_opinion(pid, {"category": "construction", "text": f"意见{k}"}, actor=ACTOR)
    runtime.catch_up()


def measure(port: int, path: str, requests: int) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for _ in range(requests):
        began = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        latencies.append(time.perf_counter() - began)
    latencies.sort()
    return statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000


def run(database_url: str, label: str, projects: int, requests: int) -> None:
    runtime = Runtime(database_url)
    runtime.create_tables()
    began = time.perf_counter()
    load(runtime, projects)
    print(f"{label}: loaded {projects} projects in {time.perf_counter() - began:.1f} s")
    with tempfile.TemporaryDirectory() as instance:
        server, port = start_server(database_url, Path(instance))
        try:
            for path in (
                f"/districts/{quote(DISTRICT)}",
                f"/api/districts/{quote(DISTRICT)}/figures",
                f"/api/stats?district={quote(DISTRICT)}",
            ):
                measure(port, path, 5)  # warm up both workers
                p50, p99 = measure(port, path, requests)
                print(
                    f"{label}: GET {path}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({requests} requests)"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    began = time.perf_counter()
    pdf = district_report_pdf(runtime, DISTRICT, year=None, as_of=None)
    elapsed = time.perf_counter() - began
    print(f"{label}: district report, {projects} projects: {elapsed:.2f} s, {len(pdf)} bytes")
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", help="an empty PostgreSQL database's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/events.sqlite", "SQLite", args.projects, args.requests)
    if args.postgres:
        run(args.postgres, "PostgreSQL", args.projects, args.requests)


if __name__ == "__main__":
    main()
