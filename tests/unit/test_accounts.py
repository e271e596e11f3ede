"""Accounts on a real SQLite file: districts, the password policy, lockout, sessions, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from renovation import account_locks, account_tables, accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(database_url):
    """The account tables on an empty SQLite file or PostgreSQL database."""
    engine = create_engine(database_url)
    accounts.create_tables(engine)
    yield engine
    engine.dispose()


# ---- districts -------------------------------------------------------------------------------


def test_a_staff_account_without_a_district_writes_nowhere(engine):
    bare = accounts.add_user(engine, "bare", PASSWORD, "staff")

    assert bare.districts == () and not bare.all_districts
    assert not bare.may_write_in("清江浦区") and not bare.may_write_in("")


def test_staff_write_in_their_districts_and_city_wide_staff_everywhere(engine):
    local = accounts.add_user(engine, "local", PASSWORD, "staff", districts=["清江浦区"])
    city = accounts.add_user(engine, "city", PASSWORD, "staff", districts=[accounts.ALL_DISTRICTS])
    admin = accounts.add_user(engine, "root", PASSWORD, "admin")
    auditor = accounts.add_user(engine, "chen", PASSWORD, "auditor", districts=["清江浦区"])

    assert local.may_write_in("清江浦区") and not local.may_write_in("天宁区")
    assert city.all_districts and city.districts == () and city.may_write_in("天宁区")
    assert admin.may_write_in("天宁区")
    assert not auditor.may_write_in("清江浦区")


# ---- the password policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, code",
    [
        ("short", "password_too_short"),
        ("x" * 201, "too_long"),
        ("aaaaaaaa", "password_one_character"),
        ("8888888888", "password_one_character"),
        ("password", "password_too_common"),
        ("PassWord123", "password_too_common"),
        ("12345678", "password_too_common"),
        ("woaini1314", "password_too_common"),
        ("abcdefghij", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("9876543210", "password_too_common"),
        ("zhang-wei-2026", "password_is_username"),
    ],
)
def test_a_weak_password_is_refused_with_its_reason(engine, password, code):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.add_user(engine, "Zhang-Wei-2026", password, "auditor")

    assert refused.value.code == code and refused.value.field == "password"
    with pytest.raises(accounts.AccountError):
        accounts.get_user_by_name(engine, "Zhang-Wei-2026")


def test_a_supervisor_account_takes_the_same_policy(engine):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.add_supervisor_account(
            engine, "wangxy", "11111111", project_id="p-1", supervisor_id="supervisor-1"
        )
    assert refused.value.code == "password_one_character"
    assert accounts.supervisor_account_names(engine, "p-1") == {}


def test_a_password_is_changed_only_with_the_current_one_and_under_the_policy(engine):
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])

    for current, new, code, field in [
        ("wrong one!", "a new good one", "wrong_current_password", "current"),
        (PASSWORD, PASSWORD, "password_unchanged", "new"),
        (PASSWORD, "password123", "password_too_common", "new"),
        (PASSWORD, "short", "password_too_short", "new"),
    ]:
        with pytest.raises(accounts.AccountError) as refused:
            accounts.change_password(engine, user.id, current, new)
        assert (refused.value.code, refused.value.field) == (code, field)
        assert accounts.authenticate(engine, "zhang", PASSWORD) == user

    accounts.change_password(engine, user.id, PASSWORD, "a new good one")

    assert accounts.authenticate(engine, "zhang", PASSWORD) is None
    assert accounts.authenticate(engine, "zhang", "a new good one") == user


def test_an_admin_sets_a_password_under_the_policy(engine):
    accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])

    with pytest.raises(accounts.AccountError) as refused:
        accounts.set_password(engine, "zhang", "aaaaaaaaaaaa")
    assert refused.value.code == "password_one_character"
    with pytest.raises(accounts.AccountError) as unknown:
        accounts.set_password(engine, "nobody", "a new good one")
    assert unknown.value.code == "unknown_user"

    accounts.set_password(engine, "zhang", "a new good one")
    assert accounts.authenticate(engine, "zhang", "a new good one") is not None


# ---- lockout ----------------------------------------------------------------------------------

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_five_wrong_passwords_lock_the_account_for_a_time_that_doubles(engine):
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    for attempt in range(4):
        assert accounts.authenticate(engine, "zhang", "wrong", now=T0) is None
        assert account_locks.locked_until(engine, user.id, now=T0) is None, attempt

    assert accounts.authenticate(engine, "zhang", "wrong", now=T0) is None  # the fifth
    assert account_locks.locked_until(engine, user.id, now=T0) == T0 + timedelta(minutes=1)
    # Locked: the right password does not open it, and tries do not count meanwhile.
    assert accounts.authenticate(engine, "zhang", PASSWORD, now=T0 + timedelta(seconds=59)) is None
    assert accounts.authenticate(engine, "zhang", "wrong", now=T0 + timedelta(seconds=30)) is None
    assert account_locks.locked_until(engine, user.id, now=T0) == T0 + timedelta(minutes=1)

    t1 = T0 + timedelta(minutes=1)
    assert accounts.authenticate(engine, "zhang", "wrong", now=t1) is None  # the sixth
    assert account_locks.locked_until(engine, user.id, now=t1) == t1 + timedelta(minutes=2)
    t2 = t1 + timedelta(minutes=2)
    assert accounts.authenticate(engine, "zhang", "wrong", now=t2) is None  # the seventh
    assert account_locks.locked_until(engine, user.id, now=t2) == t2 + timedelta(minutes=4)

    t3 = t2 + timedelta(minutes=4)
    assert accounts.authenticate(engine, "zhang", PASSWORD, now=t3) == user
    # The count starts again: four more wrong ones do not lock.
    for _ in range(4):
        accounts.authenticate(engine, "zhang", "wrong", now=t3)
    assert account_locks.locked_until(engine, user.id, now=t3) is None


def test_the_lock_grows_to_a_day_at_most():
    assert account_locks.lock_time(4) is None
    assert account_locks.lock_time(5) == timedelta(minutes=1)
    assert account_locks.lock_time(8) == timedelta(minutes=8)
    assert account_locks.lock_time(40) == account_locks.lock_time(500) == timedelta(hours=24)


def test_failures_of_one_account_do_not_lock_another(engine):
    accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    li = accounts.add_user(engine, "li", PASSWORD, "staff", districts=["天宁区"])
    for _ in range(6):
        accounts.authenticate(engine, "zhang", "wrong", now=T0)
        accounts.authenticate(engine, "nobody", "wrong", now=T0)

    assert accounts.authenticate(engine, "li", PASSWORD, now=T0) == li


# ---- disabled accounts ------------------------------------------------------------------------


def test_a_disabled_account_signs_in_nowhere_until_enabled_again(engine):
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    token = accounts.issue_token(engine, "zhang")
    for _ in range(5):
        accounts.authenticate(engine, "zhang", "wrong", now=T0)

    accounts.set_active(engine, "zhang", False)

    assert accounts.authenticate(engine, "zhang", PASSWORD) is None
    assert accounts.get_user(engine, user.id) is None
    assert accounts.user_for_token(engine, token) is None

    accounts.set_active(engine, "zhang", True)  # also lifts the lock

    assert accounts.authenticate(engine, "zhang", PASSWORD, now=T0) == user
    assert accounts.user_for_token(engine, token) == user
    with pytest.raises(accounts.AccountError) as unknown:
        accounts.set_active(engine, "nobody", False)
    assert unknown.value.code == "unknown_user"


# ---- sessions and older databases ------------------------------------------------------------


def test_signing_out_moves_the_epoch_of_that_account_only(engine):
    zhang = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    li = accounts.add_user(engine, "li", PASSWORD, "staff", districts=["天宁区"])
    assert account_locks.session_epoch(engine, zhang.id) == 0

    assert account_locks.end_sessions(engine, zhang.id) == 1
    assert account_locks.end_sessions(engine, zhang.id) == 2

    assert account_locks.session_epoch(engine, zhang.id) == 2
    assert account_locks.session_epoch(engine, li.id) == 0


def test_a_database_made_before_the_new_tables_gets_them_and_keeps_its_accounts(tmp_path):
    from sqlalchemy import MetaData

    engine = create_engine(f"sqlite:///{tmp_path}/old.sqlite")
    old = MetaData()
    for table in (
        account_tables.users,
        account_tables.api_tokens,
        account_tables.supervisor_accounts,
    ):
        table.to_metadata(old)
    old.create_all(engine)
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])

    accounts.create_tables(engine)  # what the service does at start

    for _ in range(5):
        accounts.authenticate(engine, "zhang", "wrong", now=T0)
    assert account_locks.locked_until(engine, user.id, now=T0) is not None
    assert account_locks.end_sessions(engine, user.id) == 1
    engine.dispose()


# ---- bearer tokens ------------------------------------------------------------------------------


def test_a_token_works_until_it_expires_or_is_revoked(engine):
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    short = accounts.issue_token(engine, "zhang", "short", days=1, now=T0)
    usual = accounts.issue_token(engine, "zhang", "usual", now=T0)

    day = T0 + timedelta(days=1)
    assert accounts.user_for_token(engine, short, now=day - timedelta(seconds=1)) == user
    assert accounts.user_for_token(engine, short, now=day) is None
    assert accounts.user_for_token(engine, usual, now=T0 + timedelta(days=89)) == user
    assert accounts.user_for_token(engine, usual, now=T0 + timedelta(days=90)) is None

    listed = accounts.list_tokens(engine, "zhang")
    assert [(t.label, t.expires_at) for t in listed] == [
        ("short", day),
        ("usual", T0 + timedelta(days=90)),
    ]
    assert [t.status(day) for t in listed] == ["expired", "active"]

    revoked = accounts.revoke_token(engine, listed[1].id)

    assert revoked.revoked and revoked.username == "zhang"
    assert accounts.user_for_token(engine, usual, now=T0) is None
    assert [t.status(T0) for t in accounts.list_tokens(engine, "zhang")] == ["active", "revoked"]


def test_token_refusals_name_their_reason(engine):
    accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    for days in (0, -1, accounts.MAX_TOKEN_DAYS + 1):
        with pytest.raises(accounts.AccountError) as refused:
            accounts.issue_token(engine, "zhang", days=days)
        assert (refused.value.code, refused.value.field) == ("token_days_between", "days")
    with pytest.raises(accounts.AccountError) as unknown:
        accounts.revoke_token(engine, 12345)
    assert unknown.value.code == "unknown_token"
    with pytest.raises(accounts.AccountError) as nobody:
        accounts.list_tokens(engine, "nobody")
    assert nobody.value.code == "unknown_user"
    assert accounts.list_tokens(engine, "zhang") == []


def test_a_token_made_before_expiry_was_kept_lasts_the_default_days(engine):
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    token = accounts.issue_token(engine, "zhang", now=T0)
    with engine.begin() as conn:  # as a database from before the expiry table holds it
        conn.execute(account_tables.api_token_expiry.delete())

    assert accounts.list_tokens(engine, "zhang")[0].expires_at == T0 + timedelta(days=90)
    assert accounts.user_for_token(engine, token, now=T0 + timedelta(days=89)) == user
    assert accounts.user_for_token(engine, token, now=T0 + timedelta(days=91)) is None


def test_wrong_current_passwords_count_towards_the_lock(engine):
    user = accounts.add_user(engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    for _ in range(5):
        with pytest.raises(accounts.AccountError):
            accounts.change_password(engine, user.id, "guess", "a new good one", now=T0)
    assert account_locks.locked_until(engine, user.id, now=T0) == T0 + timedelta(minutes=1)

    with pytest.raises(accounts.AccountError) as locked:
        accounts.change_password(engine, user.id, PASSWORD, "a new good one", now=T0)

    assert locked.value.code == "wrong_current_password"
    assert accounts.authenticate(engine, "zhang", PASSWORD, now=T0 + timedelta(minutes=2)) == user
