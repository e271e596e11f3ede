"""Residents' participation in the project report: opinion figures and consultation results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from renovation.domain.project import Actor
from renovation.reports.contexts import project_report_pdf
from renovation.reports.participation import (
    consent_values,
    opinion_values,
    participation_values,
    project_participation,
    round_values,
)
from tests.conftest import STAFF, hold_intent_vote, registration, walk
from tests.helpers import cjk_fonts_embedded, pdf_text

RESIDENT = Actor("resident", "resident", "web")


# ---- pure helpers ----------------------------------------------------------------------

FIGURES = {
    "received": 8,
    "answered": 6,
    "open": 2,
    "overdue": 1,
    "answered_on_time": 5,
    "on_time_rate": "83.3%",
    "outcomes": {"adopted": 2, "partly_adopted": 1, "not_adopted": 2, "referred": 1},
    "adoption_rate": "50.0%",
}

FAILED_CONSENT = {
    "version": 1,
    "ruleset_id": "national-2021",
    "matter": "alteration",
    "scope_flats": 4,
    "scope_area": "300.00",
    "scope_owners": 4,
    "participating_flats": 3,
    "participating_area": "225.00",
    "participating_owners": 3,
    "agreeing_area": "150.00",
    "agreeing_owners": 2,
    "checks": [
        {
            "name": "quorum_area",
            "required": "≥ 2/3",
            "actual": "3/4",
            "rendered": "225.00/300.00 = 75.00%",
            "passed": True,
        },
        {
            "name": "quorum_owners",
            "required": "≥ 2/3",
            "actual": "3/4",
            "rendered": "3/4 = 75.00%",
            "passed": True,
        },
        {
            "name": "pass_area",
            "required": "≥ 3/4",
            "actual": "2/3",
            "rendered": "150.00/225.00 = 66.67%",
            "passed": False,
        },
        {
            "name": "pass_owners",
            "required": "≥ 3/4",
            "actual": "2/3",
            "rendered": "2/3 = 66.67%",
            "passed": False,
        },
    ],
    "failed_checks": ["pass_area", "pass_owners"],
    "veto_failures": [{"flat_id": "1-1-101", "choice": "disagree", "reason": "…"}],
    "passed": False,
}


def test_opinion_values_format_every_figure_and_each_outcome():
    values = opinion_values(FIGURES, "zh")

    assert [(r["label"], r["value"]) for r in values["rows"]] == [
        ("收到意见建议", "8 件"),
        ("已答复", "6 件"),
        ("待答复", "2 件（其中逾期 1 件）"),
        ("按期答复率", "83.3%（5/6）"),
        ("采纳率（采纳与部分采纳占已答复）", "50.0%（3/6）"),
    ]
    assert [(o["label"], o["count"], o["share"]) for o in values["outcomes"]] == [
        ("采纳", 2, "33.3%"),
        ("部分采纳", 1, "16.7%"),
        ("不采纳", 2, "33.3%"),
        ("转办", 1, "16.7%"),
    ]


def test_opinion_values_without_answers_show_dashes_not_zero_rates():
    empty = {
        **FIGURES,
        "received": 1,
        "answered": 0,
        "open": 1,
        "overdue": 0,
        "answered_on_time": 0,
        "on_time_rate": None,
        "adoption_rate": None,
        "outcomes": dict.fromkeys(FIGURES["outcomes"], 0),
    }
    values = opinion_values(empty, "en")

    assert values["rows"][3] == {"label": "Answered on time", "value": "— (0/0)"}
    assert {o["share"] for o in values["outcomes"]} == {"—"}


def test_consent_values_make_the_art_278_table_and_the_verdict():
    zh = consent_values(FAILED_CONSENT, "zh")
    assert [(r["name"], r["required"], r["actual"], r["result"]) for r in zh["rows"]] == [
        ("参与表决专有面积占比", "≥ 2/3", "225.00/300.00 = 75.00%", "达到"),
        ("参与表决人数占比", "≥ 2/3", "3/4 = 75.00%", "达到"),
        ("同意面积占参与表决面积", "≥ 3/4", "150.00/225.00 = 66.67%", "未达到"),
        ("同意人数占参与表决人数", "≥ 3/4", "2/3 = 66.67%", "未达到"),
    ]
    # the ruleset by its name, never by its id
    assert zh["verdict"] == "结论：表决未通过。计票规则：全国默认规则（民法典第二百七十八条）。"
    assert zh["matter"] == "改建、重建（含加装电梯，须四分之三以上同意）"
    # the veto is counted, the flat not named (a published report)
    assert zh["veto_note"].startswith("另有 1 户") and "1-1-101" not in zh["veto_note"]

    en = consent_values(FAILED_CONSENT, "en")
    assert en["rows"][2]["name"] == "Agreeing share of the voters' area"
    assert en["verdict"] == (
        "Verdict: not passed. Counted under: National default rules (Civil Code art. 278)."
    )
    assert consent_values(None) is None


def test_round_values_show_participation_by_head_and_area_and_each_question():
    result = {
        "consultation_id": "r1",
        "flats": 7,
        "ballots": 5,
        "owners": 6,
        "participating_owners": 4,
        "area": "478.80",
        "participating_area": "337.70",
        "participation_by_head": "66.67%",
        "participation_by_area": "70.53%",
        "questions": [
            {
                "id": "q1",
                "type": "single",
                "text": "是否加装电梯",
                "answered": 5,
                "counts": {"同意": 4, "不同意": 1},
            },
            {
                "id": "q2",
                "type": "rating",
                "text": "满意度",
                "answered": 4,
                "counts": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 1},
                "mean": "4.00",
            },
            {"id": "q3", "type": "text", "text": "其他建议", "answered": 2, "texts": 2},
        ],
        "consent": None,
    }
    round_ = {
        "consultation_id": "r1",
        "kind": "plan",
        "title": "改造方案征询",
        "intent_vote": False,
        "scope": {"level": "unit", "building": "1", "unit": "2"},
        "opens_at": "2026-04-01T00:00:00+00:00",
        "closes_at": datetime(2026, 4, 15, 10, 0, tzinfo=UTC),
        "result": result,
    }
    values = round_values(round_, "zh")

    assert (
        values["kind"] == "问计（改造中）"
        and values["title"] == "改造方案征询"
        and values["scope"] == "1幢2单元"
    )
    assert values["period"] == "2026-04-01 08:00 至 2026-04-15 18:00"  # Beijing time
    assert [(p["label"], p["part"], p["whole"], p["rate"]) for p in values["participation"]] == [
        ("参与户数", 5, 7, "71.43%"),
        ("按业主人数", 4, 6, "66.67%"),
        ("按专有面积（m²）", "337.70", "478.80", "70.53%"),
    ]
    assert [q["summary"] for q in values["questions"]] == [
        "同意 4 · 不同意 1",
        "平均 4.00 分（满分 5 分）",
        "书面回答 2 条（不公开）",
    ]
    assert values["consent"] is None and values["no_consent"] is None


# ---- the project report ------------------------------------------------------------------


def opinions_with_answers(runtime, pid) -> list[str]:
    app = runtime.app
    submitted = [
        app.submit_opinion(pid, {"category": category, "text": text}, actor=RESIDENT)
        for category, text in [
            ("nuisance", "夜间施工噪音太大，请调整作业时间。"),
            ("plan", "希望增加电动自行车充电桩。"),
            ("safety", "楼道堆放杂物，存在消防隐患。"),
        ]
    ]
    ids = [result.value["opinion_id"] for result in submitted]
    app.answer_opinions(pid, [ids[0]], {"outcome": "adopted", "answer": "已调整"}, actor=STAFF)
    app.answer_opinions(
        pid,
        [ids[1]],
        {"outcome": "not_adopted", "answer": "场地不足", "reason": "消防通道不可占用"},
        actor=STAFF,
    )
    return ids


def test_report_prints_opinion_figures_and_the_intent_vote(runtime, tmp_path):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")  # holds a passing intent vote of every flat
    opinions_with_answers(runtime, pid)
    runtime.catch_up()

    pdf = project_report_pdf(runtime, pid)
    text = pdf_text(pdf, tmp_path, squeeze=True)

    expected = [
        # the section and its opinion figures
        ("居民参与意见建议", "意见建议"),
        ("收到意见建议3件", "已答复2件", "待答复1件（其中逾期0件）"),
        ("按期答复率100.0%（2/2）", "采纳率（采纳与部分采纳占已答复）50.0%（1/2）"),
        ("采纳150.0%", "部分采纳00.0%", "不采纳150.0%", "转办00.0%"),
        # the intent vote: participation by head and by area (7 flats, 6 owners, 478.80 m²)
        ("改造意愿征询", "类型问需（改造前）·改造意愿征询", "范围全小区"),
        ("参与户数77100.00%", "按业主人数66100.00%", "按专有面积（m²）478.80478.80100.00%"),
        # its art. 278 table and the verdict
        ("表决结果（《民法典》第二百七十八条）", "表决事项：改建、重建（含加装电梯"),
        ("项目要求实际结果",),
        ("参与表决专有面积占比≥2/3478.80/478.80=100.00%达到",),
        ("参与表决人数占比≥2/36/6=100.00%达到",),
        ("同意面积占参与表决面积≥3/4478.80/478.80=100.00%达到",),
        ("同意人数占参与表决人数≥3/46/6=100.00%达到",),
        ("结论：表决通过。计票规则：全国默认规则（民法典第二百七十八条）。",),
    ]
    for fragment in (fragment for group in expected for fragment in group):
        assert fragment in text, fragment
    assert "未达到" not in text
    assert "Residents" not in text and "Verification" not in text  # one language
    assert cjk_fonts_embedded(pdf, tmp_path)


def test_a_failed_intent_vote_prints_its_failed_checks(runtime, tmp_path):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "intent_vote")
    hold_intent_vote(app, pid, agree=False)
    runtime.catch_up()

    pdf = project_report_pdf(runtime, pid)
    text = pdf_text(pdf, tmp_path, squeeze=True)

    assert "同意面积占参与表决面积≥3/40/478.80=0.00%未达到" in text
    assert "同意人数占参与表决人数≥3/40/6=0.00%未达到" in text
    assert "结论：表决未通过。计票规则：" in text
    assert "尚未收到意见建议。" in text


def test_english_report_has_the_participation_section(runtime, tmp_path):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    opinions_with_answers(runtime, pid)

    text = pdf_text(project_report_pdf(runtime, pid, lang="en"), tmp_path, squeeze=True)

    for fragment in (
        "Residents'participation",
        "Opinionsreceived3",
        "Answeredontime100.0%(2/2)",
        "Needssurvey",  # the round kind, and that it was the intent vote
        "Intentvote",
        "Voters'shareoftheowners≥2/36/6=100.00%met",
        "Verdict:passed",
    ):
        assert fragment in text, fragment


def test_report_as_of_a_past_date_shows_the_participation_as_it_then_stood(runtime, tmp_path):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    before_opinions = datetime.now(UTC)
    opinions_with_answers(runtime, pid)
    runtime.catch_up()

    def report(**kwargs) -> str:
        return pdf_text(project_report_pdf(runtime, pid, **kwargs), tmp_path, squeeze=True)

    then = report(as_of=before_opinions)
    later = report(as_of=datetime.now(UTC) + timedelta(days=1))
    now = report()
    for text in (then, later):
        assert "历史状态报告不含此部分" not in text
        assert "表决结果" in text  # the intent vote had closed by then
    assert "尚未收到意见建议。" in then and "尚未收到意见建议。" not in later
    for fragment in ("已答复2件", "待答复1件", "按期答复率100.0%（2/2）"):
        assert fragment in later and fragment in now and fragment not in then


def test_project_participation_gathers_closed_rounds_and_figures(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "in_plan")
    opinions_with_answers(runtime, pid)
    runtime.catch_up()

    gathered = project_participation(runtime, pid)

    assert gathered["opinion_figures"]["received"] == 3
    assert gathered["opinion_figures"]["answered"] == 2
    assert gathered["open_rounds"] == 0
    [round_] = gathered["rounds"]
    assert round_["intent_vote"] is True and round_["result"]["consent"]["passed"] is True
    assert isinstance(round_["closes_at"], str)
    values = participation_values(gathered, "zh")
    assert values["rounds"][0]["consent"]["passed"] is True
    assert values["opinions"]["received"] == 3
