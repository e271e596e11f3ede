"""Household codes stay secret: keyed digests in the history, and no code in a URL that a
browser sends.

New codes are stored as HMAC-SHA256 under the server's key (outside the event store), so an
export of the events allows no offline search; codes issued before (plain SHA-256, version 1
events) still vote. Slips link to ``/vote#code=…``; older ``?code=`` links still work, with
an answer that no cache keeps and that sends no Referer.

On SQLite and on PostgreSQL (one database of each for the module); the key file and the slip
addresses, which no database holds, on SQLite only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import stat
from uuid import UUID

import pytest
from flask import Flask

from events.participation import HouseholdCodesIssued
from renovation.application.household_codes import KEY_FILE, load_code_key, new_code
from renovation.domain.base import provenance
from renovation.web import create_app, runtime
from tests.conftest import STAFF
from tests.helpers import make_app
from tests.on_disk import where_held
from tests.web.test_participation_pages import (
    GOOD_BALLOT,
    ballots,
    issue_codes,
    open_round,
    register,
    stored_events,
    text,
)

KEY = "a-test-household-code-key"
PID = "0c2f6a52-8d7e-4b5e-9a43-2f3c1d9e8b70"


@pytest.fixture
def app(make_module_app):
    return make_module_app()


def plain_sha256(project_id: str, code: str) -> str:
    return hashlib.sha256(f"{project_id}:{code.replace('-', '')}".encode()).hexdigest()


def keyed(key: str, project_id: str, code: str) -> str:
    message = f"{project_id}:{code.replace('-', '')}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def write_legacy_codes(app: Flask, project_id: str, flats: list[str]) -> dict[str, str]:
    """Codes issued before keyed digests, stored as the service stored them then: a version 1
    ``HouseholdCodesIssued`` (no ``class_version``, no ``scheme``) with plain SHA-256."""
    codes = {flat: new_code() for flat in flats}
    with app.app_context():
        rt = runtime()
        application = rt.app
        project = application.repository.get(UUID(project_id))
        project.trigger_event(
            HouseholdCodesIssued,
            batch_id="legacy",
            code_digests={f: plain_sha256(project_id, c) for f, c in codes.items()},
            scheme="",
            **provenance(STAFF, None, None),
        )
        (event,) = project.collect_events()
        mapper = application.mapper
        stored = mapper.to_stored_event(event)
        state = mapper.transcoder.decode(stored.state)
        del state["class_version"], state["scheme"]
        stored = stored.__class__(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=mapper.transcoder.encode(state),
        )
        application.recorder.insert_events([stored])
        rt.catch_up()
    return codes


def test_new_codes_are_stored_as_keyed_digests_not_plain_sha256(
    make_module_app, module_database_url
):
    app = make_module_app(HOUSEHOLD_CODE_KEY=KEY)
    project_id = register(app)
    codes = issue_codes(app, project_id)

    (issued,) = [e for e in stored_events(app, project_id) if type(e) is HouseholdCodesIssued]
    assert issued.scheme == "hmac-sha256"
    assert issued.code_digests == {f: keyed(KEY, project_id, c) for f, c in codes.items()}
    plain = {plain_sha256(project_id, c).encode() for c in codes.values()}
    assert not {d.decode() for d in plain} & set(issued.code_digests.values())
    # Nor anywhere in the database (SQLite's files; PostgreSQL's rows and, where readable,
    # its data files): a copy of it allows no offline search.
    app.extensions["renovation"].close()
    held = {keyed(KEY, project_id, c).encode() for c in codes.values()}
    found = where_held(module_database_url, plain | held)
    assert all(found[digest] == [] for digest in plain), found
    assert all(found[digest] for digest in held), found


def test_new_codes_vote_and_a_server_with_another_key_does_not_know_them(make_module_app):
    app = make_module_app(HOUSEHOLD_CODE_KEY=KEY)
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]
    url = f"/projects/{project_id}/vote"

    done = app.test_client().post(
        url, data={"consultation": consultation_id, "code": code, **GOOD_BALLOT}
    )
    assert done.status_code == 200 and "投票已记录" in text(done)
    assert ballots(app, project_id, consultation_id) == 1
    app.extensions["renovation"].close()

    other = make_module_app(HOUSEHOLD_CODE_KEY="another-key")
    refused = other.test_client().post(
        url, data={"consultation": consultation_id, "code": code, **GOOD_BALLOT}
    )
    assert refused.status_code == 422 and "这个户码与本小区不符" in text(refused)


def test_codes_issued_under_the_old_plain_digest_still_vote(make_module_app):
    app = make_module_app(HOUSEHOLD_CODE_KEY=KEY)
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    old = write_legacy_codes(app, project_id, ["1-1-101", "1-1-102"])

    (issued,) = [e for e in stored_events(app, project_id) if type(e) is HouseholdCodesIssued]
    assert issued.scheme == "sha256"  # upcast from version 1
    client = app.test_client()
    page = text(client.get(f"/projects/{project_id}/vote?code={old['1-1-101'].lower()}"))
    assert "户码有效" in page and "这个户码与本小区不符" not in page
    done = client.post(
        f"/projects/{project_id}/vote",
        data={"consultation": consultation_id, "code": old["1-1-101"], **GOOD_BALLOT},
    )
    assert done.status_code == 200 and ballots(app, project_id, consultation_id) == 1

    # Codes issued now replace the old ones of those flats, and are keyed.
    new = issue_codes(app, project_id)
    lapsed = client.post(
        f"/projects/{project_id}/vote",
        data={"consultation": consultation_id, "code": old["1-1-102"], **GOOD_BALLOT},
    )
    assert lapsed.status_code == 422
    again = client.post(
        f"/projects/{project_id}/vote",
        data={"consultation": consultation_id, "code": new["1-1-102"], **GOOD_BALLOT},
    )
    assert again.status_code == 200 and ballots(app, project_id, consultation_id) == 2


def test_the_key_file_is_made_once_mode_0600_in_the_instance_folder(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("RENOVATION_INSTANCE", str(instance))
    monkeypatch.delenv("HOUSEHOLD_CODE_KEY", raising=False)
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/ev.sqlite", "SECRET_KEY": "t"}
    )
    try:
        path = instance / KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        key = path.read_text().strip()
        assert len(key) == 64
        assert app.extensions["renovation"].code_key == key.encode()
        assert load_code_key(instance) == key.encode()  # made once: the same key again
        assert load_code_key(instance, "configured") == b"configured"
        assert sorted(p.name for p in instance.iterdir() if KEY_FILE in p.name) == [KEY_FILE]
    finally:
        app.extensions["renovation"].close()


def test_an_old_slip_link_with_the_code_in_the_query_still_fills_the_form(app):
    project_id = register(app)
    open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]
    client = app.test_client()

    old_link = client.get(f"/projects/{project_id}/vote?code={code}")
    plain = client.get(f"/projects/{project_id}/vote")

    html = text(old_link)
    assert old_link.status_code == 200 and f'value="{code}"' in html
    assert old_link.headers["Cache-Control"] == "no-store"
    assert old_link.headers["Referrer-Policy"] == "no-referrer"
    # The page's script fills the code from a fragment and drops the query from the address.
    assert re.search(r'<script src="/static/js/vote-code\.js\?v=\w+"></script>', html)
    assert "<script>" not in html
    assert plain.status_code == 200 and 'value=""' in text(plain)
    assert plain.headers["Referrer-Policy"] == "same-origin"
    script = client.get("/static/js/vote-code.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    body = script.get_data(as_text=True)
    assert "location.hash" in body and "replaceState" in body
    script.close()


def test_the_page_tells_a_resident_without_javascript_to_type_the_code(app):
    project_id = register(app)
    open_round(app, project_id)
    html = text(app.test_client().get(f"/projects/{project_id}/vote"))
    assert "<noscript>" in html and "请" in html.split("<noscript>")[1].split("</noscript>")[0]


def test_several_open_rounds_carry_the_code_in_the_fragment_not_the_query(app):
    project_id = register(app)
    open_round(app, project_id, title="第一轮")
    open_round(app, project_id, title="第二轮")
    html = text(app.test_client().get(f"/projects/{project_id}/vote?code=ABCDE-FGHJK"))
    links = [link for link in html.split('href="')[1:] if "consultation=" in link]
    assert len(links) == 2
    for link in links:
        href = link.split('"')[0]
        assert "#code=ABCDE-FGHJK" in href and "?code=" not in href and "&amp;code=" not in href


def test_slip_addresses_carry_the_code_only_in_the_fragment(tmp_path):
    app = make_app(tmp_path, PUBLIC_BASE_URL="https://gaizao.example")
    try:
        from renovation.web.links import vote_url

        with app.test_request_context():
            url = vote_url(PID, "ABCDE-FGHJK")
        assert url == f"https://gaizao.example/projects/{PID}/vote#code=ABCDE-FGHJK"
    finally:
        app.extensions["renovation"].close()
