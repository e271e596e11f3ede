"""An erased resident's phone number is nowhere: not in a database file, a WAL, a read model,
the JSON logs of the running service or a PDF it renders; and the history still verifies.

The service runs as in production (``renovation serve --log-format json``) on SQLite files in
the test's folder; a resident sends an opinion with a phone number, staff read it, an admin
erases it; then every file under the folder (event store, read models, their ``-wal`` and
``-shm``, the instance folder, the log, the project's report PDF saved there) is read as bytes,
and the PDF as text too.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

from renovation import accounts
from tests.helpers import pdf_text
from tests.integration.test_erasure_on_disk import files_holding
from tests.integration.test_json_logs import serve_json
from tests.integration.test_rate_limits_across_workers import prepared_database, stop

PHONE = "13912345678"


def call(base: str, method: str, path: str, token: str | None = None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read()
        kind = answer.headers.get("Content-Type", "")
        return json.loads(raw) if kind.startswith("application/json") else raw


def tokens(url: str) -> dict[str, str]:
    from renovation.runtime import Runtime

    rt = Runtime(url)
    made = {}
    for name, role, districts in (
        ("zhang", "staff", ["清江浦区"]),
        ("chen", "auditor", []),
        ("root", "admin", []),
    ):
        accounts.add_user(rt.engine, name, "correct horse battery", role, districts=districts)
        made[role] = accounts.issue_token(rt.engine, name)
    rt.close()
    return made


def keys_in(folder: Path) -> list[bytes]:
    with sqlite3.connect(folder / "events.readmodel.sqlite") as conn:
        found = [bytes(row[0]) for row in conn.execute("SELECT key FROM personal_data_keys")]
    conn.close()
    return found


def test_an_erased_phone_number_is_nowhere_and_the_history_verifies(tmp_path):
    url, project_id = prepared_database(tmp_path)
    token = tokens(url)
    server, base, log = serve_json(tmp_path, url)
    opinions = f"/api/projects/{project_id}/opinions"
    try:
        sent = call(base, "POST", opinions, body={
            "category": "safety", "text": "楼道堆物", "flat": "302", "contact": PHONE,
        })
        opinion = f"{opinions}/{sent['opinion_id']}"
        assert call(base, "GET", opinion, token["staff"])["personal"]["contact"] == PHONE
        (key,) = keys_in(tmp_path)
        assert files_holding(tmp_path, key)  # the search finds what lives

        erased = call(
            base, "POST", f"{opinion}/erasure", token["admin"], {"reason": "本人申请删除"}
        )
        assert erased["id"] == project_id
        assert call(base, "GET", opinion, token["staff"])["personal"] is None
        verified = call(base, "GET", f"/api/projects/{project_id}/verify", token["auditor"])
        assert verified["ok"] is True and verified["events_checked"] > 1
        pdf = call(base, "GET", f"/api/projects/{project_id}/report.pdf", token["staff"])
        (tmp_path / "report.pdf").write_bytes(pdf)
    finally:
        stop(server)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert any(entry.get("path") == f"{opinion}/erasure" for entry in lines)  # it was logged
    assert pdf_text(pdf, tmp_path).strip()  # the PDF has text to search
    assert PHONE not in pdf_text(pdf, tmp_path)
    databases = sorted(p.name for p in tmp_path.glob("events*.sqlite*"))
    assert "events.sqlite" in databases and "events.readmodel.sqlite" in databases
    assert files_holding(tmp_path, PHONE.encode()) == []
    assert files_holding(tmp_path, key) == []
