"""Accounts on a real SQLite file: districts, the password policy, lockout, sessions, tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from renovation import accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/accounts.sqlite")
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
