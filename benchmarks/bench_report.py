"""Project report render time with 1,000 opinions (DESIGN.md: ≤ 3 s).

    python benchmarks/bench_report.py [--opinions 1000] [--repeat 3]

Prints the median of a few renders (read model → context → HTML → PDF) and the page count.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renovation.domain.project import Actor
from renovation.reports.contexts import project_report_pdf
from renovation.runtime import Runtime
from tests.conftest import STAFF, hold_intent_vote, registration, walk

RESIDENT = Actor("resident", "resident", "web")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opinions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime(f"sqlite:///{tmp}/events.sqlite")
        runtime.create_tables()
        app = runtime.app
        pid = app.register_project(registration(), actor=STAFF).project_id
        walk(app, pid, "intent_vote")
        hold_intent_vote(app, pid)
        for n in range(args.opinions):
            opinion = app.submit_opinion(
                pid,
                {"category": "construction", "text": f"第{n}条意见：施工噪音与扬尘"},
                actor=RESIDENT,
            ).value
            if n % 3:
                app.answer_opinions(
                    pid,
                    [opinion["opinion_id"]],
                    {"outcome": "adopted", "answer": "已采纳"},
                    actor=STAFF,
                )
        runtime.catch_up()
        times, pdf = [], b""
        for _ in range(args.repeat):
            started = time.perf_counter()
            pdf = project_report_pdf(runtime, pid)
            times.append(time.perf_counter() - started)
        path = Path(tmp) / "report.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages"))
        runtime.close()
    print("| report | opinions | median render | pages |")
    print("|---|---|---|---|")
    print(f"| project report | {args.opinions:,} | {statistics.median(times):.2f} s | {pages} |")


if __name__ == "__main__":
    main()
