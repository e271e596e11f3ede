"""Rate limits held per client across every worker: the package's dependencies, the buckets the
API and the forms share, the code checks, and two gunicorn workers counting in one Redis."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.helpers import make_app
from tests.web.test_participation_pages import (
    GOOD_BALLOT,
    ballots,
    issue_codes,
    open_round,
    register,
)

ROOT = Path(__file__).resolve().parents[2]
API_BALLOT = {"q1": ["雨污管网"], "q2": "愿意"}


def test_redis_is_a_dependency_of_the_package_not_only_of_the_tests():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [
        dep.split(">")[0].split("=")[0].split("[")[0].strip() for dep in project["dependencies"]
    ]
    assert "redis" in names
    assert "flask-limiter" in names


# ---- one bucket per client and family, whichever door (in one process, memory storage) ------


@pytest.fixture
def limited(make_module_app):
    """The app with rate limits on: 3 writes and 4 code checks a minute per client, on SQLite
    and on PostgreSQL (one database of each for the module: the limits count in memory)."""
    return make_module_app(
        RATELIMIT_ENABLED=True,
        PUBLIC_WRITE_RATE_LIMIT="3/minute",
        CODE_CHECK_RATE_LIMIT="4/minute",
    )


def test_an_opinion_by_the_form_and_one_by_the_api_count_against_one_bucket(limited):
    project_id = register(limited)
    client = limited.test_client()
    form = {"category": "construction", "text": "楼道施工噪声太大。"}
    answers = [
        client.post(f"/projects/{project_id}/opinions/new", data=form).status_code,
        client.post(f"/api/projects/{project_id}/opinions", json=form).status_code,
        client.post(f"/projects/{project_id}/opinions/new", data=form).status_code,
        client.post(f"/api/projects/{project_id}/opinions", json=form).status_code,
        client.post(f"/projects/{project_id}/opinions/new", data=form).status_code,
    ]
    assert answers == [200, 201, 200, 429, 429]
    # Another client has a bucket of its own; reading the form is not counted.
    other = {"REMOTE_ADDR": "10.0.0.2"}
    assert (
        client.post(
            f"/api/projects/{project_id}/opinions", json=form, environ_base=other
        ).status_code
        == 201
    )
    assert client.get(f"/projects/{project_id}/opinions/new").status_code == 200


def test_a_ballot_by_the_form_and_one_by_the_api_count_against_one_bucket(limited):
    project_id = register(limited)
    consultation_id = open_round(limited, project_id)
    codes = list(issue_codes(limited, project_id).values())
    client = limited.test_client()
    api = f"/api/projects/{project_id}/consultations/{consultation_id}/votes"
    page = f"/projects/{project_id}/vote"
    answers = [
        client.post(api, json={"code": codes[0], "answers": API_BALLOT}).status_code,
        client.post(page, data={"consultation": consultation_id, "code": codes[1], **GOOD_BALLOT}),
        client.post(api, json={"code": codes[2], "answers": API_BALLOT}).status_code,
        client.post(page, data={"consultation": consultation_id, "code": codes[3], **GOOD_BALLOT}),
    ]
    statuses = [a if isinstance(a, int) else a.status_code for a in answers]
    assert statuses == [201, 200, 201, 429]
    assert ballots(limited, project_id, consultation_id) == 3
    refused = answers[3]
    assert "尝试次数过多" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"].isdigit()


def test_household_code_checks_on_the_vote_page_and_the_api_are_limited(limited):
    project_id = register(limited)
    consultation_id = open_round(limited, project_id)
    client = limited.test_client()
    page = f"/projects/{project_id}/vote"
    api = f"/api/projects/{project_id}/consultations/{consultation_id}/votes"
    guesses = [
        client.get(page, query_string={"code": f"AAAA-AAA{n}"}).status_code for n in range(3)
    ]
    guesses.append(client.post(api, json={"code": "BBBB-BBBB", "answers": API_BALLOT}).status_code)
    refused = client.get(page, query_string={"code": "CCCC-CCCC"})
    refused_api = client.post(
        api,
        json={"code": "DDDD-DDDD", "answers": API_BALLOT},
        headers={"Accept-Language": "zh"},
    )
    # Three page checks and one API ballot fill the bucket of four; the fifth guess is refused
    # before the code is looked at, on the page in Chinese and over the API with its code.
    assert guesses == [200, 200, 200, 422]
    assert refused.status_code == 429 and "尝试次数过多" in refused.get_data(as_text=True)
    assert refused_api.status_code == 429
    body = refused_api.get_json()
    assert body["code"] == "rate_limited"
    assert body["message"] == "来自此地址的请求过多：每 60 秒最多 4 次。请稍候再试。"
    assert body["params"] == {"count": 4, "seconds": 60}
    # The vote page without a code checks nothing and stays open.
    assert client.get(page).status_code == 200


def test_tracking_code_lookups_on_the_page_and_the_api_are_limited(limited):
    project_id = register(limited)
    client = limited.test_client()
    form = {"category": "construction", "text": "楼道施工噪声太大。"}
    code = client.post(f"/api/projects/{project_id}/opinions", json=form).get_json()[
        "tracking_code"
    ]
    answers = [
        client.get(f"/api/opinions/{code}").status_code,
        client.get(f"/opinions/{code}").status_code,
        client.get("/api/opinions/ZZZZZZZZ").status_code,
        client.get("/opinions/track", query_string={"code": "ZZZZZZZZ"}).status_code,
        client.get(f"/api/opinions/{code}").status_code,
        client.get(f"/opinions/{code}").status_code,
    ]
    assert answers == [200, 200, 404, 302, 429, 429]
    refused = client.get(f"/api/opinions/{code}").get_json()
    assert refused["code"] == "rate_limited"
    assert refused["message"] == (
        "Too many requests from this address: at most 4 every 60 seconds. "
        "Please wait a moment and try again."
    )
    # The empty lookup form names no code and is not counted.
    assert client.get("/opinions/track").status_code == 200


def test_the_code_check_limit_is_its_own_setting(make_module_app):
    app = make_module_app(RATELIMIT_ENABLED=True, CODE_CHECK_RATE_LIMIT="2/minute")
    client = app.test_client()
    answers = [client.get("/api/opinions/ZZZZZZZZ").status_code for _ in range(3)]
    assert answers == [404, 404, 429]


def test_the_openapi_document_declares_the_lookups_429(tmp_path):
    app = make_app(tmp_path)
    try:
        spec = app.test_client().get("/api/openapi.json").get_json()
    finally:
        app.extensions["renovation"].close()
    answer = spec["paths"]["/api/opinions/{tracking_code}"]["get"]["responses"]["429"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Refusal"
    }


def test_a_lift_vote_by_the_form_and_one_by_the_api_count_against_one_bucket(limited):
    from tests.web.test_lift_pages import LIFT, propose
    from tests.web.test_lift_pages import issue_codes as lift_codes
    from tests.web.test_lift_pages import register as register_unit

    project_id = register_unit(limited)
    propose(limited, project_id)
    code = lift_codes(limited, project_id)["3-1-502"]
    client = limited.test_client()
    page = f"/projects/{project_id}/lifts/{LIFT}/vote"
    api = f"/api/projects/{project_id}/lifts/{LIFT}/votes"
    answers = [
        client.post(page, data={"code": code, "choice": "agree"}).status_code,
        client.post(api, json={"code": code, "choice": "agree"}).status_code,
        client.post(page, data={"code": code, "choice": "disagree"}).status_code,
        client.post(api, json={"code": code, "choice": "agree"}).status_code,
        client.post(page, data={"code": code, "choice": "agree"}).status_code,
    ]
    assert answers == [302, 201, 302, 429, 429]
