"""Investment spent per funding source (资金支付): the API and the staff page, on SQLite and
PostgreSQL — good payments, every kind of bad one (nothing recorded), who may record them,
and the district figures, their past dates and exports, against a tally of the events."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from uuid import UUID

import pytest
from openpyxl import load_workbook

from events.investment import InvestmentSpent
from renovation.projections.figures_sum import district_figures, figure_states
from renovation.web import runtime
from tests.conftest import bearer, project_payload, registration
from tests.helpers import pdf_text, register_project, signed_in

DISTRICT = "清江浦区"
CENTRAL, RESIDENTS = "中央补助资金", "居民出资"  # planned 1,200,000.00 and 50,000.50


def today(app) -> date:
    with app.app_context():
        return runtime().app.today()


def payment(day: date, **changes) -> dict:
    return {
        "source": CENTRAL,
        "amount": "300000.00",
        "paid_on": day.isoformat(),
        "purpose": "雨污分流工程进度款",
        "voucher": "记-2026-001",
        **changes,
    }


def page_form(app, **changes) -> dict:
    """The staff page's form, filled in as a clerk would."""
    form = {
        "source": CENTRAL,
        "amount": "100.00",
        "paid_on": today(app).isoformat(),
        "purpose": "设计费",
        "voucher": "记-1",
    }
    return {**form, **changes}


def spend(client, pid: str, body: dict, headers: dict):
    return client.post(f"/api/projects/{pid}/investment-spending", json=body, headers=headers)


def payments_of(app, pid: str) -> list[dict]:
    with app.app_context():
        return runtime().app.get_project(UUID(pid)).payments()


@pytest.fixture
def project(web_app):
    return register_project(web_app, registration())


def test_a_payment_is_recorded_and_its_source_shows_planned_and_spent(web_app, client, project):
    day = today(web_app)
    answer = spend(client, project, payment(day), bearer(web_app))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["line"] == {
        "source": CENTRAL,
        "planned": "1200000.00",
        "spent": "300000.00",
        "over_plan": False,
    }
    assert answer.headers["ETag"] == f'"{body["version"]}"'
    listed = client.get(f"/api/projects/{project}/investment-spending", headers=bearer(web_app))
    lines = {line["source"]: line for line in listed.get_json()}
    assert lines[CENTRAL]["payments"][0]["voucher"] == "记-2026-001"
    assert lines[RESIDENTS]["spent"] == "0"
    figures = client.get(f"/api/districts/{DISTRICT}/figures").get_json()["figures"]
    central = next(i for i in figures["investment"] if i["source"] == CENTRAL)
    assert central == {
        "source": CENTRAL,
        "planned": "1200000",
        "spent": "300000",
        "spent_rate": "25.0%",
        "over_plan": False,
    }
    assert figures["investment_spent"] == "300000"


