"""The auditors' console on a project with many events: the history page (first, middle and
last page, a filter), the verification panel's check, and the audit report of one day.

    python benchmarks/bench_audit_console.py [--events 10000] [--repeat 3]

Records ``--events`` progress reports on one project (SQLite), then prints the median time of
each page as served by the web app (an auditor signed in), and of the audit report PDF.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renovation.projections.history import verification_facts
from renovation.web import runtime
from tests.conftest import STAFF, registration, walk
from tests.helpers import make_app, register_project, signed_in


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        project_id = register_project(app, registration())
        with app.app_context():
            rt = runtime()
            pid = UUID(project_id)
            walk(rt.app, pid, "under_construction")
            started = time.perf_counter()
            for n in range(1, args.events + 1):
                rt.app.record_progress(pid, "item-1", Decimal(n), actor=STAFF)
            rt.catch_up()
            recorded = time.perf_counter() - started
            total = rt.app.get_project(pid).version
        print(f"{total} events on one project (recorded and projected in {recorded:.0f} s)")
        client = signed_in(app, "auditor", username="bench")
        path = f"/audit/projects/{project_id}"
        last = (total + 49) // 50
        for name, url in [
            ("history, page 1 with the chain check", path),
            ("history, page 1 without the check", f"{path}?page=1"),
            (f"history, page {last // 2}", f"{path}?page={last // 2}"),
            (f"history, page {last} (last)", f"{path}?page={last}"),
            (f"history, page {last} with the check asked for", f"{path}?page={last}&check=1"),
            ("history, stage moves only", f"{path}?kind=StageChanged"),
            ("history as of version 100", f"{path}?version=100"),
        ]:

            def get(url=url):
                assert client.get(url).status_code == 200

            print(f"{name}: {median_seconds(get, args.repeat) * 1000:.0f} ms (whole page)")
        with app.app_context():
            rt = runtime()
            check = median_seconds(lambda: verification_facts(rt.app, rt.engine, pid), args.repeat)
        print(f"  of which the chain check over {total} events: {check * 1000:.0f} ms")
        report = median_seconds(
            lambda: client.get(f"{path}/report.pdf?from=2000-01-01&to=2000-01-02"), args.repeat
        )
        print(f"audit report PDF of an empty period (check and layout): {report:.2f} s")
        app.extensions["renovation"].close()


if __name__ == "__main__":
    main()
