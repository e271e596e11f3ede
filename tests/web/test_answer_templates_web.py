"""Staff keep the common answers on a page and over the API; answers already given keep theirs."""

from __future__ import annotations

import pytest

from renovation.answer_templates import DEFAULTS, list_templates
from renovation.web import runtime
from tests.conftest import bearer
from tests.helpers import signed_in


def texts(app) -> list[str]:
    with app.app_context():
        return [t.text for t in list_templates(runtime().engine)]


def test_the_page_lists_adds_changes_and_removes_common_answers(app):
    staff = signed_in(app)
    page = staff.get("/staff/answer-templates").get_data(as_text=True)
    assert DEFAULTS[0] in page and "8" in page

    added = staff.post("/staff/answer-templates", data={"text": "已转交供电公司处理。"})
    assert added.status_code == 303 and texts(app)[-1] == "已转交供电公司处理。"
    with app.app_context():
        new_id = list_templates(runtime().engine)[-1].id
    changed = staff.post(f"/staff/answer-templates/{new_id}", data={"text": "已转交供电公司。"})
    assert changed.status_code == 303 and texts(app)[-1] == "已转交供电公司。"
    # who changed each answer: the account's name, or the service for the defaults; no ids
    page = staff.get("/staff/answer-templates").get_data(as_text=True)
    assert "系统自动" in page and "，staff</p>" in page  # the defaults; staff's display name
    assert "user:" not in page and ">system<" not in page
    removed = staff.post(f"/staff/answer-templates/{new_id}/delete")
    assert removed.status_code == 303 and texts(app) == list(DEFAULTS)


@pytest.mark.parametrize(
    ("text", "message"),
    [("  ", "must not be empty"), (DEFAULTS[1], "There is a common answer with this text")],
)
def test_the_page_refuses_bad_texts_naming_the_field_and_keeps_nothing(app, text, message):
    staff = signed_in(app)
    response = staff.post("/staff/answer-templates?lang=en", data={"text": text})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="text-errors"' in page
    assert texts(app) == list(DEFAULTS)


def test_unknown_templates_are_404_and_other_roles_may_not_change_them(app):
    staff = signed_in(app)
    assert staff.post("/staff/answer-templates/999", data={"text": "x"}).status_code == 404
    assert staff.post("/staff/answer-templates/999/delete").status_code == 404
    auditor = signed_in(app, "auditor")
    assert auditor.post("/staff/answer-templates", data={"text": "x"}).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/staff/answer-templates").status_code == 302  # to the login page
    assert texts(app) == list(DEFAULTS)


def test_the_api_keeps_common_answers_for_staff_and_shows_them_to_auditors(web_app, client):
    listed = client.get("/api/answer-templates", headers=bearer(web_app, "auditor"))
    assert listed.status_code == 200 and listed.json[0]["text"] == DEFAULTS[0]
    created = client.post(
        "/api/answer-templates", json={"text": "已转交燃气公司。"}, headers=bearer(web_app)
    )
    assert created.status_code == 201 and created.json["updated_by"] == "user:zhang"
    tid = created.json["id"]
    changed = client.put(
        f"/api/answer-templates/{tid}", json={"text": "已转交燃气集团。"}, headers=bearer(web_app)
    )
    assert changed.status_code == 200 and changed.json["text"] == "已转交燃气集团。"
    assert client.delete(f"/api/answer-templates/{tid}", headers=bearer(web_app)).status_code == 204


def test_the_api_refuses_bad_requests_with_the_field(web_app, client):
    staff = bearer(web_app)
    empty = client.post("/api/answer-templates", json={"text": " "}, headers=staff)
    assert empty.status_code == 422 and empty.json["errors"] == {"text": ["must be filled in"]}
    unknown_field = client.post("/api/answer-templates", json={"text": "x", "y": 1}, headers=staff)
    assert unknown_field.status_code == 422 and "y" in unknown_field.json["errors"]
    twice = client.post("/api/answer-templates", json={"text": DEFAULTS[0]}, headers=staff)
    assert twice.status_code == 409 and twice.json["code"] == "answer_template_exists"
    assert twice.json["errors"] == {"text": ["There is a common answer with this text already."]}
    missing = client.put("/api/answer-templates/999", json={"text": "x"}, headers=staff)
    assert missing.status_code == 404 and missing.json["code"] == "unknown_answer_template"
    assert client.post("/api/answer-templates", json={"text": "x"}).status_code == 401
    auditor = bearer(web_app, "auditor")
    assert (
        client.post("/api/answer-templates", json={"text": "x"}, headers=auditor).status_code == 403
    )
    assert len(client.get("/api/answer-templates", headers=staff).json) == len(DEFAULTS)


def test_the_chinese_page_names_the_problem_in_chinese(app):
    response = signed_in(app).post("/staff/answer-templates", data={"text": " "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "必须填写" in page and "must not be empty" not in page
