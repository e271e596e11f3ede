"""Construction milestones (节点) on the pages, through Flask's test client: the section of the
public project page, and the staff page that plans milestones, reports their progress, delays
and completes them and records resident supervisors' notes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from renovation import accounts
from renovation.application.errors import ConcurrencyError
from renovation.projections.store import list_milestones
from renovation.web import create_app, runtime
from tests.conftest import STAFF, project_payload, registration, walk
from tests.helpers import signed_in

TODAY = date(2026, 6, 30)
FIRST = "milestone-1"  # 一期雨污分流: 600 of 雨污分流改造's 1200 m, due 2026-05-31
SECOND = "milestone-2"  # 充电桩安装: all 12 chargers, due 2026-08-31


# ---- fixtures and helpers --------------------------------------------------------------------


def make_app(tmp_path, **config: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/ev.sqlite",
            "SECRET_KEY": "t",
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )
    # The bureau's calendar stands still on TODAY: overdue flags and dated reports depend on it.
    app.extensions["renovation"].app.today = lambda: TODAY
    return app


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    """For posting forms without scraping tokens; CSRF itself is tested against ``csrf_app``."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["renovation"].close()


@pytest.fixture
def csrf_app(tmp_path) -> Iterator[Flask]:
    """The app as deployed: CSRF on."""
    app = make_app(tmp_path)
    yield app
    app.extensions["renovation"].close()


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(html: str) -> list[str]:
    """The flashed messages on the page, as the reader sees them."""
    return [
        unescape(re.sub(r"\s+", " ", m).strip())
        for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)
    ]


def work(app: Flask, do) -> Any:
    with app.app_context():
        rt = runtime()
        value = do(rt.app)
        rt.catch_up()
        return value


def register(app: Flask, stage: str = "in_plan", district: str = "清江浦区") -> str:
    """A project (雨污分流改造 1200 m, 充电桩 12 个, 社区助餐点 1 处) walked to ``stage``."""

    def do(application):
        payload = registration(project_payload(district=district))
        project_id = application.register_project(payload, actor=STAFF).project_id
        if stage != "registered":
            walk(application, project_id, stage)
        return str(project_id)

    return work(app, do)


def plan(app: Flask, project_id: str) -> None:
    """Two milestones, planned while the project is in the plan."""

    def do(application):
        pid = UUID(project_id)
        for name, item, quantity, start, finish in (
            ("一期雨污分流", "item-1", "600", date(2026, 4, 1), date(2026, 5, 31)),
            ("充电桩安装", "item-2", "12", date(2026, 5, 1), date(2026, 8, 31)),
        ):
            application.plan_milestone(
                pid,
                {
                    "name": name,
                    "item_id": item,
                    "quantity": Decimal(quantity),
                    "planned_start": start,
                    "planned_finish": finish,
                },
                actor=STAFF,
            )

    work(app, do)


def under_construction(app: Flask) -> str:
    """Milestones planned in the plan, then construction under way, nothing reported yet."""
    project_id = register(app)
    plan(app, project_id)
    work(app, lambda a: walk(a, UUID(project_id), "under_construction"))
    return project_id


def with_history(app: Flask) -> str:
    """The first milestone half built, delayed once (and still late), with a supervisor's note;
    the second completed."""
    project_id = under_construction(app)

    def do(application):
        pid = UUID(project_id)
        application.report_milestone_progress(
            pid, FIRST, {"done_quantity": Decimal("300"), "on_date": date(2026, 5, 20)}, actor=STAFF
        )
        application.delay_milestone(
            pid,
            FIRST,
            {"planned_finish": date(2026, 6, 20), "reason": "雨季停工两周，管线迁改滞后"},
            actor=STAFF,
        )
        application.record_supervisor_note(
            pid,
            FIRST,
            {"supervisor": "1幢居民监督员", "note": "回填土未夯实，已要求返工", "on_date": TODAY},
            actor=STAFF,
        )
        application.report_milestone_progress(
            pid, SECOND, {"done_quantity": Decimal("12"), "on_date": date(2026, 6, 10)}, actor=STAFF
        )
        application.complete_milestone(pid, SECOND, {"on_date": date(2026, 6, 12)}, actor=STAFF)

    work(app, do)
    return project_id


