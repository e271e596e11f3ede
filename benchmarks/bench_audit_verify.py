"""The audit log on a large store: ``audit verify`` speed and export size per event.

    python benchmarks/bench_audit_verify.py [--events 100000]

Loads the demo district (its events: registrations, votes, opinions, milestones, acceptance),
adds projects with thousands of progress reports until the store holds ``--events`` events
(the demo's events are larger than a progress report's: the export ratio is printed for
both), catches the read
models and the audit log up, then times the log's verification (every leaf recomputed from the
stored bytes, every checkpoint's root, signature and consistency), the whole ``renovation
audit verify`` (the log, then every project's hash chain) and ``audit export``. Prints a
Markdown table; copy it into benchmarks/RESULTS.md. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import big_project

from renovation.cli import main as cli
from renovation.demo import load_demo
from renovation.ledger import notes
from renovation.ledger.verify import verify_log
from renovation.web import create_app


def seed(rt, events: int) -> int:
    """The demo district, then projects of up to 5,000 progress reports each (saved in
    chunks, as bench_core.py does) until the store holds ``events`` events."""
    load_demo(rt.app)
    total = rt.app.recorder.max_notification_id()
    while total < events:
        big_project(rt.app, min(5000, events - total))
        total = rt.app.recorder.max_notification_id()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "audit.pem"
        notes.write_key_pair(key)
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp}/events.sqlite",
                "SECRET_KEY": "bench",
                "PHOTO_DIR": f"{tmp}/photos",
                "AUDIT_SIGNING_KEY": str(key),
            }
        )
        rt = app.extensions["renovation"]
        events = seed(rt, args.events)
        started = time.perf_counter()
        rt.projection.catch_up(batch_size=2000)
        projected = time.perf_counter() - started
        started = time.perf_counter()
        rt.audit_log.catch_up()
        logged = time.perf_counter() - started
        checkpoints = len(rt.audit_log.checkpoints())

        started = time.perf_counter()
        result = verify_log(rt.audit_log)
        log_seconds = time.perf_counter() - started
        assert result.ok and result.events == events, result.report()

        runner = app.test_cli_runner()
        started = time.perf_counter()
        done = runner.invoke(cli, ["audit", "verify"])
        command_seconds = time.perf_counter() - started
        assert done.exit_code == 0, done.output

        export = Path(tmp) / "all.jsonl"
        started = time.perf_counter()
        done = runner.invoke(cli, ["audit", "export", "-o", str(export)])
        export_seconds = time.perf_counter() - started
        assert done.exit_code == 0, done.output
        stored = sum(
            16 + 8 + len(n.topic.encode()) + len(n.state)
            for n in rt.app.recorder.select_notifications(start=1, limit=10**7)
        )
        size = export.stat().st_size
        rt.close()

    print(f"\n{events:,} events (SQLite), {checkpoints:,} checkpoints (one every 100 events)\n")
    print("| measure | figure | note |")
    print("|---|---|---|")
    print(f"| audit log catch-up (one insert batch of 5,000) | {events / logged:,.0f} events/s "
          f"| read models alone: {events / projected:,.0f} events/s |")
    print(f"| audit log verification (leaves, tiles, checkpoints) | {events / log_seconds:,.0f} "
          f"events/s | {log_seconds:.1f} s |")
    print(f"| `renovation audit verify` (log + every project's chain) | "
          f"{events / command_seconds:,.0f} events/s | {command_seconds:.1f} s |")
    print(f"| `renovation audit export` (whole store) | {size / events:,.0f} bytes/event | "
          f"{size / stored:.2f} × the stored bytes ({stored / events:,.0f}/event); "
          f"{export_seconds:.1f} s |")


if __name__ == "__main__":
    main()
