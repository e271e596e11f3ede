"""The server-rendered pages, through Flask's test client: public, sign-in, staff, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from renovation.domain.project import Actor
from renovation.projections.queries import list_summaries
from renovation.web import create_app, runtime
from renovation.web.pages.labels import timeline
from renovation.web.pages.paste import locate
from tests.helpers import PASSWORD, add_user, confirmation_form, confirmed, signed_in

SECRET_OWNER = "OWNER-REF-7731"
CLERK = Actor(id="user:clerk", role="staff", channel="test")


def _make_app(tmp_path, **overrides: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/ev.sqlite",
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False,
            **overrides,
        }
    )


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    """The app as deployed: CSRF on."""
    app = _make_app(tmp_path)
    yield app
    app.extensions["renovation"].close()


@pytest.fixture
def form_app(tmp_path) -> Iterator[Flask]:
    """For posting forms without scraping tokens; CSRF itself is tested against ``app``."""
    app = _make_app(tmp_path, WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["renovation"].close()


def project_data(
    name: str = "凤凰新村", district: str = "清江浦区", street: str = "浦楼街道", flats: int = 2
) -> dict[str, Any]:
    return {
        "community": {
            "name": name,
            "district": district,
            "city": "淮安市",
            "street": street,
            "address": f"淮安市{district}{name}路",
            "year_built": 1992,
        },
        "buildings": [
            {
                "code": "1",
                "units": [
                    {
                        "code": "1",
                        "flats": [
                            {
                                "number": f"{n}01",
                                "floor": n,
                                "area": "68.50",
                                "owner_ref": f"{SECRET_OWNER}-{n}",
                            }
                            for n in range(1, flats + 1)
                        ],
                    }
                ],
            },
        ],
        "content_items": [
            {"category": "basic", "item": "雨污分流改造", "unit": "m", "planned_quantity": "320"},
            {"category": "improvement", "item": "加装电梯", "unit": "部", "planned_quantity": "2"},
            {"category": "upgrade", "item": "助餐点", "unit": "处", "planned_quantity": "1"},
        ],
        "budget": [
            {"source": "中央补助资金", "amount": "1200000"},
            {"source": "居民出资", "amount": "80000.50"},
        ],
    }


def register(app: Flask, *stages: str, **kwargs: Any) -> str:
    """A project registered through the application, moved through ``stages``."""
    with app.app_context():
        rt = runtime()
        project_id = rt.app.register_project(project_data(**kwargs), actor=CLERK).project_id
        for stage in stages:
            rt.app.transition_project(project_id, stage, actor=CLERK)
        rt.catch_up()
    return str(project_id)


def project_count(app: Flask) -> tuple[int, int]:
    """Projects in the read model, and events in the store."""
    with app.app_context():
        rt = runtime()
        rt.catch_up()
        return list_summaries(rt.engine)[1], rt.app.recorder.max_notification_id() or 0


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


# ---- public pages ------------------------------------------------------------------------------


def test_project_list_shows_each_project_with_its_stage_flats_and_items(app):
    project_id = register(app, "needs_survey", flats=3)

    html = text(app.test_client().get("/"))

    assert f'href="/projects/{project_id}"' in html
    assert "凤凰新村" in html and "清江浦区 · 浦楼街道" in html
    assert "问需（需求调查）" in html
    assert "<dt>户数</dt><dd>3</dd>" in html
    assert "<dt>改造内容</dt><dd>3</dd>" in html


def test_project_list_filters_by_district_stage_and_text(app):
    register(app, name="凤凰新村", district="清江浦区")
    register(app, "needs_survey", name="河海新村", district="天宁区", street="茶山街道")
    client = app.test_client()

    by_district = text(client.get("/?district=天宁区"))
    by_stage = text(client.get("/?stage=needs_survey"))
    by_text = text(client.get("/?q=凤凰"))
    nothing = text(client.get("/?q=没有这个小区"))

    assert "河海新村" in by_district and "凤凰新村" not in by_district
    assert "河海新村" in by_stage and "凤凰新村" not in by_stage
    assert "凤凰新村" in by_text and "河海新村" not in by_text
    assert "没有符合条件的项目" in nothing
    # The district select offers the districts that have projects, keeping the choice.
    assert '<option value="天宁区" selected>天宁区</option>' in by_district
    assert '<option value="needs_survey" selected>问需（需求调查）</option>' in by_stage


def test_project_list_pages_ten_at_a_time_keeping_the_filters(app):
    for n in range(12):
        register(app, name=f"新村{n:02d}", flats=1)
    client = app.test_client()

    first = text(client.get("/?district=清江浦区"))
    second = text(client.get("/?district=清江浦区&page=2"))

    assert "第 1 页，共 2 页" in first and first.count('class="card"') == 10
    assert "/?district=%E6%B8%85%E6%B1%9F%E6%B5%A6%E5%8C%BA&amp;page=2" in first
    assert second.count('class="card"') == 2 and "新村11" in second
    assert client.get("/?page=abc").status_code == 200


def test_project_page_is_in_chinese_by_default_and_in_english_with_lang_en(app):
    project_id = register(app, "needs_survey")
    client = app.test_client()

    chinese = text(client.get(f"/projects/{project_id}"))
    english = text(client.get(f"/projects/{project_id}?lang=en"))
    remembered = text(client.get(f"/projects/{project_id}"))

    assert '<html lang="zh-CN">' in chinese
    assert "老旧小区改造" in chinese and "项目进展" in chinese and "基础类" in chinese
    assert "完善类" in chinese and "提升类" in chinese and "资金来源" in chinese
    assert f'href="/projects/{project_id}?lang=en"' in chinese  # the language switch
    assert '<html lang="en">' in english
    assert "Old-neighbourhood renovation" in english and "Where the project stands" in english
    assert "Needs survey" in english and "Basic" in english and "项目进展" not in english
    assert "Where the project stands" in remembered  # the choice stays for the session


def test_project_page_shows_the_life_of_the_project_content_budget_and_report(app):
    project_id = register(app, "needs_survey", "intent_vote")

    html = text(app.test_client().get(f"/projects/{project_id}"))

    timeline = html[html.index('class="timeline"') : html.index("</ol>")]
    order = [timeline.index(label) for label in ("已登记", "问需（需求调查）", "长效管理")]
    assert order == sorted(order)
    assert re.search(
        r'step-done">\s*<span class="mark" aria-hidden="true">✓</span>\s*'
        r'<span class="step-label">问需',
        timeline,
    )
    assert re.search(r'step-current" aria-current="step">.*?改造意愿征询', timeline, re.S)
    assert re.search(r'step-next">.*?纳入改造计划', timeline, re.S)
    # Stage history in Beijing time, newest first.
    history = re.findall(r"<time datetime=\"[^\"]+\">(\d{4}-\d\d-\d\d \d\d:\d\d)</time>", html)
    assert len(history) == 3
    assert html.index("进入「改造意愿征询」") < html.index("进入「问需（需求调查）」")
    # Content by category, planned against actual, and the budget with its total.
    assert "雨污分流改造" in html and "320 m" in html and "尚未开始" in html
    assert "1,200,000.00" in html and "80,000.50" in html and "1,280,000.50" in html
    assert f'href="/api/projects/{project_id}/report.pdf?lang=zh"' in html


@pytest.mark.parametrize(
    "stage, after, then",
    [
        ("rejected_by_residents", "intent_vote", None),
        ("rectification", "acceptance_inspection", "accepted"),
    ],
)
def test_a_stage_off_the_happy_path_is_shown_after_the_step_it_branched_from(
    app, stage, after, then
):
    with app.test_request_context("/"):
        steps = timeline(stage)

    stages = [s["stage"] for s in steps]
    assert stages.index(stage) == stages.index(after) + 1
    assert steps[stages.index(stage)]["state"] == "current"
    assert steps[stages.index(after)]["state"] == "done"
    assert [s["stage"] for s in steps if s["state"] == "next"] == ([then] if then else [])


def test_public_pages_never_show_owner_references(app):
    project_id = register(app, "needs_survey")
    client = app.test_client()

    for url in ("/", f"/projects/{project_id}", f"/projects/{project_id}?lang=en", "/?q=凤凰"):
        assert SECRET_OWNER not in text(client.get(url)), url


def test_an_unknown_project_is_a_404_page(app):
    client = app.test_client()

    response = client.get("/projects/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert "页面不存在" in text(response) and "<html" in text(response)
    assert client.get("/projects/not-a-uuid").status_code == 404


# ---- signing in and out ---------------------------------------------------------------------


def test_sign_in_with_the_right_password_lands_on_the_console(form_app):
    add_user(form_app, "zhang", "staff", districts=None, display_name="zhang 同志")
    client = form_app.test_client()

    response = client.post("/login", data={"username": "zhang", "password": PASSWORD})

    assert response.status_code == 302 and response.headers["Location"] == "/staff"
    console = text(client.get("/staff"))
    assert "已登录：zhang 同志" in console and "员工工作台" in console and "退出" in console


@pytest.mark.parametrize("username, password", [("zhang", "wrong password"), ("nobody", "x" * 9)])
def test_sign_in_failure_says_only_that_name_or_password_is_wrong(form_app, username, password):
    add_user(form_app, "zhang", "staff", districts=None)
    client = form_app.test_client()

    response = client.post("/login", data={"username": username, "password": password})

    assert response.status_code == 200
    assert "用户名或密码不正确" in text(response)
    assert client.get("/staff").status_code == 302  # still signed out


@pytest.mark.parametrize(
    "next_url, lands_on",
    [
        ("/staff/projects/new", "/staff/projects/new"),
        ("https://evil.example/steal", "/staff"),
        ("//evil.example/steal", "/staff"),
        ("/\\evil.example", "/staff"),
    ],
)
def test_sign_in_goes_on_only_to_pages_of_this_site(form_app, next_url, lands_on):
    add_user(form_app, "zhang", "staff", districts=None)

    response = form_app.test_client().post(
        "/login", data={"username": "zhang", "password": PASSWORD, "next": next_url}
    )

    assert response.headers["Location"] == lands_on


def test_sign_in_works_with_the_token_the_form_carries(app):
    add_user(app, "zhang", "staff", districts=None)
    client = app.test_client()
    token = csrf_token(text(client.get("/login")))

    response = client.post(
        "/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": token}
    )

    assert response.status_code == 302 and response.headers["Location"] == "/staff"


@pytest.mark.parametrize("url", ["/login", "/logout", "/staff/projects/new"])
def test_a_post_without_a_csrf_token_is_refused(app, url):
    add_user(app, "zhang", "staff", districts=None)
    project_count_before = project_count(app)

    response = app.test_client().post(
        url,
        data={
            "username": "zhang",
            "password": PASSWORD,
            "name": "x",
            "district": "清江浦区",
        },
    )

    assert response.status_code == 400
    assert "无法处理此请求" in text(response)
    assert project_count(app) == project_count_before


def test_a_move_without_a_csrf_token_is_refused(app):
    project_id = register(app)
    add_user(app, "zhang", "staff", districts=None)
    client = app.test_client()
    token = csrf_token(text(client.get("/login")))
    client.post("/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": token})

    response = client.post(
        f"/staff/projects/{project_id}/transitions",
        data={"to_stage": "needs_survey", "version": "1"},
    )

    assert response.status_code == 400
    assert project_count(app)[1] == 1  # no StageChanged stored


def test_sign_out_is_a_post_and_ends_the_session(form_app):
    client = signed_in(form_app, districts=["*"])

    assert client.get("/logout").status_code == 405
    response = client.post("/logout")

    assert response.status_code == 302
    assert "您已退出登录" in text(client.get("/"))
    assert client.get("/staff").status_code == 302


# ---- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/staff", "/staff/projects/new", "/audit"])
def test_consoles_send_visitors_to_sign_in(app, url):
    response = app.test_client().get(url)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={url.replace('/', '%2F')}"


def test_the_staff_console_refuses_auditors(form_app):
    project_id = register(form_app)
    client = signed_in(form_app, "auditor", districts=None)

    assert client.get("/staff").status_code == 403
    assert client.get("/staff/projects/new").status_code == 403
    response = client.post(
        f"/staff/projects/{project_id}/transitions",
        data={"to_stage": "needs_survey", "version": "1"},
    )
    assert response.status_code == 403
    assert "您无权查看此页面" in text(response)


def test_the_audit_page_lists_projects_with_their_history_and_verification(form_app):
    project_id = register(form_app)
    auditor = signed_in(form_app, "auditor", districts=None)

    html = text(auditor.get("/audit"))

    assert f'href="/api/projects/{project_id}/events"' in html
    assert f'href="/api/projects/{project_id}/verify"' in html
    assert signed_in(form_app, "staff", districts=None).get("/audit").status_code == 403


def test_staff_with_districts_see_only_their_districts(form_app):
    register(form_app, name="凤凰新村", district="清江浦区")
    register(form_app, name="河海新村", district="天宁区")
    register(form_app, name="北门新村", district="淮安区")
    client = signed_in(form_app, "staff", districts=["清江浦区", "淮安区"])

    html = text(client.get("/staff"))
    other = text(client.get("/staff?district=天宁区"))

    assert "凤凰新村" in html and "北门新村" in html and "河海新村" not in html
    assert "河海新村" not in other


# ---- registering a project ---------------------------------------------------------------------

FLATS = "\n".join(
    [
        "building\tunit\tnumber\tfloor\tarea\towner",  # a header row pasted along
        "1\t1\t101\t1\t68.5\tOWN-A",
        "1\t1\t102\t1\t72.30\tOWN-B",
        "1\t2\t201\t2\t68.5\tOWN-A",
        "2,1,101,1,55,OWN-C",
        "2，1，102，1，55，，是",  # full-width commas; an unsold developer flat
    ]
)


def registration(**changes: str) -> dict[str, str]:
    form = {
        "name": "富丽花园",
        "district": "清江浦区",
        "city": "淮安市",
        "street": "清河街道",
        "address": "淮安市清江浦区富丽路",
        "year_built": "1998",
        "planned_start": "2027-03-01",
        "planned_finish": "2027-11-30",
        "flats": FLATS,
        "content_items": "\n".join(
            ["基础类,雨污分流改造,m,320", "improvement\t充电桩\t个\t12", "提升类,助餐点,处,1"]
        ),
        "budget": "中央补助资金,1200000\n居民出资,80000.50",
        "command_id": "0123456789abcdef0123456789abcdef",
    }
    form.update(changes)
    return form


def test_registering_from_the_form_with_a_pasted_flats_register(form_app):
    client = signed_in(form_app, districts=["*"])
    assert 'name="csrf_token"' in text(client.get("/staff/projects/new"))

    response = client.post("/staff/projects/new", data=registration())

    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "「富丽花园」已登记" in page
    assert "<dt>楼栋数</dt><dd>2</dd>" in page and "<dt>单元数</dt><dd>3</dd>" in page
    assert "<dt>户数</dt><dd>5</dd>" in page and "<dt>业主户数</dt><dd>4</dd>" in page
    assert "充电桩" in page and "12 个" in page and "1,280,000.50" in page
    assert "富丽花园" in text(client.get("/"))


def test_a_repeated_registration_form_makes_one_project(form_app):
    client = signed_in(form_app, districts=["*"])

    first = client.post("/staff/projects/new", data=registration())
    second = client.post("/staff/projects/new", data=registration())

    assert first.headers["Location"] == second.headers["Location"]
    assert project_count(form_app)[0] == 1


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("1\t1\t103\t1\t-20\tOWN-D", "第 7 行，面积（平方米）：应大于 0，且不超过 10000"),
        ("1\t1\t102\t3\t60\tOWN-D", "第 7 行，户号：户号 102 重复填写了"),
        ("1\t1\t103\t1\t60", "第 7 行：应有 6 或 7 列"),
        ("1\t1\t103\t一楼\t60\tOWN-D", "第 7 行，楼层：应为整数"),
        ("1\t1\t103\t1\t60\t", "第 7 行，业主编号：必须填写"),
    ],
    ids=["negative-area", "duplicate-flat", "wrong-column-count", "floor-not-a-number", "no-owner"],
)
def test_a_bad_flat_row_is_shown_with_its_line_and_nothing_is_written(form_app, bad_line, message):
    client = signed_in(form_app, districts=["*"])
    before = project_count(form_app)
    flats = f"{FLATS}\n{bad_line}"

    response = client.post("/staff/projects/new", data=registration(flats=flats))

    html = text(response)
    assert response.status_code == 422
    assert message in html
    assert "项目尚未登记" in html
    errors = html[html.index('id="flats-errors"') :]
    assert message in errors[: errors.index("</ul>")]  # next to the flats textarea
    # What the clerk pasted is kept, ready to be corrected.
    assert bad_line in html and "2，1，102，1，55，，是" in html
    assert 'value="富丽花园"' in html
    assert project_count(form_app) == before


def test_bad_content_budget_and_community_fields_are_each_shown_where_they_belong(form_app):
    client = signed_in(form_app, districts=["*"])
    before = project_count(form_app)

    response = client.post(
        "/staff/projects/new",
        data=registration(
            name="",
            year_built="九八年",
            planned_finish="2026-01-01",
            content_items="基础类,雨污分流改造,m,320\n\n其他类,花坛,个,3\n基础类,道路",
            budget="中央补助资金,一百万",
        ),
    )

    html = text(response)

    def errors_of(field: str) -> str:
        start = html.index(f'id="{field}-errors"')
        return html[start : html.index("</ul>", start)]

    assert response.status_code == 422
    assert "必须填写" in errors_of("name")
    assert "应为整数" in errors_of("year_built")
    assert "第 3 行，类别：应为以下之一：基础类、完善类、提升类" in errors_of("content_items")
    assert "第 4 行：应有 4 或 5 列" in errors_of("content_items")
    assert "第 1 行，金额：应为数字" in errors_of("budget")
    assert project_count(form_app) == before


def test_a_finish_before_the_start_is_refused_by_the_domain_next_to_its_field(form_app):
    client = signed_in(form_app, districts=["*"])
    before = project_count(form_app)

    response = client.post("/staff/projects/new", data=registration(planned_finish="2026-01-01"))

    assert response.status_code == 422
    assert "不能早于计划开工日期" in text(response)
    assert project_count(form_app) == before


def test_staff_register_only_in_their_districts(form_app):
    client = signed_in(form_app, "staff", districts=["天宁区"])
    form_page = text(client.get("/staff/projects/new"))
    assert '<option value="天宁区" selected>天宁区</option>' in form_page

    response = client.post("/staff/projects/new", data=registration(district="清江浦区"))

    assert response.status_code == 422
    assert "您的账号不负责这个区县" in text(response)
    assert project_count(form_app)[0] == 0


# ---- moving a project on -------------------------------------------------------------------


def move(client: FlaskClient, project_id: str, to_stage: str, version: int, **extra: str):
    """A console button, then its confirmation page's button (the form as the page was)."""
    return confirmed(
        client,
        f"/staff/projects/{project_id}/transitions/confirm?to_stage={to_stage}",
        follow_redirects=True,
        version=str(version),
        **extra,
    )


