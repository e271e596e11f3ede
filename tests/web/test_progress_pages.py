"""The project's progress figure and its weighting on the pages (in Chinese) and in the API's
project read, through Flask's test client on a SQLite file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html import unescape
from uuid import UUID

import pytest
from flask import Flask

from renovation.web import runtime
from tests.conftest import STAFF, project_payload, registration, walk
from tests.helpers import make_app, signed_in

TODAY = date(2026, 6, 30)
QUANTITY_BASIS = "按计划工程量加权"
QUANTITY_EXPLANATION = "并非每项改造内容都有计划投资额，因此各项内容权重相同"


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    app.extensions["renovation"].app.today = lambda: TODAY
    yield app
    app.extensions["renovation"].close()


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def project(app: Flask, name: str, *, milestones: bool) -> str:
    """A project under construction; with ``milestones``, 雨污分流 300 of 600 m reported and
    all 12 chargers: (1/2 + 1) / 2 = 75 %."""
    with app.app_context():
        rt = runtime()
        application = rt.app
        pid = application.register_project(
            registration(project_payload(name=name)), actor=STAFF
        ).project_id
        walk(application, pid, "in_plan")
        if milestones:
            for label, item_id, quantity in (
                ("一期雨污分流", "item-1", "600"),
                ("充电桩安装", "item-2", "12"),
            ):
                application.plan_milestone(
                    pid,
                    {
                        "name": label,
                        "item_id": item_id,
                        "quantity": Decimal(quantity),
                        "planned_start": date(2026, 4, 1),
                        "planned_finish": date(2026, 9, 30),
                    },
                    actor=STAFF,
                )
        walk(application, pid, "under_construction")
        if milestones:
            for milestone_id, done in (("milestone-1", "300"), ("milestone-2", "12")):
                application.report_milestone_progress(
                    pid,
                    milestone_id,
                    {"done_quantity": Decimal(done), "on_date": date(2026, 6, 1)},
                    actor=STAFF,
                )
        rt.catch_up()
    return str(pid)


def progress_section(html: str) -> str:
    found = re.search(r'<section id="progress".*?</section>', html)
    assert found, "no progress section"
    return found.group(0)


def test_the_public_page_shows_the_figure_and_its_weighting_in_chinese(app):
    pid = project(app, "凤凰新村", milestones=True)
    section = progress_section(text(app.test_client().get(f"/projects/{pid}")))
    assert "总体进度" in section
    assert "75.0%" in section
    assert QUANTITY_BASIS in section and QUANTITY_EXPLANATION in section
    assert "planned_quantity" not in section  # the code never shows


def test_the_public_page_says_no_milestones_are_planned_yet(app):
    pid = project(app, "河海新村", milestones=False)
    section = progress_section(text(app.test_client().get(f"/projects/{pid}")))
    assert "尚未计划节点" in section and "%" not in section


def test_the_public_page_is_in_english_on_request(app):
    pid = project(app, "凤凰新村", milestones=True)
    section = progress_section(text(app.test_client().get(f"/projects/{pid}?lang=en")))
    assert "Overall progress" in section and "75.0%" in section
    assert "weighted by planned quantity" in section


def test_the_staff_console_shows_each_projects_figure_and_basis(app):
    with_figure = project(app, "凤凰新村", milestones=True)
    without = project(app, "河海新村", milestones=False)
    html = text(signed_in(app).get("/staff"))
    cards = {
        pid: re.search(rf'<li class="card" id="project-{pid}">.*?</li>', html).group(0)
        for pid in (with_figure, without)
    }
    assert "总体进度：" in cards[with_figure] and "75.0%" in cards[with_figure]
    assert QUANTITY_BASIS in cards[with_figure]
    assert QUANTITY_EXPLANATION in cards[with_figure]  # the badge's title explains it
    assert "总体进度：" in cards[without] and "尚未计划节点" in cards[without]


def test_the_staff_milestones_page_shows_the_figure(app):
    pid = project(app, "凤凰新村", milestones=True)
    html = text(signed_in(app).get(f"/staff/projects/{pid}/milestones"))
    section = progress_section(html)
    assert "75.0%" in section and QUANTITY_BASIS in section


def test_the_figure_moves_with_a_reported_quantity(app):
    pid = project(app, "凤凰新村", milestones=True)
    with app.app_context():
        rt = runtime()
        rt.app.report_milestone_progress(
            UUID(pid),
            "milestone-1",
            {"done_quantity": Decimal("450"), "on_date": TODAY},
            actor=STAFF,
        )
        rt.catch_up()
    # (3/4 + 1) / 2 = 87.5 %
    assert "87.5%" in progress_section(text(app.test_client().get(f"/projects/{pid}")))


def test_the_api_project_read_has_a_progress_object(app):
    pid = project(app, "凤凰新村", milestones=True)
    client = app.test_client()
    chinese = client.get(f"/api/projects/{pid}", headers={"Accept-Language": "zh"}).get_json()
    assert chinese["progress"] == {
        "percent": "75.0",
        "basis": "planned_quantity",
        "basis_label": QUANTITY_BASIS,
        "explanation": "并非每项改造内容都有计划投资额，因此各项内容权重相同；"
        "同一项内容中，各节点按其计划工程量所占份额计权。",
    }
    english = client.get(f"/api/projects/{pid}").get_json()["progress"]
    assert english["basis_label"] == "weighted by planned quantity"
    assert english["explanation"].startswith("Not every content item has a planned cost")
    # as it stood at an earlier version: the last two events are the two reports
    version = chinese["version"]
    one_report = client.get(f"/api/projects/{pid}?version={version - 1}").get_json()
    assert one_report["progress"]["percent"] == "25.0"  # (1/2 + 0) / 2
    no_report = client.get(f"/api/projects/{pid}?version={version - 2}").get_json()
    assert no_report["progress"]["percent"] == "0.0"


def test_the_api_project_read_has_no_figure_without_milestones(app):
    pid = project(app, "河海新村", milestones=False)
    body = app.test_client().get(f"/api/projects/{pid}").get_json()
    assert body["progress"] is None
    document = app.test_client().get("/api/openapi.json").get_json()
    schema = document["components"]["schemas"]["Progress"]["properties"]
    assert set(schema) == {"percent", "basis", "basis_label", "explanation"}


# ---- the registration form: a planned cost per content item -----------------------------------


def form(content_items: str) -> dict[str, str]:
    return {
        "name": "富丽花园",
        "district": "清江浦区",
        "city": "淮安市",
        "flats": "1,1,101,1,68.5,OWN-A\n1,1,102,1,72.3,OWN-B",
        "content_items": content_items,
        "budget": "中央补助资金,1200000",
        "command_id": "0123456789abcdef0123456789abcdef",
    }


def test_the_registration_form_takes_a_planned_cost_per_item(app):
    client = signed_in(app, districts=["*"])
    response = client.post(
        "/staff/projects/new",
        data=form("基础类,雨污分流改造,m,320,900000元\nimprovement\t充电桩\t个\t12\t300000.50"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    pid = response.headers["Location"].rsplit("/", 1)[1]
    items = client.get(f"/api/projects/{pid}").get_json()["content_items"]
    assert [i.get("planned_cost") for i in items] == ["900000", "300000.50"]


def test_a_bad_planned_cost_on_the_form_is_shown_on_its_line_and_nothing_is_written(app):
    client = signed_in(app, districts=["*"])
    response = client.post(
        "/staff/projects/new",
        data=form("基础类,雨污分流改造,m,320,九十万\n提升类,助餐点,处,1\n提升类,花坛,个"),
    )
    html = text_of(response)
    assert response.status_code == 422
    start = html.index('id="content_items-errors"')
    errors = html[start : html.index("</ul>", start)]
    assert "第 1 行，计划投资额（元）：应为数字" in errors
    assert "第 3 行：应有 4 或 5 列" in errors
    assert app.test_client().get("/api/projects").get_json()["total"] == 0
    # a cost finer than a fen is refused by the domain, on its line too
    response = client.post("/staff/projects/new", data=form("基础类,雨污分流改造,m,320,12.345"))
    html = text_of(response)
    assert response.status_code == 422
    start = html.index('id="content_items-errors"')
    assert (
        "第 1 行，计划投资额（元）：最多两位小数（到分）"
        in html[start : html.index("</ul>", start)]
    )
    assert app.test_client().get("/api/projects").get_json()["total"] == 0


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))
