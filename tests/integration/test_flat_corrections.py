"""A flat's area or owner corrected from an effective date: polls opened on or after it count
the corrected values, earlier ones the registered ones; bad corrections are refused by field.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from renovation.domain.base import LOCAL_TZ
from renovation.web import runtime as web_runtime
from tests.conftest import STAFF, bearer, hold_intent_vote, registration, walk
from tests.helpers import register_project


def test_a_vote_counts_the_corrections_in_effect_on_its_opening_day(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "intent_vote")
    # The day the vote opens: hold_intent_vote opens its round an hour before the clock, which
    # in the first hour after midnight in Beijing is still the day before.
    today = (app.now() - timedelta(hours=1)).astimezone(LOCAL_TZ).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    correct = app.correct_flat
    correct(pid, "1-1-101", area=Decimal("100.00"), effective_on=yesterday,
            reason="测绘报告更正", actor=STAFF)
    correct(pid, "1-1-102", area=Decimal("1000.00"), effective_on=tomorrow,
            reason="产权变更", actor=STAFF)
    correct(pid, "1-2-101", owner_ref="O-3", effective_on=today, reason="房屋过户", actor=STAFF)

    result = hold_intent_vote(app, pid, agree=True)
    # registered: 478.80 m², 6 owners; the corrections in effect today add 37.70 m² and make
    # 1-2-101's new owner the owner of 2-1-101 (one owner fewer); tomorrow's is not counted.
    assert Decimal(result["area"]) == Decimal("516.50")
    assert result["owners"] == 5

    project = app.get_project(pid)
    before = {f["number"]: f for f in project.flats(yesterday - timedelta(days=1))
              if f["building"] == "1" and f["unit"] == "1"}
    assert before["101"]["area"] == Decimal("62.30")  # a poll opened earlier: as registered
    later = {f["number"]: f for f in project.flats(tomorrow)
             if f["building"] == "1" and f["unit"] == "1"}
    assert later["101"]["area"] == Decimal("100.00") and later["102"]["area"] == Decimal("1000")
    assert project.find_flat("1-2-101")["owner_ref"] == "O-3"


def test_bad_corrections_are_refused_naming_the_field_and_nothing_is_written(web_app, client):
    pid = register_project(web_app, registration())
    url = f"/api/projects/{pid}/flats/1-1-101/corrections"
    good = {"area": "70.00", "effective_on": "2026-06-01", "reason": "测绘更正"}
    for body, field in (
        ({**good, "reason": ""}, "reason"),
        ({k: v for k, v in good.items() if k != "reason"}, "reason"),
        ({k: v for k, v in good.items() if k != "effective_on"}, "effective_on"),
        ({**good, "area": "-3"}, "area"),
        ({**good, "area": "很多"}, "area"),
        ({"effective_on": "2026-06-01", "reason": "x"}, "area"),
    ):
        refused = client.post(url, json=body, headers=bearer(web_app))
        assert refused.status_code == 422, (body, refused.get_json())
        assert field in refused.get_json()["errors"], (body, refused.get_json())
    unknown = client.post(f"/api/projects/{pid}/flats/9-9-999/corrections", json=good,
                          headers=bearer(web_app))
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "unknown_flat"
    assert client.post(url, json=good).status_code == 401
    with web_app.app_context():
        assert web_runtime().app.get_project(UUID(pid)).flat_corrections == []
    saved = client.post(url, json=good, headers=bearer(web_app))
    assert saved.status_code == 200, saved.get_json()
    with web_app.app_context():
        assert web_runtime().app.get_project(UUID(pid)).find_flat("1-1-101")["area"] == Decimal(
            "70.00"
        )