def test_the_same_idempotency_key_records_one_payment(web_app, client, project):
    headers = {**bearer(web_app), "Idempotency-Key": "pay-1"}
    first = spend(client, project, payment(today(web_app)), headers)
    again = spend(client, project, payment(today(web_app)), headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json()["replayed"] is True
    assert again.get_json()["line"]["spent"] == "300000.00"
    assert len(payments_of(web_app, project)) == 1


def test_spending_beyond_the_plan_is_recorded_and_flagged(web_app, client, project):
    day = today(web_app)
    answer = spend(
        client, project, payment(day, source=RESIDENTS, amount="50000.51"), bearer(web_app)
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["line"]["over_plan"] is True
    figures = client.get(f"/api/districts/{DISTRICT}/figures").get_json()["figures"]
    residents = next(i for i in figures["investment"] if i["source"] == RESIDENTS)
    assert residents["over_plan"] is True and residents["spent"] == "50000.51"


def bad_cases(day: date) -> list:
    return [
        ({"source": "省级补助资金"}, "source", "funding sources: 中央补助资金, 居民出资"),
        ({"amount": "-100"}, "amount", None),
        ({"amount": "0"}, "amount", None),
        ({"amount": "100.005"}, "amount", "two decimals"),
        ({"amount": "很多"}, "amount", None),
        ({"paid_on": (day + timedelta(days=1)).isoformat()}, "paid_on", "not be after today"),
        (
            {"paid_on": (day - timedelta(days=1)).isoformat()},
            "paid_on",
            "before the project was registered",
        ),
        ({"paid_on": "2026-13-01"}, "paid_on", None),
        ({"purpose": ""}, "purpose", None),
        ({"voucher": ""}, "voucher", None),
        ({"voucher": "号" * 61}, "voucher", None),
        ({"voucher": "  "}, "voucher", "must not be empty"),
    ]


@pytest.mark.parametrize("case", range(12))
def test_a_bad_payment_is_refused_naming_its_field_and_nothing_is_recorded(
    web_app, client, project, case
):
    day = today(web_app)
    changes, field, says = bad_cases(day)[case]
    answer = spend(client, project, payment(day, **changes), bearer(web_app))
    body = answer.get_json()
    assert answer.status_code == 422, body
    assert field in body["errors"] and body["errors"][field][0]
    if says is not None:  # refused by the rules of the trade, in the catalogue's words
        assert body["code"] == "invalid_data" and says in body["errors"][field][0], body
    assert payments_of(web_app, project) == []


def test_a_voucher_number_is_recorded_once(web_app, client, project):
    day = today(web_app)
    assert spend(client, project, payment(day), bearer(web_app)).status_code == 200
    again = spend(client, project, payment(day, amount="5.00"), bearer(web_app))
    assert again.status_code == 422
    assert "voucher" in again.get_json()["errors"]
    assert len(payments_of(web_app, project)) == 1


def test_only_staff_of_the_district_record_or_read_payments(web_app, client, project):
    day = today(web_app)
    url = f"/api/projects/{project}/investment-spending"
    assert spend(client, project, payment(day), {}).status_code == 401
    assert spend(client, project, payment(day), bearer(web_app, "other_staff")).status_code == 403
    assert spend(client, project, payment(day), bearer(web_app, "auditor")).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(web_app, "other_staff")).status_code == 403
    assert payments_of(web_app, project) == []
    assert spend(client, project, payment(day), bearer(web_app, "admin")).status_code == 200


def tally_spent(app, project_ids: list[str], day: date) -> dict[str, Decimal]:
    """Spent per source, counted from the stored events (paid on or before ``day``)."""
    spent: dict[str, Decimal] = {}
    with app.app_context():
        for pid in project_ids:
            for event in runtime().app.project_history(UUID(pid)):
                if isinstance(event, InvestmentSpent) and event.paid_on <= day:
                    spent[event.source] = spent.get(event.source, Decimal(0)) + event.amount
    return spent


def test_the_figures_equal_a_tally_of_the_events_and_count_payments_by_the_day_paid(
    web_app, client
):
    first = register_project(web_app, registration())
    second = register_project(web_app, registration(project_payload(name="幸福小区")))
    day = today(web_app)
    with web_app.app_context():
        app = runtime().app
        real_clock = app.clock
        app.clock = lambda: real_clock() + timedelta(days=60)
    try:
        for pid, n, amount, later in [
            (first, 1, "100000.10", 0),
            (first, 2, "200000.20", 20),
            (second, 3, "30000.30", 45),
            (second, 4, "40000.00", 10),
        ]:
            body = payment(day + timedelta(days=later), amount=amount, voucher=f"记-{n}")
            if n == 4:
                body["source"] = RESIDENTS
            assert spend(client, pid, body, bearer(web_app)).status_code == 200
    finally:
        with web_app.app_context():
            runtime().app.clock = real_clock
    for as_of in (day, day + timedelta(days=15), day + timedelta(days=30), day + timedelta(60)):
        expected = tally_spent(web_app, [first, second], as_of)
        figures = client.get(
            f"/api/districts/{DISTRICT}/figures", query_string={"as_of": as_of.isoformat()}
        ).get_json()["figures"]
        found = {i["source"]: Decimal(i["spent"]) for i in figures["investment"]}
        assert found == {CENTRAL: expected.get(CENTRAL, 0), RESIDENTS: expected.get(RESIDENTS, 0)}
        assert Decimal(figures["investment_spent"]) == sum(expected.values(), Decimal(0))
    assert tally_spent(web_app, [first, second], day + timedelta(days=30)) == {
        CENTRAL: Decimal("300000.30"),
        RESIDENTS: Decimal("40000.00"),
    }
    with web_app.app_context():
        engine = runtime().engine
        assert figure_states(engine, district=DISTRICT, as_of=day - timedelta(days=1)) == []
        now = district_figures(figure_states(engine, district=DISTRICT), today=day)
    # Today's figures hold only what was paid by today.
    assert {i["source"]: i["spent"] for i in now["investment"]} == {
        CENTRAL: "100000.1",
        RESIDENTS: "0",
    }


def test_the_exports_hold_planned_and_spent_under_chinese_headers(web_app, client, project):
    assert spend(client, project, payment(today(web_app)), bearer(web_app)).status_code == 200
    response = client.get(f"/api/districts/{DISTRICT}/figures.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book["指标"].iter_rows(values_only=True))
    by_name = {r[0]: r for r in rows if r and r[0]}
    assert by_name["已支付投资（元）"][1] == 300000
    header = by_name["资金来源"]
    assert header[:4] == ("资金来源", "计划", "已支付", "支付进度")
    assert by_name[CENTRAL][1:4] == (1200000, 300000, "25.0%")
    text = client.get(f"/api/districts/{DISTRICT}/figures.csv").data.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert ["资金来源", "计划", "已支付", "支付进度", "超出计划"] in csv_rows
    assert [CENTRAL, "1200000", "300000", "25.0%", ""] in csv_rows
    projects = load_workbook(
        io.BytesIO(client.get(f"/api/districts/{DISTRICT}/projects.xlsx").data)
    ).active
    header, line = list(projects.iter_rows(values_only=True))[:2]
    assert line[header.index("已支付投资（元）")] == 300000


def test_the_staff_page_records_payments_and_shows_planned_against_spent(pages_app):
    pid = register_project(pages_app, registration())
    client = signed_in(pages_app)
    url = f"/staff/projects/{pid}/investment"
    console = unescape(client.get("/staff").get_data(as_text=True))
    assert url in console
    page = unescape(client.get(url).get_data(as_text=True))
    assert "资金：凤凰新村" in page and "尚未登记支付。" in page and CENTRAL in page
    form = page_form(pages_app, amount="300000.00", purpose="进度款")
    done = client.post(url, data=form, follow_redirects=True)
    html = unescape(done.get_data(as_text=True))
    assert done.status_code == 200
    assert "凭证号为记-1的支付已登记。" in html and "进度款" in html and "25.0%" in html
    over = client.post(
        url,
        data={**form, "source": RESIDENTS, "amount": "60000", "voucher": "记-2"},
        follow_redirects=True,
    )
    html = unescape(over.get_data(as_text=True))
    assert "超出计划" in html and 'class="over-plan"' in html and "请与计划核对调整" in html
    assert len(payments_of(pages_app, pid)) == 2


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"source": "省级补助资金"}, "资金来源：应为本项目的资金来源之一"),
        ({"amount": "-5"}, "支付金额（元）："),
        ({"amount": "0"}, "支付金额（元）："),
        ({"amount": "1.005"}, "支付金额（元）："),
        ({"amount": "1E+40"}, "支付金额（元）："),
        ({"amount": "NaN"}, "支付金额（元）："),
        ({"amount": ""}, "支付金额（元）："),
        ({"paid_on": "2999-01-01"}, "支付日期："),
        ({"paid_on": "2020-01-01"}, "支付日期：不得早于项目登记日期"),
        ({"paid_on": "昨天"}, "支付日期："),
        ({"purpose": ""}, "支付用途："),
        ({"voucher": "记-1"}, "凭证号：凭证号记-1已登记"),
    ],
)
def test_the_staff_page_names_a_refused_field_in_chinese_and_keeps_the_form(
    pages_app, changes, says
):
    pid = register_project(pages_app, registration())
    client = signed_in(pages_app)
    url = f"/staff/projects/{pid}/investment"
    form = page_form(pages_app)
    if "voucher" in changes:
        assert client.post(url, data=form).status_code == 303
    refused = client.post(url, data={**form, "purpose": "设计费二", **changes})
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert says in html
    if "purpose" not in changes:
        assert 'value="设计费二"' in html  # what was typed is kept
    assert len(payments_of(pages_app, pid)) == (1 if "voucher" in changes else 0)


