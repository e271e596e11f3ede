"""``pip install .`` must give a working service: the wheel carries templates and data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_carries_templates_static_files_rulesets_and_translations(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("renovation-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").rglob("*.html"):
        assert f"renovation/templates/{template.relative_to(ROOT / 'templates')}" in names
    assert "renovation/static/reports/report.css" in names
    assert "renovation/domain/rulesets/national-2021.json" in names
    assert "renovation/translations/zh/LC_MESSAGES/messages.mo" in names
    assert "events/project.py" in names and "renovation/cli.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "renovation = renovation.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
