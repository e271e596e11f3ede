"""The district dashboard, its charts and exports, and the programme year and batch, through
Flask's test client on SQLite and PostgreSQL, with the demo loaded."""

from __future__ import annotations

import base64
import csv
import io
import re
from decimal import Decimal
from html import unescape
from urllib.parse import unquote
from uuid import UUID

import pytest
from openpyxl import load_workbook

from events.investment import InvestmentSpent
from renovation import accounts
from renovation.demo import load_demo
from renovation.demo_payments import BUILT, PAID_SHARE, PURPOSES, SETTLEMENT
from renovation.reports.contexts import money
from renovation.web import runtime
from tests.helpers import add_user, make_app, signed_in

DISTRICT = "清江浦区"


@pytest.fixture
def app(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    with app.app_context():
        load_demo(runtime().app)
        runtime().catch_up()
    yield app
    app.extensions["renovation"].close()


def project_id(app, name: str) -> str:
    client = app.test_client()
    items = client.get("/api/projects", query_string={"q": name}).get_json()["items"]
    return items[0]["id"]


def svgs(html: str) -> list[str]:
    return [
        base64.b64decode(src).decode()
        for src in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]


def test_the_dashboard_shows_the_figures_in_chinese_with_four_charts_and_no_inline_script(app):
    response = app.test_client().get(f"/districts/{DISTRICT}")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "清江浦区：老旧小区改造数据" in html and "受益户数" in html and "满意率" in html
    charts = svgs(html)
    assert len(charts) == 4
    assert all(c.startswith("<svg") and "<script" not in c for c in charts)
    assert "施工中" in charts[0] and "雨污分流改造" in charts[1]
    # The page's policy forbids inline script and style: the charts are images.
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html
    assert re.search(r"<svg|<style", html) is None


def test_the_dashboard_of_a_year_and_an_unknown_district(app):
    client = app.test_client()
    html = client.get(f"/districts/{DISTRICT}?year=2024").get_data(as_text=True)
    assert "幸福里" in html and "凤凰新村" not in html
    assert client.get("/districts/无此区").status_code == 404


def test_the_city_page_sums_every_district_and_links_to_each(app):
    client = app.test_client()
    city = client.get("/api/figures").get_json()["figures"]
    districts = {p["district"] for p in client.get("/api/projects").get_json()["items"]}
    per_district = [
        client.get(f"/api/districts/{d}/figures").get_json()["figures"] for d in districts
    ]
    for key in ("projects", "households", "households_benefited", "lifts_proposed"):
        assert city[key] == sum(f[key] for f in per_district), key
    html = unescape(client.get("/").get_data(as_text=True))
    assert 'href="/districts"' in html
    html = unescape(client.get("/districts").get_data(as_text=True))
    assert "全市老旧小区改造数据" in html and all(
        f"/districts/{d}" in unquote(html) for d in districts
    )


def test_the_xlsx_export_holds_the_figures_under_chinese_headers(app):
    client = app.test_client()
    figures = client.get(f"/api/districts/{DISTRICT}/figures").get_json()["figures"]
    response = client.get(f"/api/districts/{DISTRICT}/figures.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = {r[0]: r[1] for r in book["指标"].iter_rows(values_only=True)}
    assert rows["指标"] == "数值"
    assert rows["项目数"] == figures["projects"]
    assert rows["受益户数"] == figures["households_benefited"]
    assert rows["采纳率"] == figures["opinions"]["adoption_rate"]
    items = list(book["改造内容"].iter_rows(values_only=True))
    assert items[0][:3] == ("类别", "改造内容", "单位")
    assert len(items) == len(figures["items"]) + 1


def test_the_project_list_as_csv_and_xlsx(app):
    client = app.test_client()
    text = client.get(f"/api/districts/{DISTRICT}/projects.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["项目", "区县", "年度", "批次", "阶段"]
    assert {r[0] for r in rows[1:]} >= {"凤凰新村", "幸福里"}
    book = load_workbook(io.BytesIO(client.get(f"/api/districts/{DISTRICT}/projects.xlsx").data))
    assert book.active.max_row == len(rows)


def test_staff_set_the_programme_year_through_the_api_and_bad_years_are_refused(app):
    add_user(app, "api-staff")
    with app.app_context():
        token = {"Authorization": f"Bearer {accounts.issue_token(runtime().engine, 'api-staff')}"}
    client = app.test_client()
    pid = project_id(app, "凤凰新村")
    url = f"/api/projects/{pid}/programme"
    for body, field in (({"year": 2018}, "year"), ({"year": "2025"}, "year"), ({}, "year")):
        refused = client.post(url, json=body, headers=token)
        assert refused.status_code == 422, body
        assert field in str(refused.get_json()), body
    too_long = client.post(url, json={"year": 2026, "batch": "批" * 41}, headers=token)
    assert too_long.status_code == 422 and "batch" in str(too_long.get_json())
    saved = client.post(url, json={"year": 2026, "batch": "第三批"}, headers=token)
    assert saved.status_code == 200
    assert app.test_client().post(url, json={"year": 2026}).status_code in (401, 403)
    page = unescape(client.get(f"/projects/{pid}").get_data(as_text=True))
    assert "年度" in page and "2026" in page and "第三批" in page
    assert len(svgs(page)) == 1  # the plan-against-done chart


def test_the_staff_dashboard_shows_workload_and_refuses_a_bad_year_naming_it(app):
    client = signed_in(app)
    console = unescape(client.get("/staff").get_data(as_text=True))
    assert f"/staff/districts/{DISTRICT}" in unquote(console)
    html = unescape(client.get(f"/staff/districts/{DISTRICT}").get_data(as_text=True))
    assert "各项目待办" in html and "待答复意见" in html
    pid = project_id(app, "凤凰新村")
    refused = client.post(f"/staff/projects/{pid}/programme", data={"year": "1999", "batch": ""})
    assert refused.status_code == 422
    assert "年度：须为2019至2100年之间的年份" in unescape(refused.get_data(as_text=True))
    saved = client.post(
        f"/staff/projects/{pid}/programme", data={"year": "2027", "batch": "第一批"}
    )
    assert saved.status_code == 303
    assert client.get("/api/projects?q=凤凰新村").get_json()["items"][0]["year"] == 2027


def test_the_stats_read_only_the_figures_of_the_year_asked(app):
    client = app.test_client()
    every = client.get("/api/stats").get_json()
    of_2024 = client.get("/api/stats", query_string={"year": 2024}).get_json()
    assert 0 < len(of_2024["projects"]) < len(every["projects"])
    assert client.get("/api/stats", query_string={"year": 1990}).status_code == 422


def demo_payments(app) -> dict[str, list[InvestmentSpent]]:
    """Each demo project's payment events, by project id, straight from the event store."""
    with app.app_context():
        ids = [p["id"] for p in app.test_client().get("/api/projects").get_json()["items"]]
        return {
            pid: [
                e
                for e in runtime().app.project_history(UUID(pid))
                if isinstance(e, InvestmentSpent)
            ]
            for pid in ids
        }


def test_the_demo_pays_within_each_source_plan_and_a_second_load_pays_nothing_again(app):
    client = app.test_client()
    figures = client.get(f"/api/districts/{DISTRICT}/figures").get_json()["figures"]
    lines = figures["investment"]
    assert {line["source"] for line in lines} == {
        "中央财政补助资金",
        "省级奖补资金",
        "市县配套资金",
        "居民出资",
    }
    for line in lines:
        assert 0 < Decimal(line["spent"]) <= Decimal(line["planned"]), line
        assert not line["over_plan"], line
    assert Decimal(figures["investment_spent"]) == sum(Decimal(line["spent"]) for line in lines)
    html = unescape(client.get(f"/districts/{DISTRICT}").get_data(as_text=True))
    assert "超出计划" not in html
    for line in lines:  # the dashboard's table row of each source shows what it paid
        row = f'<th scope="row">{line["source"]}</th><td class="num">{money(line["planned"])}'
        assert f'{row}</td><td class="num">{money(line["spent"])}</td>' in html, line

    before = demo_payments(app)
    with app.app_context():
        today = runtime().app.today()
        for pid, payments in before.items():
            project = runtime().app.get_project(UUID(pid))
            low, high = PAID_SHARE.get(project.stage, (0, 0))
            assert bool(payments) == (high > 0), project.community["name"]
            for line in project.investment():  # every source, a share of its plan by the stage
                assert low <= line["spent"] * 10000 / line["planned"] <= high, line
            assert len({p.voucher for p in payments}) == len(payments)
            for p in payments:
                assert project.registered_on() <= p.paid_on <= today
                assert p.amount == p.amount.quantize(Decimal("0.01")) and p.amount > 0
                assert p.purpose in (*PURPOSES, SETTLEMENT) and p.voucher
            if project.stage in BUILT:  # each source's last payment settles it
                for source in {p.source for p in payments}:
                    assert [p for p in payments if p.source == source][-1].purpose == SETTLEMENT
        head = runtime().app.recorder.max_notification_id()
        load_demo(runtime().app)
        assert runtime().app.recorder.max_notification_id() == head
    assert demo_payments(app) == before
