"""Schema messages come from the catalogue, in the language of the request: English for the
API unless it asks for Chinese, Chinese on the pages. Nothing matches message text."""

from __future__ import annotations

import pytest

from tests.conftest import bearer, project_payload


def bad_registration(client, web_app, **headers):
    payload = project_payload()
    payload["buildings"][0]["units"][0]["flats"][0]["floor"] = "x"
    payload["community"]["name"] = ""
    payload["content_items"][0]["category"] = "luxury"
    return client.post("/api/projects", json=payload, headers={**bearer(web_app), **headers})


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["must be a whole number", "must be filled in", "must be one of"]),
        ("zh-CN,zh;q=0.9", ["应为整数", "必须填写", "应为以下之一"]),
    ],
)
def test_api_field_messages_are_in_the_asked_language(client, web_app, language, words):
    response = bad_registration(client, web_app, **{"Accept-Language": language})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["buildings.0.units.0.flats.0.floor"] == [words[0]]
    assert errors["community.name"] == [words[1]]
    assert errors["content_items.0.category"][0].startswith(words[2])


def test_out_of_range_numbers_name_the_bound(client, web_app):
    chinese = client.get("/api/projects?per_page=1000", headers={"Accept-Language": "zh"})
    english = client.get("/api/projects?per_page=1000")
    assert chinese.status_code == english.status_code == 422
    assert chinese.get_json()["errors"]["per_page"] == ["应在 1 到 100 之间"]
    assert english.get_json()["errors"]["per_page"] == ["must be between 1 and 100"]


def test_a_route_s_one_schema_answers_each_request_in_its_own_language(
    client, web_app, monkeypatch
):
    """The API makes a route's argument schema once, not per request; its messages are still
    worded in each request's language, asked for in turn on the same route."""
    from renovation.web.api.schemas import ProjectCreateSchema

    made = []
    original = ProjectCreateSchema.__init__
    monkeypatch.setattr(
        ProjectCreateSchema,
        "__init__",
        lambda self, *a, **k: (made.append(self), original(self, *a, **k))[1],
    )
    for language, word in [
        ("en", "must be filled in"),
        ("zh", "必须填写"),
        ("en", "must be filled in"),
    ]:
        response = bad_registration(client, web_app, **{"Accept-Language": language})
        assert response.status_code == 422
        assert response.get_json()["errors"]["community.name"] == [word]
    assert made == []
