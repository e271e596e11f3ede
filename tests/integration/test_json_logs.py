"""``LOG_FORMAT=json``: the access log and the application's log are one JSON object a line,
with the time, level, method, redacted path, status, duration, request id and the caller's
role, and never a name, a phone number, a household or tracking code or a token (the
service on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from renovation import accounts
from renovation.access_log import MASK, json_access_line
from renovation.log_format import REQUEST_ID_KEY, ROLE_KEY, JsonFormatter, log_format
from tests.e2e.conftest import free_port
from tests.helpers import make_app
from tests.integration import test_rate_limits_across_workers as served

CODE = "K7Q2M9XW4RTP"
TRACKING = "AB12CD34"
PHONE = "13912345678"
STAFF_NAME = "wang-jianguo"
ACCESS_FIELDS = {"time", "level", "method", "path", "status", "duration_ms", "request_id", "role"}


def test_log_format_is_text_or_json(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format() == "text"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert log_format() == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        log_format()


def test_an_access_is_one_json_line_without_the_query():
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/opinions/{TRACKING}",
        "QUERY_STRING": f"code={CODE}&phone={PHONE}",
        REQUEST_ID_KEY: "abc123",
        ROLE_KEY: "staff",
    }
    fields = json.loads(json_access_line(environ, 200, timedelta(milliseconds=12.5)))
    assert fields["path"] == f"/opinions/{MASK}?{MASK}"
    assert (fields["status"], fields["duration_ms"], fields["role"]) == (200, 12.5, "staff")
    assert fields["request_id"] == "abc123" and fields["method"] == "GET"
    assert CODE not in json.dumps(fields) and PHONE not in json.dumps(fields)


def test_an_application_record_in_a_request_is_one_json_line(tmp_path):
    app = make_app(tmp_path)
    record = logging.LogRecord(
        "renovation.x", logging.WARNING, __file__, 1, "odd: %s", ("q",), None
    )
    try:
        raise KeyError(PHONE)
    except KeyError:
        failed = logging.LogRecord(
            "renovation.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    path = f"/api/opinions/{TRACKING}?code={CODE}"
    with app.test_request_context(path, environ_base={REQUEST_ID_KEY: "r-1", ROLE_KEY: "auditor"}):
        fields = json.loads(JsonFormatter().format(record))
        failure = JsonFormatter().format(failed)
    assert fields["level"] == "warning" and fields["message"] == "odd: q"
    assert fields["path"] == f"/api/opinions/{MASK}?{MASK}"
    assert (fields["request_id"], fields["role"], fields["method"]) == ("r-1", "auditor", "GET")
    assert json.loads(failure)["exception"] == "KeyError" and PHONE not in failure
    outside = json.loads(JsonFormatter().format(record))
    assert "path" not in outside and outside["logger"] == "renovation.x"
    app.extensions["renovation"].close()


def serve_json(tmp_path: Path, url: str) -> tuple[subprocess.Popen, str, Path]:
    """``renovation serve --log-format json`` on ``url``: the process, its address, its log."""
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", "from renovation.cli import main; main()"]
    server = served.start(
        [*command, "serve", "--workers", "1", "--port", str(port), "--log-format", "json"],
        served.server_env(tmp_path, url),
        port,
        log,
    )
    return server, f"http://127.0.0.1:{port}", log


def test_serve_writes_json_lines_without_personal_data(tmp_path, database_url):
    url, project_id = served.prepared_database(tmp_path, database_url)
    from renovation.runtime import Runtime

    rt = Runtime(url)
    accounts.add_user(rt.engine, STAFF_NAME, "correct horse battery", "staff",
                      districts=["清江浦区"])
    token = accounts.issue_token(rt.engine, STAFF_NAME)
    rt.close()
    server, base, log = serve_json(tmp_path, url)
    try:
        for path in (f"/projects/{project_id}/vote?code={CODE}", f"/opinions/{TRACKING}"):
            try:
                answer = urllib.request.urlopen(base + path, timeout=10)
            except urllib.error.HTTPError as refused:  # no such tracking code: 404
                answer = refused
            with answer:
                assert answer.headers["X-Request-Id"]
        asked = urllib.request.Request(
            f"{base}/api/projects/{project_id}/events",
            headers={"Authorization": f"Bearer {token}", "X-Request-Id": "from-the-client"},
        )
        with urllib.request.urlopen(asked, timeout=10) as answer:
            staff_request_id = answer.headers["X-Request-Id"]
        sent = urllib.request.Request(
            f"{base}/api/projects/{project_id}/opinions",
            data=json.dumps(
                {"category": "construction", "text": "楼道灯不亮。", "contact": PHONE}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(sent, timeout=10) as answer:
            assert answer.status == 201
    finally:
        served.stop(server)
    text = log.read_text()
    for secret in (CODE, TRACKING, PHONE, token, STAFF_NAME):
        assert secret not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line
    access = [entry for entry in lines if entry.get("logger") == "access"]
    assert len(access) >= 5, text
    assert all(set(entry) >= ACCESS_FIELDS for entry in access), access
    by_path = {entry["path"]: entry for entry in access}
    assert by_path[f"/projects/{project_id}/vote?{MASK}"]["role"] == "anonymous"
    assert f"/opinions/{MASK}" in by_path
    staff = by_path[f"/api/projects/{project_id}/events"]
    assert (staff["role"], staff["status"]) == ("staff", 200)
    assert staff["request_id"] == staff_request_id != "from-the-client"  # no proxy trusted
    assert by_path[f"/api/projects/{project_id}/opinions"]["status"] == 201
    assert all(isinstance(entry["duration_ms"], int | float) for entry in access)
    assert any(entry.get("logger") != "access" for entry in lines)  # gunicorn's own, as JSON
