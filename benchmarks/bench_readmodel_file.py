"""SQLite: read models in the event store's file, or in a sibling file?

    python benchmarks/bench_readmodel_file.py [--processes 2] [--commands 400]

Several processes each run commands on their own project, every command followed by a
catch-up of the read models (what a web process does), all at once. Prints commands/s,
p50/p99 latency of command + catch-up, errors, and whether the read model equals a rebuild.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renovation.application.app import RenovationApplication
from renovation.application.settings import storage_from_url
from renovation.domain.project import Actor
from renovation.projections.queries import dump_read_model
from renovation.projections.store import ProjectSummaryProjection
from renovation.projections.tables import make_engine
from tests.conftest import project_payload, registration

ACTOR = Actor("user:bench", "staff", "bench")
BUILD = [
    "needs_survey",
    "intent_vote",
    "in_plan",
    "design",
    "plan_publicized",
    "plan_approved",
    "under_construction",
]


def worker(url: str, layout: str, n: int, index: int, start, results) -> None:
    storage = storage_from_url(url, sqlite_read_model=layout)
    app = RenovationApplication(storage.event_store_env)
    projection = ProjectSummaryProjection(app, make_engine(storage.read_model_url))
    pid = app.register_project(
        registration(project_payload(name=f"P{index}")), actor=ACTOR
    ).project_id
    for stage in BUILD:
        app.transition_project(pid, stage, actor=ACTOR)
    projection.catch_up()
    start.wait()
    latencies, errors = [], 0
    for i in range(n):
        began = time.perf_counter()
        try:
            app.record_progress(pid, "item-1", Decimal(i), actor=ACTOR)
            projection.catch_up()
        except Exception as error:  # counted, reported
            errors += 1
            print(f"error: {error}", file=sys.stderr)
        latencies.append(time.perf_counter() - began)
    results.put((latencies, errors))


def measure(layout: str, processes: int, commands: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/events.sqlite"
        storage = storage_from_url(url, sqlite_read_model=layout)
        app = RenovationApplication(storage.event_store_env)
        engine = make_engine(storage.read_model_url)
        ProjectSummaryProjection(app, engine).create_tables()
        start = multiprocessing.Barrier(processes + 1)
        results = multiprocessing.Queue()
        procs = [
            multiprocessing.Process(target=worker, args=(url, layout, commands, i, start, results))
            for i in range(processes)
        ]
        for p in procs:
            p.start()
        start.wait()
        began = time.perf_counter()
        gathered = [results.get() for _ in procs]
        elapsed = time.perf_counter() - began
        for p in procs:
            p.join()
        latencies = sorted(x for lats, _ in gathered for x in lats)
        errors = sum(e for _, e in gathered)
        live = dump_read_model(engine)
        projection = ProjectSummaryProjection(app, engine)
        projection.drop_tables()
        projection.create_tables()
        projection.catch_up()
        equal = dump_read_model(engine) == live
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        return (
            f"| {layout} | {processes} | {len(latencies) / elapsed:,.0f}/s | "
            f"{statistics.median(latencies) * 1000:.1f} ms | {p99 * 1000:.1f} ms | {errors} | "
            f"{'yes' if equal else 'NO'} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--commands", type=int, default=400)
    args = parser.parse_args()
    print("| read models | processes | command + catch-up | p50 | p99 | errors | equals rebuild |")
    print("|---|---|---|---|---|---|---|")
    for layout in ("same", "sibling", "same", "sibling"):
        print(measure(layout, args.processes, args.commands), flush=True)


if __name__ == "__main__":
    main()
