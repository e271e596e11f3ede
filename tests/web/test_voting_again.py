"""Voting again on the vote page: a household that has voted sees when, with its earlier
choices filled in; a closed round shows its result instead of a form and refuses votes."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from renovation.web import runtime
from tests.web.test_participation_pages import (
    GOOD_BALLOT,
    events,
    issue_codes,
    move_clock,
    open_round,
    register,
    text,
)


@pytest.fixture(name="app")
def _app(pages_app):
    return pages_app


@pytest.fixture
def client(app):
    return app.test_client()


def voted(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]
    sent = client.post(
        f"/projects/{project_id}/vote",
        data={"consultation": consultation_id, "code": code, **GOOD_BALLOT},
    )
    assert sent.status_code == 200
    return project_id, consultation_id, code


def test_a_household_checking_its_code_sees_when_it_voted_and_its_choices(app, client):
    project_id, consultation_id, code = voted(app, client)
    url = f"/projects/{project_id}/vote"

    # The QR link's code, checked by the page's script (the form with intent=check).
    checked = client.post(
        url, data={"consultation": consultation_id, "code": code, "intent": "check"}
    )
    # An older slip's ?code= link.
    linked = client.get(url, query_string={"code": code})

    for response in (checked, linked):
        html = text(response)
        assert response.status_code == 200
        assert "您已于" in html and "投票" in html
        assert "新的投票将替换之前的投票" in html
        assert 'value="雨污管网" checked' in html and 'value="充电设施" checked' in html
        assert 'value="加装电梯" checked' not in html
        assert 'value="愿意" checked' in html and 'value="4" checked' in html
        assert ">多种树</textarea>" in html
    assert linked.headers["Cache-Control"] == checked.headers["Cache-Control"] == "no-store"


def test_the_time_of_the_vote_is_in_beijing_time(app, client):
    project_id, consultation_id, code = voted(app, client)
    with app.app_context():
        project = runtime().app.get_project(UUID(project_id))
        cast_at = project.rounds[consultation_id]["ballots"]["1-1-101"]["cast_at"]
    from renovation.reports.contexts import local_time

    html = text(client.get(f"/projects/{project_id}/vote", query_string={"code": code}))

    assert f"您已于 {local_time(cast_at)} 投票" in html


def test_earlier_choices_are_never_shown_without_the_code(app, client):
    project_id, consultation_id, code = voted(app, client)
    url = f"/projects/{project_id}/vote"
    other = issue_codes(app, project_id)  # new codes: the old one no longer works

    plain = text(client.get(url))
    wrong = client.post(
        url, data={"consultation": consultation_id, "code": "AAAAA-BBBBB", "intent": "check"}
    )
    lapsed = client.post(
        url, data={"consultation": consultation_id, "code": code, "intent": "check"}
    )
    not_yet = text(client.get(url, query_string={"code": other["1-1-102"]}))

    assert "您已于" not in plain and "checked" not in plain and "多种树" not in plain
    for response in (wrong, lapsed):
        assert response.status_code == 422
        assert "这个户码与本小区不符" in text(response) and "多种树" not in text(response)
    assert "您已于" not in not_yet and "多种树" not in not_yet


def test_checking_a_code_writes_nothing(app, client):
    project_id, consultation_id, code = voted(app, client)
    before = events(app)

    client.post(
        f"/projects/{project_id}/vote",
        data={"consultation": consultation_id, "code": code, "intent": "check", **GOOD_BALLOT},
    )
    empty = client.post(
        f"/projects/{project_id}/vote", data={"consultation": consultation_id, "intent": "check"}
    )

    assert empty.status_code == 422 and "请输入信上的户码" in text(empty)
    assert events(app) == before


def test_a_new_vote_replaces_the_earlier_one_and_is_shown_next_time(app, client):
    project_id, consultation_id, code = voted(app, client)
    url = f"/projects/{project_id}/vote"

    again = client.post(
        url, data={"consultation": consultation_id, "code": code, "q-q1": "加装电梯"}
    )
    html = text(client.get(url, query_string={"code": code}))

    assert again.status_code == 200 and "这次投票替换了您之前的投票" in text(again)
    assert 'value="加装电梯" checked' in html and 'value="雨污管网" checked' not in html


def test_after_the_close_the_page_shows_the_result_and_refuses_a_vote(app, client):
    project_id, consultation_id, code = voted(app, client)
    url = f"/projects/{project_id}/vote"
    move_clock(app, timedelta(days=8))
    with app.app_context():
        from tests.conftest import STAFF

        runtime().app.close_consultation(UUID(project_id), consultation_id, actor=STAFF)
        runtime().catch_up()
    before = events(app)

    page = client.get(url, query_string={"consultation": consultation_id})
    checked = client.post(
        url, data={"consultation": consultation_id, "code": code, "intent": "check"}
    )
    late = client.post(url, data={"consultation": consultation_id, "code": code, **GOOD_BALLOT})

    for response in (page, checked):
        html = text(response)
        assert response.status_code == 200
        assert "结果" in html and "不再接受投票" in html
        assert 'name="code"' not in html
    assert late.status_code == 409
    assert "投票已于" in text(late) and "您的投票未被记录" in text(late)
    assert 'name="code"' not in text(late)
    assert events(app) == before


def test_a_vote_after_the_close_is_refused_through_the_api_with_its_code(app, client):
    project_id, consultation_id, code = voted(app, client)
    move_clock(app, timedelta(days=8))
    before = events(app)

    response = client.post(
        f"/api/projects/{project_id}/consultations/{consultation_id}/votes",
        json={"code": code, "answers": {"q1": ["加装电梯"]}},
    )

    assert response.status_code == 409
    assert response.get_json()["code"] == "consultation_closed"
    assert events(app) == before


def test_the_api_gives_a_household_its_own_ballot_by_the_code_in_a_header(app, client):
    project_id, consultation_id, code = voted(app, client)
    url = f"/api/projects/{project_id}/consultations/{consultation_id}/votes/mine"
    fresh = issue_codes(app, project_id, building="2")["2-1-101"]

    mine = client.get(url, headers={"X-Household-Code": code})
    not_yet = client.get(url, headers={"X-Household-Code": fresh})

    assert mine.status_code == 200
    body = mine.get_json()
    assert body["voted"] is True and body["flat"] == "1-1-101" and body["replaceable"] is True
    assert body["answers"] == {
        "q1": ["雨污管网", "充电设施"],
        "q2": "愿意",
        "q3": 4,
        "q4": "多种树",
    }
    assert body["cast_at"] is not None and body["status"] == "open"
    assert not_yet.get_json()["voted"] is False and not_yet.get_json()["answers"] is None


def test_the_api_refuses_a_missing_or_unknown_code_and_says_after_the_close(app, client):
    project_id, consultation_id, code = voted(app, client)
    url = f"/api/projects/{project_id}/consultations/{consultation_id}/votes/mine"

    missing = client.get(url)
    unknown = client.get(url, headers={"X-Household-Code": "AAAAA-BBBBB"})
    in_query = client.get(url, query_string={"code": code})
    move_clock(app, timedelta(days=8))
    closed = client.get(url, headers={"X-Household-Code": code}).get_json()

    assert missing.status_code == 422 and "X-Household-Code" in missing.get_json()["errors"]
    assert unknown.status_code == 422
    assert unknown.get_json()["code"] == "unknown_household_code"
    assert in_query.status_code == 422  # never from the address
    assert closed["replaceable"] is False and closed["status"] == "closed"
    assert closed["voted"] is True
