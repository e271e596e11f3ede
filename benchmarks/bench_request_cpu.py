"""CPU time of one opinion POST and of one sequential append, in this process: a figure that,
unlike a rate under load, a busy or slow disk does not move.

    python benchmarks/bench_request_cpu.py [--posts 2000] [--appends 3000] [--skip-postgres]

The POST goes through the whole Flask application, configured from the environment as the
HTTP benchmarks configure gunicorn (Flask's test client; the external worker setting, so no
read model is kept in the request), spread over 20 projects; the append is
``record_progress`` on one project (decide, encode, store). Prints milliseconds of CPU per
request and microseconds per append, and the wall time beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_opinions_http import ACTOR, register_projects, with_postgres  # noqa: E402

from tests.conftest import project_payload, registration, walk  # noqa: E402

WARM_UP = 200


def measure(run, n: int) -> tuple[float, float]:
    """CPU and wall seconds of ``run(i)`` for i in range(n), after WARM_UP unmeasured calls."""
    for i in range(WARM_UP):
        run(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        run(i)
    return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


def posts(database_url: str, n: int) -> tuple[float, float]:
    from renovation.runtime import Runtime
    from renovation.web import create_app

    runtime = Runtime(database_url)
    runtime.create_tables()
    ids = register_projects(runtime, 20)
    runtime.close()
    with tempfile.TemporaryDirectory() as instance:
        # Configured as bench_opinions_http.py configures gunicorn's workers: from the
        # environment, as renovation.wsgi_entry makes the application.
        os.environ.update(
            DATABASE_URL=database_url,
            SECRET_KEY="bench",
            RATELIMIT_ENABLED="0",
            PROJECTION_WORKER="external",
            RENOVATION_INSTANCE=instance,
        )
        app = create_app()
        client = app.test_client()

        def post(i: int) -> None:
            answer = client.post(
                f"/api/projects/{ids[i % len(ids)]}/opinions",
                data=json.dumps({"category": "construction", "text": f"压测意见 {i}"}),
                headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
            )
            assert answer.status_code == 201, answer.get_data(as_text=True)

        try:
            return measure(post, n)
        finally:
            app.extensions["renovation"].close()


def appends(database_url: str, n: int) -> tuple[float, float]:
    from renovation.runtime import Runtime

    runtime = Runtime(database_url)
    runtime.create_tables()
    app = runtime.app
    pid = app.register_project(registration(project_payload()), actor=ACTOR).project_id
    walk(app, pid, "under_construction", actor=ACTOR)
    try:
        return measure(lambda i: app.record_progress(pid, "item-1", Decimal(i), actor=ACTOR), n)
    finally:
        runtime.close()


def row(label: str, database_url: str, args) -> str:
    post_cpu, post_wall = posts(database_url, args.posts)
    append_cpu, append_wall = appends(database_url, args.appends)
    return (
        f"| {label} | {post_cpu * 1e3:.2f} ms ({post_wall * 1e3:.2f} ms wall) "
        f"| {append_cpu * 1e6:.0f} µs ({append_wall * 1e6:.0f} µs wall) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--appends", type=int, default=3000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print("| database | CPU per opinion POST | CPU per append |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        print(row("SQLite", f"sqlite:///{tmp}/events.sqlite", args), flush=True)
    if not args.skip_postgres:
        with_postgres(args.postgres, lambda url: print(row("PostgreSQL", url, args), flush=True))


if __name__ == "__main__":
    main()
