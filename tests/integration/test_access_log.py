"""The access log of ``renovation serve`` carries no household code, tracking code, token or
cookie: the codes arrive in URLs (the QR link's query string, the tracking page's path) and in
the Referer that repeats them; the service on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from types import SimpleNamespace

from renovation.access_log import MASK, RedactingLogger, redact_path, redact_url
from tests.e2e.conftest import free_port
from tests.integration.test_rate_limits_across_workers import (
    prepared_database,
    server_env,
    start,
    stop,
)

CODE = "K7Q2M9XW4RTP"
TRACKING = "AB12CD34"
TOKEN = "rnv_secret-token-value"


def test_paths_and_referers_lose_their_codes():
    assert redact_path(f"/opinions/{TRACKING}") == f"/opinions/{MASK}"
    assert redact_path(f"/api/opinions/{TRACKING}/rating") == f"/api/opinions/{MASK}/rating"
    assert redact_path("/opinions/track") == "/opinions/track"
    assert redact_path("/api/projects/x/opinions/abc") == "/api/projects/x/opinions/abc"
    referer = f"https://gaizao.example/projects/p/vote?code={CODE}"
    assert redact_url(referer) == f"https://gaizao.example/projects/p/vote?{MASK}"
    assert redact_url("-") == "-"


def test_the_logger_keeps_no_header_but_the_user_agent():
    from gunicorn.config import Config

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/projects/p/vote?code={CODE}",
        "PATH_INFO": "/projects/p/vote",
        "QUERY_STRING": f"code={CODE}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"http://127.0.0.1/opinions/{TRACKING}",
        "HTTP_COOKIE": "session=abc",
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
    }
    request = SimpleNamespace(
        headers=[("AUTHORIZATION", f"Bearer {TOKEN}"), ("USER-AGENT", "phone")]
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("Set-Cookie", "s=1")])
    timing = SimpleNamespace(seconds=0, microseconds=1500)
    atoms = RedactingLogger(Config()).atoms(response, request, environ, timing)
    shown = repr(atoms)
    for secret in (CODE, TRACKING, TOKEN, "session=abc", "s=1"):
        assert secret not in shown
    assert atoms["r"] == f"GET /projects/p/vote?{MASK} HTTP/1.1"
    assert atoms["{user-agent}i"] == "phone"


def test_serve_writes_an_access_log_without_the_codes(tmp_path, database_url):
    url, project_id = prepared_database(tmp_path, database_url)
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", "from renovation.cli import main; main()"]
    server = start(
        [*command, "serve", "--workers", "1", "--port", str(port)],
        server_env(tmp_path, url),
        port,
        log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        paths = [
            f"/projects/{project_id}/vote?code={CODE}",
            f"/opinions/{TRACKING}",
            f"/api/opinions/{TRACKING}",
        ]
        for path in paths:
            request = urllib.request.Request(
                base + path,
                headers={"Referer": f"{base}/projects/{project_id}/vote?code={CODE}"},
            )
            try:
                urllib.request.urlopen(request, timeout=10).read()
            except urllib.error.HTTPError as answer:  # 404 for an unknown tracking code
                assert answer.code in (404, 429)
    finally:
        stop(server)
    text = log.read_text()
    assert f"/projects/{project_id}/vote?{MASK}" in text  # the request is logged
    assert CODE not in text and TRACKING not in text
