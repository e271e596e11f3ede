"""Household code slips render time (issue 12 item 7: a 300-flat compound in ≤ 2 s).

    python benchmarks/bench_slips.py [--flats 24 300] [--repeat 3]

Builds a sheet context of N flats (units of 12 flats, 6 floors, buildings of 2 units), then
prints a Markdown row for each N: the median wall and CPU time of context → QR codes → HTML →
PDF, and whether the wall time meets the target (≤ 2 s). The CPU time moves less than the wall
time on a machine others are using; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renovation.reports.household_codes import SLIPS_PER_PAGE, render_household_code_sheet

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = "https://gj.huaian.gov.cn/projects/0f8fad5b-d9cb-469f-a165-70867728950e/vote"
FLATS_PER_UNIT = 12
TARGET_SECONDS = 2.0  # issue 12 item 7, for any sheet up to a 300-flat compound
TARGET_TEXT = "≤ 2 s"
UNITS_PER_BUILDING = 2


def code_for(index: int) -> str:
    """A distinct code a flat, as issued codes are (so each slip has a QR code of its own)."""
    digest = hashlib.sha256(f"flat {index}".encode()).digest()
    raw = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:10])
    return f"{raw[:5]}-{raw[5:]}"


def context(flats: int) -> dict:
    items = []
    for index in range(flats):
        unit_index, in_unit = divmod(index, FLATS_PER_UNIT)
        building, unit = divmod(unit_index, UNITS_PER_BUILDING)
        floor, door = divmod(in_unit, 2)
        number = f"{floor + 1}0{door + 1}"
        code = code_for(index)
        items.append(
            {
                "flat_id": f"{building + 1}-{unit + 1}-{number}",
                "building": str(building + 1),
                "unit": str(unit + 1),
                "number": number,
                "floor": floor + 1,
                "code": code,
                "vote_url": f"{BASE}?code={code}",
            }
        )
    return {
        "project": {"id": "p", "name": "凤凰新村", "district": "清江浦区", "street": "浦楼街道"},
        "building": None,
        "issued_at": "2026-11-26 09:30",
        "position": 4711,
        "lang": "zh",
        "flats": items,
    }


def page_count(pdf: bytes) -> int:
    """The pages of a PDF, as poppler's pdfinfo counts them."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flats", type=int, nargs="+", default=[24, 300])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    render_household_code_sheet(context(SLIPS_PER_PAGE))  # warm up fonts and templates
    load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) before the runs")
    print(f"| flats | pages | wall, median (min–max) | CPU, median | PDF | target {TARGET_TEXT} |")
    print("|---|---|---|---|---|---|")
    for flats in args.flats:
        sheet = context(flats)
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            pdf = render_household_code_sheet(sheet)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        wall = statistics.median(walls)
        verdict = "met" if wall <= TARGET_SECONDS else "**not met**"
        print(
            f"| {flats} | {page_count(pdf)} | {wall:.2f} s ({min(walls):.2f}–{max(walls):.2f}) "
            f"| {statistics.median(cpus):.2f} s | {len(pdf) // 1024} KiB | {verdict} |"
        )
    load = " / ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"load average {load} after the runs")


if __name__ == "__main__":
    main()
