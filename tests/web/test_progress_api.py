"""Content items registered with a planned cost through the API: the progress figure weighs
items by cost, and a bad cost is refused with its field (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from uuid import UUID

import pytest

from renovation.web import runtime
from tests.conftest import STAFF, bearer, project_payload, walk

COSTS = ("300000.00", "100000.00", "50000")


def with_costs(*costs) -> dict:
    payload = project_payload()
    for item, cost in zip(payload["content_items"], costs, strict=True):
        item["planned_cost"] = cost
    return payload


def register(client, web_app, payload):
    return client.post("/api/projects", json=payload, headers=bearer(web_app))


def build(web_app, pid: str) -> None:
    """雨污分流 300 of a 600 m milestone, all 12 chargers; 社区助餐点 has no milestone."""
    with web_app.app_context():
        rt = runtime()
        app, project_id = rt.app, UUID(pid)
        app.today = lambda: date(2026, 6, 30)
        walk(app, project_id, "in_plan")
        for name, item_id, quantity in (
            ("一期雨污分流", "item-1", "600"),
            ("充电桩", "item-2", "12"),
        ):
            app.plan_milestone(
                project_id,
                {
                    "name": name,
                    "item_id": item_id,
                    "quantity": Decimal(quantity),
                    "planned_start": date(2026, 4, 1),
                    "planned_finish": date(2026, 9, 30),
                },
                actor=STAFF,
            )
        walk(app, project_id, "under_construction")
        for milestone_id, done in (("milestone-1", "300"), ("milestone-2", "12")):
            app.report_milestone_progress(
                project_id,
                milestone_id,
                {"done_quantity": Decimal(done), "on_date": date(2026, 6, 1)},
                actor=STAFF,
            )
        rt.catch_up()


def test_items_with_a_planned_cost_weigh_by_it(client, web_app):
    created = register(client, web_app, with_costs(*COSTS))
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    build(web_app, pid)

    body = client.get(f"/api/projects/{pid}", headers={"Accept-Language": "zh"}).get_json()
    assert [i["planned_cost"] for i in body["content_items"]] == ["300000.00", "100000.00", "50000"]
    # weights 3/4 and 1/4 (社区助餐点 has no milestone): 3/4 × 1/2 + 1/4 × 1 = 5/8
    assert body["progress"]["percent"] == "62.5"
    assert body["progress"]["basis"] == "planned_cost"
    assert body["progress"]["basis_label"] == "按计划投资加权"
    assert body["progress"]["explanation"].startswith("各项改造内容按其计划投资额计权")

    page = unescape(re.sub(r"\s+", " ", client.get(f"/projects/{pid}").get_data(as_text=True)))
    section = re.search(r'<section id="progress".*?</section>', page).group(0)
    assert "62.5%" in section and "按计划投资加权" in section


def test_one_item_with_milestones_without_a_cost_weighs_items_equally(client, web_app):
    payload = with_costs("300000.00", None, "50000")
    pid = register(client, web_app, payload).get_json()["id"]
    build(web_app, pid)
    progress = client.get(f"/api/projects/{pid}").get_json()["progress"]
    assert progress["percent"] == "75.0" and progress["basis"] == "planned_quantity"


@pytest.mark.parametrize("cost", ["-1", "12.345", "0.001", "abc", "NaN", "1E+999999", "1E-999999"])
def test_a_bad_planned_cost_is_refused_with_its_field_and_nothing_is_written(client, web_app, cost):
    response = register(client, web_app, with_costs(cost, "1", "1"))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert "content_items.0.planned_cost" in body["errors"], body
    assert client.get("/api/projects").get_json()["total"] == 0