def test_the_console_offers_a_button_per_allowed_next_stage(form_app):
    project_id = register(form_app, "needs_survey", "intent_vote")
    client = signed_in(form_app, districts=["*"])

    html = text(client.get("/staff"))

    card = html[html.index(f'id="project-{project_id}"') :]
    assert "进入「纳入改造计划」" in card and "进入「居民未同意改造」" in card
    assert f"/staff/projects/{project_id}/transitions/confirm?to_stage=in_plan" in card


def test_moving_a_project_to_its_next_stage_from_the_console(form_app):
    project_id = register(form_app)
    client = signed_in(form_app, districts=["*"])

    response = move(client, project_id, "needs_survey", 1, back="/staff?district=清江浦区")

    assert response.status_code == 200
    assert "「凤凰新村」已进入「问需（需求调查）」阶段" in text(response)
    assert response.request.path == "/staff"
    assert "district=" in response.request.query_string.decode()  # back to the same filter
    public = text(client.get(f"/projects/{project_id}"))
    assert 'stage-needs_survey">问需（需求调查）' in public


def test_skipping_a_stage_names_the_gate(form_app):
    project_id = register(form_app)
    client = signed_in(form_app, districts=["*"])

    response = client.get(
        f"/staff/projects/{project_id}/transitions/confirm?to_stage=under_construction"
    )

    html = text(response)
    assert response.status_code == 200 and "confirm-form" not in html  # no button
    assert "尚未满足的条件：项目须先进入「方案批复」阶段" in html
    assert "requires_" not in html
    assert project_count(form_app)[1] == 1


