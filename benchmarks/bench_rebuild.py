"""How fast ``projections rebuild`` replays the store, and whether its cost is linear.

    python benchmarks/bench_rebuild.py [--sizes 10000 100000 1000000] [--postgres URL]
                                        [--skip-sqlite]

For each size, a fresh store of that many events (projects of 1,000 events each: the
registration and the walk to construction, then opinions submitted, opinions answered and
progress recorded in turn; written through the application in saves of 500 events, as
bench_core.py does), then one rebuild into scratch tables and the swap (the live read model
already holds the events, as in service). Prints events/s of the whole rebuild, of the swap
alone, microseconds per event (their ratio between sizes shows how linear the cost is) and
events per CPU-second of the rebuilding process (what the rebuild costs whatever else runs on
the machine; on PostgreSQL the server's CPU is not in it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renovation.application.app import RenovationApplication
from renovation.application.settings import storage_from_url
from renovation.projections import rebuild as rebuild_module
from renovation.projections.store import ProjectSummaryProjection
from renovation.projections.tables import make_engine
from tests.bulk import bulk_events
from tests.conftest import _connect_admin, postgres_admin_url


def measure(database_url: str, events: int) -> tuple[float, float, float, float, int]:
    """(seconds to generate, seconds to rebuild, CPU seconds of this process in the rebuild,
    seconds of the swap, events)."""
    storage = storage_from_url(database_url)
    app = RenovationApplication(storage.event_store_env)
    engine = make_engine(storage.read_model_url)
    started = time.perf_counter()
    bulk_events(app, events)
    generated = time.perf_counter() - started
    ProjectSummaryProjection(app, engine).create_tables()
    ProjectSummaryProjection(app, engine).catch_up(batch_size=5000)  # the live read model
    swap_time = []
    name = "_swap_sqlite" if engine.dialect.name == "sqlite" else "_swap_postgres"
    saved = getattr(rebuild_module, name)

    def timed_swap(*args):
        began = time.perf_counter()
        try:
            return saved(*args)
        finally:
            swap_time.append(time.perf_counter() - began)

    setattr(rebuild_module, name, timed_swap)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        done = rebuild_module.rebuild(app, engine)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        setattr(rebuild_module, name, saved)
    app.close()
    engine.dispose()
    return generated, elapsed, cpu, swap_time[0], done.events


# Issue 12: a rebuild replays at least this many events a second (on SQLite).
TARGET_RATE = 50_000


def report(label: str, database_url_for, sizes: list[int]) -> None:
    print(f"\n{label} (load average {os.getloadavg()[0]:.1f})")
    print(
        "| events | generate (s) | rebuild (s) | of which swap (s) | events/s "
        "| µs/event (× the first) | events per CPU-second of the rebuild "
        f"| target ≥ {TARGET_RATE:,}/s | |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    first = None
    for size in sizes:
        with database_url_for() as url:
            generated, elapsed, cpu, swap, events = measure(url, size)
        per_event = elapsed / events * 1e6
        first = first or per_event
        print(
            f"| {events:,} | {generated:.1f} | {elapsed:.1f} | {swap:.1f} | "
            f"{events / elapsed:,.0f} | {per_event:.0f} (×{per_event / first:.2f}) "
            f"| {events / cpu:,.0f} | {events / elapsed:,.0f}/s "
            f"| {'met' if events / elapsed >= TARGET_RATE else '**not met**'} |",
            flush=True,
        )


class _SQLite:
    def __enter__(self) -> str:
        self.tmp = tempfile.TemporaryDirectory()
        return f"sqlite:///{self.tmp.name}/events.sqlite"

    def __exit__(self, *_) -> None:
        self.tmp.cleanup()


class _Postgres:
    """A fresh database on the server of TEST_POSTGRES_URL (tests.conftest's admin URL)."""

    def __enter__(self) -> str:
        self.name = f"renovation_bench_{uuid.uuid4().hex[:8]}"
        with _connect_admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return (
            make_url(postgres_admin_url())
            .set(database=self.name)
            .render_as_string(hide_password=False)
        )

    def __exit__(self, *_) -> None:
        with _connect_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--postgres", help="also on PostgreSQL (an admin URL)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        report("SQLite", _SQLite, args.sizes)
    if args.postgres:
        os.environ["TEST_POSTGRES_URL"] = args.postgres
        report("PostgreSQL", _Postgres, args.sizes)


if __name__ == "__main__":
    main()
