"""Accounts over the web: the password policy on the API, the change-password page,
lockout, disabled accounts, server-side session revocation and timeouts, token expiry."""

from __future__ import annotations

from renovation import accounts
from tests.web.test_acceptance_api import post, project_at_acceptance


def test_a_supervisor_account_with_a_common_password_is_refused_with_the_field(client, web_app):
    pid = project_at_acceptance(client, web_app)
    answer = post(
        client,
        web_app,
        f"/api/projects/{pid}/supervisors",
        {"name": "王秀英", "role_label": "2幢居民监督员"},
    )
    sid = answer.get_json()["supervisor_id"]

    made = post(
        client,
        web_app,
        f"/api/projects/{pid}/supervisors/{sid}/account",
        {"username": "wangxy", "password": "12345678"},
    )

    assert made.status_code == 422, made.get_json()
    body = made.get_json()
    assert body["code"] == "password_too_common" and "password" in str(body)
    assert accounts.supervisor_account_names(web_app.extensions["renovation"].engine, pid) == {}