def test_a_stale_page_gets_a_clear_message_not_an_error(form_app):
    project_id = register(form_app, "needs_survey")  # now at version 2
    client = signed_in(form_app, districts=["*"])

    response = move(client, project_id, "intent_vote", 1)

    html = text(response)
    assert response.status_code == 200
    assert "已被他人修改（您看到的是版本 1，现在是版本 2）" in html
    assert project_count(form_app)[1] == 2


def test_a_double_clicked_move_button_moves_once(form_app):
    project_id = register(form_app)
    client = signed_in(form_app, districts=["*"])
    action, form = confirmation_form(
        client, f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey"
    )

    client.post(action, data=form)
    again = client.post(action, data=form, follow_redirects=True)

    assert "该操作已经完成过了" in text(again)
    assert project_count(form_app)[1] == 2


def test_staff_cannot_move_projects_outside_their_districts(form_app):
    project_id = register(form_app, district="天宁区")
    client = signed_in(form_app, "staff", districts=["清江浦区"])

    response = client.post(
        f"/staff/projects/{project_id}/transitions",
        data={"to_stage": "needs_survey", "version": "1"},
    )

    assert response.status_code == 403
    assert project_count(form_app)[1] == 1


# ---- pasted rows back to their lines ------------------------------------------------------------


