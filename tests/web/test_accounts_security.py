"""Accounts over the web: the password policy on the API, the change-password page,
lockout, disabled accounts, server-side session revocation and timeouts, token expiry; on
SQLite and on PostgreSQL (one database of each a module, its accounts emptied after each
test)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from renovation import accounts
from renovation.web import runtime
from tests.helpers import PASSWORD, add_user, signed_in
from tests.web.test_acceptance_api import post, project_at_acceptance


@pytest.fixture
def app(make_module_app):
    return make_module_app()


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


# ---- the change-password page --------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def problems_next_to(html: str, field: str) -> str:
    """The text of the problems listed under ``field``."""
    found = re.search(rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def change(client, current: str, new: str, confirm: str | None = None, **extra):
    return client.post(
        "/account/password",
        data={"current": current, "new": new, "confirm": new if confirm is None else confirm}
        | extra,
    )


def test_the_password_page_needs_a_signed_in_account(app):
    response = app.test_client().get("/account/password")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert change(app.test_client(), PASSWORD, "a new good one").status_code == 302


@pytest.mark.parametrize("role", ["staff", "auditor", "admin"])
def test_any_signed_in_account_changes_its_password(app, role):
    client = signed_in(app, role)
    page = text(client.get("/account/password"))
    assert "修改密码" in page and 'autocomplete="new-password"' in page

    response = change(client, PASSWORD, "a new good one")

    assert response.status_code == 302
    assert "密码已修改" in text(client.get(response.headers["Location"]))
    with app.app_context():
        engine = runtime().engine
        assert accounts.authenticate(engine, role, PASSWORD) is None
        assert accounts.authenticate(engine, role, "a new good one") is not None


@pytest.mark.parametrize(
    "current, new, confirm, field, says",
    [
        ("", "a new good one", None, "current", "必须填写"),
        (PASSWORD, "", "", "new", "必须填写"),
        (PASSWORD, "a new good one", "", "confirm", "必须填写"),
        (PASSWORD, "a new good one", "another good one", "confirm", "两次输入的新密码不一致"),
        ("not the password", "a new good one", None, "current", "当前密码不正确"),
        (PASSWORD, PASSWORD, None, "new", "须与当前密码不同"),
        (PASSWORD, "12345678", None, "new", "过于常见"),
        (PASSWORD, "aaaaaaaaaa", None, "new", "不能是同一个字符重复"),
        (PASSWORD, "short", None, "new", "至少"),
        (PASSWORD, "STAFF", None, "new", "至少"),
        (PASSWORD, "x" * 201, None, "new", "200"),
    ],
)
def test_a_refused_change_names_the_problem_next_to_its_field_in_chinese(
    app, current, new, confirm, field, says
):
    client = signed_in(app)

    response = change(client, current, new, confirm)

    assert response.status_code == 422
    html = text(response)
    assert says in problems_next_to(html, field)
    assert not re.search(r"[A-Za-z]{4,}", problems_next_to(html, field))
    with app.app_context():
        assert accounts.authenticate(runtime().engine, "staff", PASSWORD) is not None


def test_the_password_form_needs_its_csrf_token(make_module_app):
    app = make_module_app(WTF_CSRF_ENABLED=True)
    add_user(app, "zhang")
    client = app.test_client()
    token = csrf_token(text(client.get("/login")))
    client.post("/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": token})

    refused = change(client, PASSWORD, "a new good one")
    assert refused.status_code == 400
    with app.app_context():
        assert accounts.authenticate(runtime().engine, "zhang", PASSWORD) is not None

    token = csrf_token(text(client.get("/account/password")))
    assert change(client, PASSWORD, "a new good one", csrf_token=token).status_code == 302


def test_the_header_links_to_the_password_page_when_signed_in(app):
    assert "/account/password" not in text(app.test_client().get("/"))
    assert "/account/password" in text(signed_in(app).get("/"))


# ---- lockout -----------------------------------------------------------------------------------

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def set_clock(app, when: datetime) -> None:
    """Move the clock of sessions and locks (the application's own clock is left alone)."""
    app.extensions["accounts_clock"] = lambda: when


def sign_in(client, password: str):
    return client.post("/login", data={"username": "staff", "password": password})


def test_a_locked_account_cannot_sign_in_and_the_page_says_only_wrong_name_or_password(app):
    add_user(app, "staff")
    set_clock(app, T0)
    client = app.test_client()
    for _ in range(5):
        assert "用户名或密码不正确" in text(sign_in(client, "wrong password"))

    with_right_password = sign_in(client, PASSWORD)

    assert with_right_password.status_code == 200
    assert "用户名或密码不正确" in text(with_right_password)
    assert client.get("/staff").status_code == 302  # not signed in
    set_clock(app, T0 + timedelta(seconds=61))
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get("/staff").status_code == 200


# ---- disabled accounts ---------------------------------------------------------------------------


def test_disabling_an_account_ends_its_signed_in_session(app):
    client = signed_in(app)
    assert client.get("/staff").status_code == 200

    with app.app_context():
        accounts.set_active(runtime().engine, "staff", False)

    assert client.get("/staff").status_code == 302
    assert "用户名或密码不正确" in text(sign_in(app.test_client(), PASSWORD))


# ---- sessions: revocation, timeouts, a fresh session at sign-in ----------------------------


def copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_cookie_no_longer_opens_the_console_after_sign_out(app):
    client = signed_in(app)
    thief = copy_of(app, client)
    assert thief.get("/staff").status_code == 200  # the copy works while the session lasts

    assert client.post("/logout").status_code == 302

    assert thief.get("/staff").status_code == 302
    assert client.get("/staff").status_code == 302
    # Signing in again makes a new session that works; the old copy stays dead.
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get("/staff").status_code == 200
    assert thief.get("/staff").status_code == 302


def test_signing_out_ends_the_sessions_of_this_account_only(app):
    zhang = signed_in(app, username="zhang")
    li = signed_in(app, username="li")

    zhang.post("/logout")

    assert li.get("/staff").status_code == 200


def test_a_session_ends_after_30_idle_minutes(app):
    set_clock(app, T0)
    client = signed_in(app)
    for minutes in (29, 58, 87):  # each use keeps it going
        set_clock(app, T0 + timedelta(minutes=minutes))
        assert client.get("/staff").status_code == 200, minutes

    set_clock(app, T0 + timedelta(minutes=87 + 31))
    response = client.get("/staff")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    set_clock(app, T0 + timedelta(minutes=87 + 32))
    assert client.get("/staff").status_code == 302  # and stays ended


def test_a_session_ends_after_12_hours_however_busy(app):
    set_clock(app, T0)
    client = signed_in(app)
    for minutes in range(20, 12 * 60, 20):
        set_clock(app, T0 + timedelta(minutes=minutes))
        assert client.get("/staff").status_code == 200, minutes

    set_clock(app, T0 + timedelta(hours=12, minutes=1))

    assert client.get("/staff").status_code == 302


def test_the_timeouts_are_configurable(make_module_app):
    app = make_module_app(SESSION_IDLE_MINUTES=5, SESSION_ABSOLUTE_HOURS=1)
    set_clock(app, T0)
    client = signed_in(app)
    set_clock(app, T0 + timedelta(minutes=4))
    assert client.get("/staff").status_code == 200
    set_clock(app, T0 + timedelta(minutes=10))
    assert client.get("/staff").status_code == 302

    set_clock(app, T0)
    assert sign_in(client, PASSWORD).status_code == 302
    for minutes in (4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56):
        set_clock(app, T0 + timedelta(minutes=minutes))
        assert client.get("/staff").status_code == 200
    set_clock(app, T0 + timedelta(minutes=60, seconds=1))
    assert client.get("/staff").status_code == 302


def test_signing_in_starts_a_fresh_session(app):
    add_user(app, "staff")
    client = app.test_client()
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
        planted["rnv_epoch"] = 99

    assert sign_in(client, PASSWORD).status_code == 302

    with client.session_transaction() as fresh:
        assert "planted" not in fresh and fresh["rnv_epoch"] == 0
    assert client.get("/staff").status_code == 200


def test_a_session_without_its_marks_is_not_signed_in(app):
    client = signed_in(app)
    with client.session_transaction() as stripped:
        del stripped["rnv_since"]

    assert client.get("/staff").status_code == 302


def test_a_new_password_ends_the_other_sessions_but_not_this_one(app):
    client = signed_in(app)
    other = copy_of(app, client)

    assert change(client, PASSWORD, "a new good one").status_code == 302

    assert client.get("/staff").status_code == 200
    assert other.get("/staff").status_code == 302


def test_moving_the_application_clock_by_days_leaves_sessions_alone(app):
    client = signed_in(app)
    app.extensions["renovation"].app.clock = lambda: datetime.now(UTC) + timedelta(days=40)

    assert client.get("/staff").status_code == 200


# ---- bearer tokens on the API --------------------------------------------------------------------


def test_an_expired_or_revoked_token_is_refused_by_the_api(app):
    add_user(app, "zhang")
    with app.app_context():
        engine = runtime().engine
        token = accounts.issue_token(engine, "zhang", days=1, now=T0)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"name": "x"}

    set_clock(app, T0 + timedelta(hours=23))
    assert client.post("/api/projects", json=body, headers=headers).status_code == 422
    set_clock(app, T0 + timedelta(days=1))
    assert client.post("/api/projects", json=body, headers=headers).status_code == 401

    with app.app_context():
        fresh = accounts.issue_token(engine, "zhang")
        accounts.revoke_token(engine, accounts.list_tokens(engine, "zhang")[-1].id)
    del app.extensions["accounts_clock"]
    revoked = client.post("/api/projects", json=body, headers={"Authorization": f"Bearer {fresh}"})
    assert revoked.status_code == 401
