"""The district report PDF from the API and from the command line: Chinese text in embedded
CJK fonts, the charts drawn, a table of contents with page numbers; bad years refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from renovation.demo import load_demo
from renovation.web import runtime
from tests.helpers import cjk_fonts_embedded, make_app, pdf_text

RENOVATION = str(Path(sys.executable).with_name("renovation"))
DISTRICT = "清江浦区"


@pytest.fixture
def app(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        load_demo(runtime().app)
        runtime().catch_up()
    yield app
    app.extensions["renovation"].close()


def test_the_district_report_has_figures_charts_contents_and_projects(app, tmp_path):
    response = app.test_client().get(f"/api/districts/{DISTRICT}/report.pdf?year=2024")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path, squeeze=True)
    assert "清江浦区老旧小区改造报告" in text and "2024年度" in text
    assert "目录" in text and "受益户数" in text and "幸福里" in text and "凤凰新村" not in text
    # The charts' own words: the funnel's title and a stage on its axis.
    assert "各阶段项目数（累计到达）" in text and "长效管理" in text
    assert cjk_fonts_embedded(response.data, tmp_path)
    with_pages = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True
    ).stdout.decode()
    assert any(line.rstrip()[-1:].isdigit() for line in with_pages.splitlines() if "图表" in line)


def test_the_district_report_prints_the_signed_checkpoint_it_reflects(app, tmp_path):
    response = app.test_client().get(f"/api/districts/{DISTRICT}/report.pdf?as_of=2099-01-01")
    assert response.status_code == 200
    with app.app_context():
        position = runtime().projection.position()
        expected = runtime().audit_log.printed_checkpoint(position)
    assert expected["size"] >= position > 0
    text = pdf_text(response.data, tmp_path, squeeze=True)
    assert f"审计日志检查点：第{expected['size']}条，根哈希{expected['root']}" in text
    note = app.test_client().get("/api/audit/checkpoints/latest").get_data(as_text=True)
    size, root = note.splitlines()[1:3]
    assert int(size) >= expected["size"]
    assert root == expected["root"] or int(size) > expected["size"]


def test_a_district_report_of_a_year_out_of_range_is_refused(app):
    refused = app.test_client().get(f"/api/districts/{DISTRICT}/report.pdf?year=1900")
    assert refused.status_code == 422 and "year" in str(refused.get_json())


def test_the_command_line_writes_the_district_report(app, database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "RENOVATION_INSTANCE": str(tmp_path / "i")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [RENOVATION, "report", "district", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    out = tmp_path / "district.pdf"
    done = run(DISTRICT, "--year", "2025", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "凤凰新村" in pdf_text(out.read_bytes(), tmp_path, squeeze=True)
    bad = run(DISTRICT, "--year", "3000", "-o", str(out))
    assert bad.returncode != 0 and "--year" in bad.stderr