@pytest.mark.parametrize(
    "path, where",
    [
        ("buildings.0.units.1.flats.2.area", ("flats", 9, "area")),
        ("buildings.1.code", ("flats", 12, "building_code")),
        ("buildings.0.units.1.code", ("flats", 5, "unit_code")),
        ("content_items.0.category", ("content_items", 3, "category")),
        ("budget.1.amount", ("budget", None, "amount")),
        ("community.year_built", ("year_built", None, None)),
        ("planned_finish", ("planned_finish", None, None)),
    ],
)
def test_a_payload_path_is_traced_back_to_its_input_and_line(path, where):
    lines = {
        "buildings.0": 2,
        "buildings.0.units.0": 2,
        "buildings.0.units.1": 5,
        "buildings.0.units.1.flats.2": 9,
        "buildings.1": 12,
        "content_items.0": 3,
    }

    assert locate(path, lines) == where


def test_sign_in_attempts_are_rate_limited(tmp_path):
    app = _make_app(tmp_path, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True)
    client = app.test_client()
    try:
        answers = [
            client.post("/login", data={"username": "zhang", "password": "guess"}).status_code
            for _ in range(11)
        ]
        assert answers == [200] * 10 + [429]
        refused = client.post("/login", data={"username": "zhang", "password": "guess"})
        assert "尝试次数过多" in text(refused)
        assert client.get("/login").status_code == 200  # reading the form is not limited
    finally:
        app.extensions["renovation"].close()
