"""The ``renovation`` command as an operator runs it, in a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RENOVATION = str(Path(sys.executable).with_name("renovation"))


@pytest.fixture
def run(database_url, tmp_path):
    """Run ``renovation ARGS`` against the test database; assert success unless ok=False."""
    env = {**os.environ, "DATABASE_URL": database_url, "RENOVATION_INSTANCE": str(tmp_path / "i")}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [RENOVATION, *args], env=env, capture_output=True, text=True, timeout=300
        )
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_demo_rebuild_verify_and_report(run, database_url, tmp_path):
    demo = run("demo")
    assert "demo: 7 projects" in demo.stdout and "auditor" in demo.stdout
    # No public address (the tests stay on loopback): said plainly, with what to set.
    assert "phones cannot open them" in demo.stdout and "PUBLIC_BASE_URL=" in demo.stdout
    # Running it again changes nothing: every command carries its id.
    status = json.loads(run("projections", "status").stdout)
    run("demo")
    assert json.loads(run("projections", "status").stdout) == status
    assert status["lag"] == 0 and status["position"] == status["head"] > 40

    rebuilt = run("projections", "rebuild", "--progress")
    assert f"position {status['head']}" in rebuilt.stdout
    assert "rebuild" in rebuilt.stderr  # the progress bar

    verified = run("audit", "verify")
    assert verified.stdout.count(" ok ") == 7

    listing = run("routes").stdout
    assert "/api/projects" in listing

    from renovation.projections.queries import list_summaries
    from renovation.runtime import Runtime

    rt = Runtime(database_url)
    rows, _ = list_summaries(rt.engine, q="凤凰新村")
    rt.close()
    pdf = tmp_path / "phoenix.pdf"
    run("report", "project", rows[0]["id"], "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "凤凰新村" in text and "施工中" in text


def test_users_and_tokens(run):
    added = run(
        "users",
        "add",
        "wang",
        "--role",
        "staff",
        "--district",
        "清江浦区",
        "--password",
        "long enough pw",
    )
    assert "added wang (staff)" in added.stdout
    token = run("users", "token", "wang").stdout.strip()
    assert token.startswith("rnv_") and len(token) > 30
    twice = run(
        "users",
        "add",
        "wang",
        "--role",
        "staff",
        "--district",
        "天宁区",
        "--password",
        "long enough pw",
        ok=False,
    )
    assert twice.returncode != 0 and "exists already" in twice.stderr
    short = run("users", "add", "li", "--role", "auditor", "--password", "short", ok=False)
    assert short.returncode != 0 and "8 characters" in short.stderr
    nobody = run("users", "token", "nobody", ok=False)
    assert nobody.returncode != 0 and "no user nobody" in nobody.stderr


def test_a_staff_account_without_a_district_is_refused_unless_city_wide_on_purpose(
    run, database_url
):
    bare = run("users", "add", "zhao", "--role", "staff", "--password", "long enough pw", ok=False)
    assert bare.returncode != 0 and "--all-districts" in bare.stderr
    both = run(
        "users",
        "add",
        "zhao",
        "--role",
        "staff",
        "--district",
        "天宁区",
        "--all-districts",
        "--password",
        "long enough pw",
        ok=False,
    )
    assert both.returncode != 0 and "without --district" in both.stderr
    auditor = run(
        "users",
        "add",
        "zhao",
        "--role",
        "auditor",
        "--all-districts",
        "--password",
        "long enough pw",
        ok=False,
    )
    assert auditor.returncode != 0 and "for staff accounts" in auditor.stderr
    run(
        "users", "add", "zhao", "--role", "staff", "--all-districts", "--password", "long enough pw"
    )
    run("users", "add", "qian", "--role", "auditor", "--password", "long enough pw")

    from renovation import accounts
    from renovation.runtime import Runtime

    rt = Runtime(database_url)
    zhao = accounts.get_user_by_name(rt.engine, "zhao")
    qian = accounts.get_user_by_name(rt.engine, "qian")
    rt.close()
    assert zhao.all_districts and zhao.may_write_in("天宁区") and zhao.may_write_in("清江浦区")
    assert not qian.may_write_in("天宁区")


def test_report_errors_name_the_problem(run, tmp_path):
    missing = run(
        "report",
        "project",
        "00000000-0000-0000-0000-000000000000",
        "-o",
        str(tmp_path / "x.pdf"),
        ok=False,
    )
    assert missing.returncode != 0 and "no project" in missing.stderr
    bad = run(
        "report",
        "project",
        "00000000-0000-0000-0000-000000000000",
        "-o",
        str(tmp_path / "x.pdf"),
        "--as-of",
        "later",
        ok=False,
    )
    assert bad.returncode != 0 and "--as-of" in bad.stderr


def test_an_admin_sets_a_password_from_the_command_line(run, database_url):
    run("users", "add", "sun", "--role", "auditor", "--password", "long enough pw")
    weak = run("users", "password", "sun", "--password", "aaaaaaaaaa", ok=False)
    assert weak.returncode != 0 and "not one character repeated" in weak.stderr
    nobody = run("users", "password", "nobody", "--password", "a new good one", ok=False)
    assert nobody.returncode != 0 and "no user nobody" in nobody.stderr

    assert (
        "password of sun changed"
        in run("users", "password", "sun", "--password", "a new good one").stdout
    )

    from renovation import accounts
    from renovation.runtime import Runtime

    rt = Runtime(database_url)
    try:
        assert accounts.authenticate(rt.engine, "sun", "long enough pw") is None
        assert accounts.authenticate(rt.engine, "sun", "a new good one") is not None
    finally:
        rt.close()


def test_an_admin_disables_and_enables_an_account(run, database_url):
    run("users", "add", "zhou", "--role", "auditor", "--password", "long enough pw")
    assert "zhou disabled" in run("users", "disable", "zhou").stdout
    nobody = run("users", "disable", "nobody", ok=False)
    assert nobody.returncode != 0 and "no user nobody" in nobody.stderr

    from renovation import accounts
    from renovation.runtime import Runtime

    rt = Runtime(database_url)
    try:
        assert accounts.authenticate(rt.engine, "zhou", "long enough pw") is None
        assert "zhou enabled" in run("users", "enable", "zhou").stdout
        assert accounts.authenticate(rt.engine, "zhou", "long enough pw") is not None
    finally:
        rt.close()


def test_tokens_are_listed_with_their_expiry_and_revoked(run):
    run("users", "add", "wu", "--role", "auditor", "--password", "long enough pw")
    made = run("users", "token", "wu", "--label", "nightly", "--days", "7")
    token_id = made.stderr.split()[1]
    run("users", "token", "wu", "--label", "other")
    bad = run("users", "token", "wu", "--days", "0", ok=False)
    assert bad.returncode != 0 and "1 to 3650 days" in bad.stderr

    listed = run("users", "tokens", "wu").stdout.splitlines()
    assert len(listed) == 2 and "nightly" in listed[0] and listed[0].endswith("active")

    assert f"token {token_id} of wu revoked" in run("users", "revoke", token_id).stdout
    listed = run("users", "tokens", "wu").stdout.splitlines()
    assert listed[0].endswith("revoked") and listed[1].endswith("active")
    unknown = run("users", "revoke", "99999", ok=False)
    assert unknown.returncode != 0 and "no token 99999" in unknown.stderr
    nobody = run("users", "tokens", "nobody", ok=False)
    assert nobody.returncode != 0 and "no user nobody" in nobody.stderr