def test_only_staff_of_the_district_reach_the_page(pages_app):
    pid = register_project(pages_app, registration())
    url = f"/staff/projects/{pid}/investment"
    assert pages_app.test_client().get(url).status_code == 302  # off to the sign-in page
    other = signed_in(pages_app, username="other", districts=("天宁区",))
    assert other.get(url).status_code == 403
    form = page_form(pages_app)
    assert other.post(url, data=form).status_code == 403
    assert payments_of(pages_app, pid) == []


def test_the_district_report_and_the_dashboard_show_planned_against_spent(
    web_app, client, project, tmp_path
):
    day = today(web_app)
    body = payment(day, source=RESIDENTS, amount="60000.00")
    assert spend(client, project, body, bearer(web_app)).status_code == 200
    report = client.get(f"/api/districts/{DISTRICT}/report.pdf")
    assert report.status_code == 200
    text = pdf_text(report.data, tmp_path, squeeze=True)
    assert "各资金来源投资：计划与已支付" in text
    assert "已支付" in text and "120.0%超出计划" in text and "60000" in text
    page = unescape(client.get(f"/districts/{DISTRICT}").get_data(as_text=True))
    assert "各资金来源投资：计划与已支付" in page and "已支付（元）" in page
    assert 'class="over-plan"' in page and "超出计划" in page


def test_the_public_project_page_shows_planned_against_spent(web_app, client, project):
    spend(client, project, payment(today(web_app)), bearer(web_app))

    page = unescape(client.get(f"/projects/{project}").get_data(as_text=True))

    money = page[page.index('id="budget-heading"') :]
    money = money[: money.index("</section>")]
    assert "计划（元）" in money and "已支付（元）" in money and "支付进度" in money
    central = money[money.index(CENTRAL) :]
    central = central[: central.index("</tr>")]
    assert "1,200,000.00" in central and "300,000.00" in central and "25.0%" in central
    residents = money[money.index(RESIDENTS) :]
    residents = residents[: residents.index("</tr>")]
    assert "50,000.50" in residents and "0.00" in residents
    assert "按支付日期计" in money
