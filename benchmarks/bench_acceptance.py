"""Acceptance record and photo store: render time with many rectification items, and the
time to check and store a phone photo (DESIGN.md: a report ≤ 3 s).

    python benchmarks/bench_acceptance.py [--items 200] [--repeat 3]

Prints, for a project whose acceptance meeting found ``--items`` defects (each item then
told to work, reported done and signed off), the median render of the acceptance record and
of the project report with its acceptance section, their page counts; then the median time
for the photo store to check, re-encode and keep a 12-megapixel JPEG.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from renovation.photos import PhotoStore
from renovation.reports.acceptance import acceptance_record_pdf
from renovation.reports.contexts import project_report_pdf
from renovation.runtime import Runtime
from tests.conftest import STAFF, registration, walk
from tests.helpers import record_acceptance


def pages(pdf: bytes, folder: Path) -> int:
    path = folder / "out.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


def median_seconds(work, repeat: int) -> tuple[float, bytes]:
    times, result = [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runtime = Runtime(f"sqlite:///{tmp}/events.sqlite")
        runtime.create_tables()
        app = runtime.app
        pid = app.register_project(registration(), actor=STAFF).project_id
        walk(app, pid, "acceptance_inspection")
        due = app.today() + timedelta(days=30)
        defects = [
            {
                "what": f"第{n}处外墙渗水",
                "building": "1",
                "unit": "1",
                "responsible": "construction",
                "due_on": due,
            }
            for n in range(1, args.items + 1)
        ]
        items = record_acceptance(
            app, pid, actor=STAFF, conclusion="passed_with_rectification", defects=defects
        )
        for item in items:
            app.rectification_step(pid, item, "work_required", {"note": "限期整改"}, actor=STAFF)
            app.rectification_step(pid, item, "ready", {"note": "已修补"}, actor=STAFF)
            app.rectification_step(
                pid, item, "approve", {"note": "复查合格"}, actor=STAFF, approver="supervision_unit"
            )
        runtime.catch_up()
        record, pdf = median_seconds(lambda: acceptance_record_pdf(runtime, pid), args.repeat)
        record_pages = pages(pdf, folder)
        report, pdf = median_seconds(lambda: project_report_pdf(runtime, pid), args.repeat)
        report_pages = pages(pdf, folder)
        print(f"acceptance record, {args.items} items: {record:.2f} s, {record_pages} pages")
        print(f"project report, {args.items} items: {report:.2f} s, {report_pages} pages")

        rng = random.Random(7)
        picture = Image.frombytes("RGB", (4000, 3000), rng.randbytes(4000 * 3000 * 3))
        photo = io.BytesIO()
        picture.save(photo, "JPEG", quality=75)
        data = photo.getvalue()
        store = PhotoStore(folder / "photos")
        stored, _ = median_seconds(lambda: store.put(data).encode(), args.repeat)
        print(f"photo, 12 MP JPEG of {len(data) / 1e6:.1f} MB: {stored:.2f} s to check and store")
        runtime.close()


if __name__ == "__main__":
    main()
