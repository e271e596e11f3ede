"""Construction milestones in the project report PDF, now and as of a past date, on SQLite and
PostgreSQL: the text checked with pdftotext, the embedded CJK fonts with pdffonts."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal

from renovation.projections.milestone_replay import milestones_at
from renovation.projections.store import list_milestones
from renovation.reports.contexts import project_report_pdf
from renovation.reports.milestones import milestone_values
from tests.conftest import STAFF, registration, walk
from tests.helpers import cjk_fonts_embedded, pdf_text
from tests.integration.test_milestones import build_with_milestones


def moment() -> datetime:
    """Now, strictly between the events recorded before and after it."""
    time.sleep(0.01)
    at = datetime.now(UTC)
    time.sleep(0.01)
    return at


def test_the_report_prints_each_milestone_with_its_delays_and_notes(runtime, tmp_path):
    pid, _first, _second = build_with_milestones(runtime)  # the bureau's today: 2026-06-30

    pdf = project_report_pdf(runtime, pid)
    text = pdf_text(pdf, tmp_path, squeeze=True)

    expected = [
        # the section and its columns
        ("施工节点", "节点", "改造内容", "完成/计划", "进度", "计划工期", "实际工期", "状态"),
        # the first: complete after one delay; a period's cell reads "start 至" over "finish"
        ("一期雨污分流雨污分流改造600/600m100%2026-04-01至2026-04-20至已完成",),
        ("2026-06-202026-06-19",),
        ("延期：计划完工由2026-05-31改为2026-06-20；原因：雨季停工两周",),
        ("居民监督员意见（2026-06-30，1幢居民监督员）：回填土未夯实",),
        # the second: a quarter built, started on the day of its report, not yet due
        ("充电桩安装电动汽车充电桩3/12个25%2026-05-01至2026-06-30起施工中", "2026-07-31"),
        ("进度按上报的累计完成量计算；逾期指截至2026-06-30仍未完成且已过计划完工日期。",),
    ]
    for fragment in (fragment for group in expected for fragment in group):
        assert fragment in text, fragment
    assert "已逾期" not in text
    assert cjk_fonts_embedded(pdf, tmp_path)


def test_an_overdue_milestone_is_flagged_in_words(runtime, tmp_path):
    pid, _first, _second = build_with_milestones(runtime)
    runtime.app.today = lambda: date(2026, 8, 1)  # the chargers were due on 2026-07-31

    pdf = project_report_pdf(runtime, pid)
    text = pdf_text(pdf, tmp_path, squeeze=True)

    assert "2026-06-30起施工中" in text and "已逾期" in text
    assert "逾期指截至2026-08-01仍未完成" in text


def test_the_english_report_has_the_section_in_english(runtime, tmp_path):
    pid, _first, _second = build_with_milestones(runtime)

    text = pdf_text(project_report_pdf(runtime, pid, lang="en"), tmp_path, squeeze=True)

    for fragment in (
        "Constructionmilestones",
        "Contentitem",
        "600/600m",
        "2026-04-01to",
        "Delayed:plannedfinishmovedfrom2026-05-31to2026-06-20;reason:雨季停工两周",
        "Completed",
        "Inprogress",
    ):
        assert fragment in text, fragment


def test_as_of_a_date_before_a_progress_report_the_report_shows_the_older_figure(runtime, tmp_path):
    app = runtime.app
    app.today = lambda: date(2026, 6, 30)
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    before_planning = moment()
    milestone = app.plan_milestone(
        pid,
        {
            "name": "一期雨污分流",
            "item_id": "item-1",
            "quantity": Decimal("600"),
            "planned_start": date(2026, 4, 1),
            "planned_finish": date(2026, 7, 31),
        },
        actor=STAFF,
    ).value["milestone_id"]
    walk(app, pid, "under_construction")
    # 200 m reported on 20 April; later, 450 m on 20 June, and the finish put off
    app.report_milestone_progress(
        pid, milestone, {"done_quantity": Decimal("200"), "on_date": date(2026, 4, 20)}, actor=STAFF
    )
    between = moment()
    app.report_milestone_progress(
        pid, milestone, {"done_quantity": Decimal("450"), "on_date": date(2026, 6, 20)}, actor=STAFF
    )
    app.delay_milestone(
        pid, milestone, {"planned_finish": date(2026, 8, 31), "reason": "管材供货延迟"}, actor=STAFF
    )
    runtime.catch_up()

    now = pdf_text(project_report_pdf(runtime, pid), tmp_path, squeeze=True)
    then_pdf = project_report_pdf(runtime, pid, as_of=between)
    then = pdf_text(then_pdf, tmp_path, squeeze=True)
    earlier = pdf_text(
        project_report_pdf(runtime, pid, as_of=before_planning), tmp_path, squeeze=True
    )

    assert "450/600m75%2026-04-01至2026-04-20起" in now and "2026-08-31" in now
    assert "管材供货延迟" in now
    # as it stood between the two reports: the older figure, the first planned finish, no delay
    assert "本报告反映截至" in then
    assert "200/600m33%2026-04-01至2026-04-20起" in then and "2026-07-31" in then
    assert "450/600m" not in then and "2026-08-31" not in then
    assert "管材供货延迟" not in then and "延期" not in then
    # before the milestone was planned there was no such section
    assert "施工节点" not in earlier
    assert cjk_fonts_embedded(then_pdf, tmp_path)


def test_the_replay_as_of_now_equals_the_read_model(runtime):
    pid, _first, _second = build_with_milestones(runtime)

    replayed = milestones_at(runtime.app, runtime.engine, pid, datetime.now(UTC))

    assert replayed == list_milestones(runtime.engine, str(pid))
    assert milestones_at(runtime.app, runtime.engine, pid) == list_milestones(
        runtime.engine, str(pid)
    )


def test_milestone_values_format_quantities_periods_and_the_overdue_status():
    row = {
        "name": "二期",
        "item": "雨污分流改造",
        "unit": "m",
        "quantity": "600.00",
        "done_quantity": "150.50",
        "progress": 25,
        "planned_start": "2026-04-01",
        "planned_finish": "2026-05-31",
        "actual_start": None,
        "actual_finish": None,
        "status": "planned",
        "delays": [],
        "notes": [],
    }

    (value,) = milestone_values([row], "zh", date(2026, 6, 1))["rows"]

    assert value["done"] == "150.50 / 600 m" and value["progress"] == "25%"
    assert value["planned"] == ["2026-04-01 至", "2026-05-31"] and value["actual"] == ["—"]
    assert value["status"] == "未开工" and value["overdue"] == "已逾期"