def events(app: Flask) -> int:
    with app.app_context():
        return runtime().app.recorder.max_notification_id() or 0


def rows(app: Flask, project_id: str) -> dict[str, dict[str, Any]]:
    with app.app_context():
        runtime().catch_up()
        return {m["milestone_id"]: m for m in list_milestones(runtime().engine, project_id)}


def staff_url(project_id: str, action: str = "", milestone_id: str = "") -> str:
    url = f"/staff/projects/{project_id}/milestones"
    return f"{url}/{milestone_id}/{action}" if milestone_id else url


# ---- the public project page -----------------------------------------------------------------


def test_the_project_page_shows_each_milestone_with_progress_dates_delays_and_notes(app):
    project_id = with_history(app)

    html = text(app.test_client().get(f"/projects/{project_id}"))

    section = html[
        html.index('id="milestones"') : html.index("</section>", html.index('id="milestones"'))
    ]
    first = section[section.index(f'id="{FIRST}"') : section.index(f'id="{SECOND}"')]
    second = section[section.index(f'id="{SECOND}"') :]
    assert "施工节点" in section
    # the first: its item, half built, and late — said in words, not by colour alone
    assert "一期雨污分流" in first and "雨污分流改造" in first and "基础类" in first
    assert "50%" in first and "300 / 600 m" in first and 'width="50"' in first
    assert "施工中" in first and "⚠ 已超期" in first
    assert "原定 2026-06-20 前完工，目前尚未完成。" in first
    # its dates: planned (as delayed), the original finish, the delay and its reason
    assert "2026-04-01" in first and "2026-06-20" in first
    assert "原计划完工" in first and "2026-05-31" in first
    assert (
        '已延期：计划完工日期由 <span class="nowrap">2026-05-31</span> 调整为 '
        '<span class="nowrap">2026-06-20</span>。'
    ) in first
    assert "原因：雨季停工两周，管线迁改滞后" in first
    assert "实际开工" in first and "2026-05-20" in first and "尚未完工" in first
    # the resident supervisor's note
    assert (
        "居民监督员意见" in first
        and "1幢居民监督员" in first
        and "回填土未夯实，已要求返工" in first
    )
    # the second: complete, on time, with its actual dates
    assert "100%" in second and "12 / 12 个" in second and "已完成" in second
    assert "2026-06-12" in second and "已超期" not in second
    # the list names what is behind schedule, for whoever does not read every card
    assert "进度滞后：一期雨污分流。" in section


def test_the_project_page_is_in_english_on_request(app):
    project_id = with_history(app)

    html = text(app.test_client().get(f"/projects/{project_id}?lang=en"))

    for fragment in (
        "Construction milestones",
        "300 / 600 m",
        "⚠ Overdue",
        "Planned dates",
        '<span class="nowrap">2026-05-31</span> to <span class="nowrap">2026-06-20</span>.',
        "Resident supervisors' notes",
        "Completed",
    ):
        assert fragment in html, fragment


def test_texts_staff_typed_are_escaped_on_the_project_page(app):
    project_id = under_construction(app)
    work(
        app,
        lambda a: a.delay_milestone(
            UUID(project_id),
            FIRST,
            {"planned_finish": date(2026, 7, 1), "reason": "<script>alert(1)</script>"},
            actor=STAFF,
        ),
    )

    html = text(app.test_client().get(f"/projects/{project_id}"))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_project_page_has_no_milestone_section_without_milestones(app):
    project_id = register(app)

    html = text(app.test_client().get(f"/projects/{project_id}"))

    assert 'id="milestones"' not in html and "施工节点" not in html


# ---- the staff page: what it offers in each stage --------------------------------------------


@pytest.mark.parametrize(
    "stage, offered, not_offered",
    [
        ("needs_survey", [], ["安排节点", "上报进度", "记录居民监督员意见"]),
        (
            "in_plan",
            ["安排施工节点", "节点延期"],
            ["上报进度", "确认节点完成", "记录居民监督员意见"],
        ),
        (
            "under_construction",
            ["安排施工节点", "上报进度", "确认节点完成", "节点延期", "记录居民监督员意见"],
            [],
        ),
    ],
)
def test_the_staff_page_offers_the_forms_the_stage_allows(app, stage, offered, not_offered):
    project_id = register(app, "registered" if stage == "needs_survey" else "in_plan")
    if stage == "needs_survey":
        work(app, lambda a: a.transition_project(UUID(project_id), "needs_survey", actor=STAFF))
    else:
        plan(app, project_id)
        work(app, lambda a: walk(a, UUID(project_id), stage))
    client = signed_in(app)

    html = text(client.get(staff_url(project_id)))

    for words in offered:
        assert words in html, words
    for words in not_offered:
        assert words not in html, words
    assert 'name="csrf_token"' in html


