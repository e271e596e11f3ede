"""The progress figure in the project report PDF (text checked with pdftotext)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal

from renovation.reports.contexts import project_report_pdf
from tests.conftest import STAFF, registration, walk
from tests.helpers import pdf_text
from tests.integration.test_milestones import build_with_milestones


def test_the_report_states_the_figure_and_its_weighting(runtime, tmp_path):
    pid, _first, _second = build_with_milestones(runtime)
    # 雨污分流: 600 of 600 m; 充电桩: 3 of 12; equal weights → (1 + 1/4) / 2 = 62.5 %
    text = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)
    assert "总体进度62.5%按计划工程量加权" in text
    assert "并非每项改造内容都有计划投资额，因此各项内容权重相同" in text
    assert "尚未计划节点" not in text

    english = pdf_text(project_report_pdf(runtime, pid, lang="en"), tmp_path)
    assert "Overall progress" in english and "62.5%" in english
    assert "weighted by planned quantity" in english


def test_a_report_as_of_a_past_time_has_the_figure_of_then(runtime, tmp_path):
    app = runtime.app
    app.today = lambda: date(2026, 6, 30)
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    milestone = app.plan_milestone(
        pid,
        {
            "name": "一期雨污分流",
            "item_id": "item-1",
            "quantity": Decimal("600"),
            "planned_start": date(2026, 4, 1),
            "planned_finish": date(2026, 9, 30),
        },
        actor=STAFF,
    ).value["milestone_id"]
    walk(app, pid, "under_construction")

    def report(done: str, on: date) -> None:
        app.report_milestone_progress(
            pid, milestone, {"done_quantity": Decimal(done), "on_date": on}, actor=STAFF
        )

    report("150", date(2026, 5, 1))
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    report("600", date(2026, 6, 1))
    runtime.catch_up()

    then = pdf_text(project_report_pdf(runtime, pid, as_of=between), tmp_path, squeeze=True)
    now = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)
    assert "总体进度25.0%按计划工程量加权" in then
    assert "总体进度100.0%按计划工程量加权" in now


def test_a_project_without_milestones_says_so(runtime, tmp_path):
    pid = runtime.app.register_project(registration(), actor=STAFF).project_id
    runtime.catch_up()
    text = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)
    assert "总体进度尚未计划节点" in text