def test_after_construction_only_supervisors_notes_are_offered(app):
    project_id = with_history(app)
    work(app, lambda a: finish_first(a, project_id))
    work(
        app, lambda a: a.transition_project(UUID(project_id), "acceptance_inspection", actor=STAFF)
    )

    html = text(signed_in(app).get(staff_url(project_id)))

    assert "记录居民监督员意见" in html
    for words in ("安排施工节点", "上报进度", "确认节点完成", "节点延期"):
        assert words not in html, words


def finish_first(application, project_id: str) -> None:
    pid = UUID(project_id)
    application.report_milestone_progress(
        pid, FIRST, {"done_quantity": Decimal("600")}, actor=STAFF
    )
    application.complete_milestone(pid, FIRST, {}, actor=STAFF)


def test_the_staff_page_and_the_console_flag_overdue_milestones(app):
    project_id = with_history(app)
    client = signed_in(app)

    page = text(client.get(staff_url(project_id)))
    console = text(client.get("/staff"))

    assert "⚠ 逾期施工节点：1 个" in page and "⚠ 已超期" in page
    assert f"/staff/projects/{project_id}/milestones" in console
    assert "施工节点" in console and "逾期施工节点：1 个" in console


# ---- the staff page: each action ---------------------------------------------------------------


def test_staff_plan_a_milestone_from_the_form(app):
    project_id = register(app)
    client = signed_in(app)

    # the form lists each content item with what is left to plan of it
    page = text(client.get(staff_url(project_id)))
    assert "雨污分流改造（m）：计划 1200，尚可安排 1200" in page
    response = client.post(
        staff_url(project_id),
        data={
            "item_id": "item-1",
            "name": "一期雨污分流",
            "quantity": "600",
            "planned_start": "2026-04-01",
            "planned_finish": "2026-05-31",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/milestones#{FIRST}")
    row = rows(app, project_id)[FIRST]
    assert (row["name"], row["item"], row["quantity"]) == ("一期雨污分流", "雨污分流改造", "600")
    assert (row["planned_start"], row["planned_finish"]) == ("2026-04-01", "2026-05-31")
    page = text(client.get(response.headers["Location"]))
    assert "已安排节点「一期雨污分流」。" in flashes(page)
    assert "雨污分流改造（m）：计划 1200，尚可安排 600" in page


def test_staff_report_progress_delay_note_and_complete_a_milestone(app):
    project_id = under_construction(app)
    client = signed_in(app)

    # progress: the running total, dated today when no date is given
    response = client.post(
        staff_url(project_id, "progress", FIRST), data={"done_quantity": "300", "note": "1–2幢完成"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#{FIRST}")
    row = rows(app, project_id)[FIRST]
    assert (row["done_quantity"], row["progress"], row["actual_start"]) == ("300", 50, "2026-06-30")
    assert row["reports"][0]["note"] == "1–2幢完成"
    page = text(client.get(response.headers["Location"]))
    assert "已记录「一期雨污分流」的进度：累计完成 300 / 600 m。" in flashes(page)

    # a delay, with the reason residents will read
    client.post(
        staff_url(project_id, "delay", FIRST),
        data={"planned_finish": "2026-07-15", "reason": "雨季停工两周"},
    )
    row = rows(app, project_id)[FIRST]
    assert row["planned_finish"] == "2026-07-15" and row["first_planned_finish"] == "2026-05-31"
    assert row["delays"][0]["reason"] == "雨季停工两周"

    # a resident supervisor's note, entered by staff
    client.post(
        staff_url(project_id, "notes", FIRST),
        data={"supervisor": "1幢居民监督员", "note": "井盖高差过大", "on_date": "2026-06-29"},
    )
    assert rows(app, project_id)[FIRST]["notes"] == [
        {"on": "2026-06-29", "supervisor": "1幢居民监督员", "note": "井盖高差过大"}
    ]

    # the whole quantity, then completion on a date
    client.post(staff_url(project_id, "progress", FIRST), data={"done_quantity": "600"})
    response = client.post(staff_url(project_id, "complete", FIRST), data={"on_date": "2026-06-30"})
    row = rows(app, project_id)[FIRST]
    assert (row["status"], row["progress"], row["actual_finish"]) == (
        "completed",
        100,
        "2026-06-30",
    )
    page = text(client.get(response.headers["Location"]))
    assert "节点「一期雨污分流」已完成。" in flashes(page)
    # a completed milestone offers no more progress, delay or completion
    card = page[page.index(f'id="{FIRST}"') : page.index(f'id="{SECOND}"')]
    assert "上报进度" not in card and "节点延期" not in card and "确认节点完成" not in card


def test_a_double_clicked_button_records_once(app):
    project_id = under_construction(app)
    client = signed_in(app)
    once = {"done_quantity": "100", "command_id": "fedcba9876543210fedcba9876543210"}

    client.post(staff_url(project_id, "progress", FIRST), data=once)
    before = events(app)
    again = client.post(staff_url(project_id, "progress", FIRST), data=once)

    assert events(app) == before
    assert "该操作已经完成过了。" in flashes(text(client.get(again.headers["Location"])))
    assert len(rows(app, project_id)[FIRST]["reports"]) == 1


# ---- refusals: flashed with their field, nothing written ------------------------------------

PLAN = {
    "item_id": "item-1",
    "name": "二期雨污分流",
    "quantity": "400",
    "planned_start": "2026-06-01",
    "planned_finish": "2026-07-31",
}

REFUSALS = [
    # (action, milestone, form, the flashed message)
    ("plan", "", {**PLAN, "quantity": "700"}, "计划工程量：雨污分流改造仅剩 600 m 可安排。"),
    ("plan", "", {**PLAN, "quantity": "四百"}, "计划工程量：应为数字"),
    ("plan", "", {**PLAN, "quantity": "0"}, "计划工程量：应大于 0"),
    ("plan", "", {**PLAN, "name": ""}, "节点名称：应为 1 到 200 字"),
    ("plan", "", {**PLAN, "name": "一期雨污分流"}, "节点名称：已有名为「一期雨污分流」的节点。"),
    ("plan", "", {**PLAN, "item_id": ""}, "改造内容：必须填写"),
    ("plan", "", {**PLAN, "item_id": "item-9"}, "改造内容：没有改造内容 item-9。"),
    ("plan", "", {**PLAN, "planned_start": "2026/06/01"}, "计划开工日期：应为日期（年-月-日）"),
    (
        "plan",
        "",
        {**PLAN, "planned_finish": "2026-05-01"},
        "计划竣工日期：不能早于计划开工日期 2026年6月1日",
    ),
    (
        "progress",
        FIRST,
        {"done_quantity": "601"},
        "累计完成量：超过该节点的工程量 600；请延期或另行安排节点",
    ),
    ("progress", FIRST, {"done_quantity": "-1"}, "累计完成量：不能为负数"),
    ("progress", FIRST, {"done_quantity": "400", "note": "长" * 2001}, "说明：最多 2000 字"),
    ("progress", FIRST, {"done_quantity": ""}, "累计完成量：必须填写"),
    (
        "progress",
        FIRST,
        {"done_quantity": "400", "on_date": "2026-07-01"},
        "截至日期：不能晚于今天（2026年6月30日）",
    ),
    (
        "progress",
        FIRST,
        {"done_quantity": "400", "on_date": "2026-05-01"},
        "截至日期：不能早于上次上报的日期 2026年5月20日",
    ),
    (
        "progress",
        FIRST,
        {"done_quantity": "200"},
        "说明：比上次上报的 300 少，属于更正，须说明原因",
    ),
    (
        "delay",
        FIRST,
        {"planned_finish": "2026-05-01", "reason": "雨季"},
        "新的计划完工日期：须晚于现计划完工日期 2026年6月20日",
    ),
    (
        "delay",
        FIRST,
        {"planned_finish": "2026-07-31", "reason": " "},
        "延期原因（将公开）：请说明原因",
    ),
    ("delay", FIRST, {"planned_finish": ""}, "新的计划完工日期：必须填写"),
    (
        "delay",
        FIRST,
        {"planned_finish": "2026-07-31", "reason": "雨" * 2001},
        "延期原因（将公开）：最多 2000 字",
    ),
    (
        "delay",
        SECOND,
        {"planned_finish": "2026-09-30", "reason": "雨季"},
        "充电桩安装：该节点已于 2026年6月12日 完成。",
    ),
    (
        "complete",
        FIRST,
        {"on_date": "2026-06-30"},
        "一期雨污分流：目前仅上报完成 50%，须先上报全部工程量",
    ),
    ("complete", SECOND, {"on_date": "2026-06-30"}, "充电桩安装：该节点已于 2026年6月12日 完成。"),
    (
        "notes",
        FIRST,
        {"supervisor": "", "note": "井盖松动"},
        "居民监督员（填身份，不填姓名）：应为 1 到 200 字",
    ),
    ("notes", FIRST, {"supervisor": "2幢居民监督员", "note": ""}, "监督意见：应为 1 到 2000 字"),
    (
        "notes",
        FIRST,
        {"supervisor": "2幢居民监督员", "note": "井盖松动", "on_date": "30.6.2026"},
        "检查日期：应为日期（年-月-日）",
    ),
]


@pytest.mark.parametrize(
    "action, milestone_id, form, message", REFUSALS, ids=[f"{r[0]}-{r[3]}" for r in REFUSALS]
)
def test_a_refusal_is_flashed_with_its_field_and_nothing_is_written(
    app, action, milestone_id, form, message
):
    project_id = with_history(app)
    client = signed_in(app)
    before = events(app)

    response = client.post(staff_url(project_id, action, milestone_id), data=form)

    html = text(response)
    assert response.status_code == 422
    assert message in flashes(html), flashes(html)
    assert events(app) == before
    # the form comes back as sent, open, with the field marked
    # a refusal of the milestone itself (not of a field) marks no input
    assert 'aria-invalid="true"' in html or action == "complete" or milestone_id == SECOND
    if action != "plan" and milestone_id != SECOND:  # the second is complete: no forms
        card = html[html.index(f'id="{milestone_id}"') :]
        assert '<details class="milestone-action" open>' in card


def test_a_refused_plan_keeps_what_was_typed(app):
    project_id = with_history(app)
    client = signed_in(app)

    html = text(client.post(staff_url(project_id), data={**PLAN, "quantity": "700"}))

    assert 'value="二期雨污分流"' in html and 'value="700"' in html
    assert '<option value="item-1" selected>' in html


@pytest.mark.parametrize(
    "action, form, message",
    [
        (
            "progress",
            {"done_quantity": "10"},
            "项目处于「纳入改造计划」阶段，不能办理：进度只能在施工期间上报。",
        ),
        (
            "complete",
            {"on_date": "2026-06-30"},
            "项目处于「纳入改造计划」阶段，不能办理：节点只能在施工期间确认完成。",
        ),
        (
            "notes",
            {"supervisor": "2幢居民监督员", "note": "井盖松动"},
            "项目处于「纳入改造计划」阶段，不能办理：居民监督员意见在施工开始至整改结束期间记录。",
        ),
    ],
)
def test_a_closed_stage_is_flashed_in_words_without_the_gate_id(app, action, form, message):
    project_id = register(app)
    plan(app, project_id)  # in the plan: construction has not started
    client = signed_in(app)
    before = events(app)

    response = client.post(staff_url(project_id, action, FIRST), data=form)

    assert response.status_code == 409
    assert message in flashes(text(response)), flashes(text(response))
    assert "requires_under_construction" not in text(response)
    assert events(app) == before


def test_milestones_are_not_planned_before_the_plan_even_by_a_forged_form(app):
    project_id = register(app, "registered")
    client = signed_in(app)
    before = events(app)

    response = client.post(staff_url(project_id), data=PLAN)

    assert response.status_code == 409
    assert (
        "项目处于「已登记」阶段，不能办理：施工节点须在纳入改造计划后、施工结束前安排。"
        in flashes(text(response))
    )
    assert "requires_in_plan" not in text(response)
    assert events(app) == before


def test_a_closed_stage_is_flashed_in_english_on_request(app):
    project_id = register(app)
    plan(app, project_id)
    client = signed_in(app)
    client.get("/?lang=en")

    response = client.post(staff_url(project_id, "progress", FIRST), data={"done_quantity": "10"})

    assert response.status_code == 409
    assert (
        "Not possible at the stage “In the renovation plan”: progress is reported while the "
        "project is under construction." in flashes(text(response))
    )


def test_a_refusal_is_flashed_in_the_users_language(app):
    project_id = with_history(app)
    client = signed_in(app)
    client.get("/?lang=en")

    response = client.post(staff_url(project_id, "progress", FIRST), data={"done_quantity": "601"})

    assert (
        "Quantity built so far: more than the milestone's 600; delay it or plan another milestone"
        in flashes(text(response))
    )


def test_a_busy_project_is_said_so_and_nothing_is_written(app, monkeypatch):
    project_id = under_construction(app)
    client = signed_in(app)
    before = events(app)

    def busy(*_args, **_kwargs):
        raise ConcurrencyError("busy")

    monkeypatch.setattr(app.extensions["renovation"].app, "report_milestone_progress", busy)
    response = client.post(staff_url(project_id, "progress", FIRST), data={"done_quantity": "10"})

    assert response.status_code == 503
    assert "该项目正忙，请稍后再试。" in flashes(text(response))
    assert 'value="10"' in text(response)  # the figure is kept for sending again
    assert events(app) == before


def test_an_unknown_milestone_is_a_404(app):
    project_id = under_construction(app)
    client = signed_in(app)

    response = client.post(
        staff_url(project_id, "progress", "milestone-9"), data={"done_quantity": "1"}
    )

    assert response.status_code == 404


# ---- access --------------------------------------------------------------------------------


ACTIONS = [
    ("plan", "", PLAN),
    ("progress", FIRST, {"done_quantity": "400"}),
    ("delay", FIRST, {"planned_finish": "2026-08-31", "reason": "材料延误"}),
    ("complete", SECOND, {}),
    ("notes", FIRST, {"supervisor": "2幢居民监督员", "note": "井盖松动"}),
]


@pytest.mark.parametrize("action, milestone_id, form", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_visitors_are_sent_to_sign_in_and_nothing_is_written(app, action, milestone_id, form):
    project_id = under_construction(app)
    before = events(app)

    page = app.test_client().get(staff_url(project_id))
    posted = app.test_client().post(staff_url(project_id, action, milestone_id), data=form)

    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert posted.status_code == 302 and posted.headers["Location"].startswith("/login?next=")
    assert events(app) == before


@pytest.mark.parametrize("action, milestone_id, form", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_auditors_and_staff_of_other_districts_cannot_post(app, action, milestone_id, form):
    project_id = under_construction(app)
    auditor = signed_in(app, "auditor", districts=())
    elsewhere = signed_in(app, "staff", username="elsewhere", districts=("天宁区",))
    before = events(app)

    assert auditor.get(staff_url(project_id)).status_code == 403
    assert auditor.post(staff_url(project_id, action, milestone_id), data=form).status_code == 403
    assert elsewhere.post(staff_url(project_id, action, milestone_id), data=form).status_code == 403
    assert events(app) == before


@pytest.mark.parametrize("action, milestone_id, form", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_post_without_a_csrf_token_is_refused(csrf_app, action, milestone_id, form):
    project_id = under_construction(csrf_app)
    client = csrf_app.test_client()
    with csrf_app.app_context():
        accounts.add_user(
            runtime().engine, "zhang", "correct horse", "staff", districts=["清江浦区"]
        )
    login = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post(
        "/login", data={"username": "zhang", "password": "correct horse", "csrf_token": token}
    )
    before = events(csrf_app)

    refused = client.post(staff_url(project_id, action, milestone_id), data=form)

    assert refused.status_code == 400
    assert events(csrf_app) == before
    # with the page's own token the same form goes through
    page = text(client.get(staff_url(project_id)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    if action == "complete":
        work(
            csrf_app,
            lambda a: a.report_milestone_progress(
                UUID(project_id), SECOND, {"done_quantity": Decimal("12")}, actor=STAFF
            ),
        )
        before = events(csrf_app)
    accepted = client.post(
        staff_url(project_id, action, milestone_id), data={**form, "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert events(csrf_app) == before + 1
