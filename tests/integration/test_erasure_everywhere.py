"""An erased resident's phone number is nowhere: not in a database file, a WAL, a read model,
the JSON logs of the running service or a PDF it renders; and the history still verifies.

The service runs as in production (``renovation serve --log-format json``) on SQLite files in
the test's folder, or on PostgreSQL; a household sends opinions with phone numbers, staff read
them, an admin erases the household; then every file under the folder (on SQLite the event
store, read models, their ``-wal`` and ``-shm``; the instance folder, the log, the project's
report PDF saved there) is read as bytes, and the PDF as text too. On PostgreSQL every table's
rows are searched too and, where this process can read them, the database's data files after
a checkpoint (tests.on_disk; the server's WAL keeps what it wrote until recycled).
"""

from __future__ import annotations

import json
import urllib.request

from renovation import accounts
from tests.helpers import pdf_text
from tests.integration.test_json_logs import serve_json
from tests.integration.test_rate_limits_across_workers import prepared_database, stop
from tests.on_disk import database_holding, postgres_data_folder, where_held, where_in_files

PHONE = "13912345678"
OTHER_PHONE = "13800001111"


def call(base: str, method: str, path: str, token: str | None = None, body=None, after=None):
    """The answer's body; a write's position is kept in ``positions``, and a read ``after``
    one waits for the read models to show it (X-After-Position)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if after is not None:
        headers["X-After-Position"] = str(after)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read()
        if answer.headers.get("X-Position"):
            positions.append(int(answer.headers["X-Position"]))
        kind = answer.headers.get("Content-Type", "")
        return json.loads(raw) if kind.startswith("application/json") else raw


positions: list[int] = []


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


def keys_in(url: str) -> list[bytes]:
    from renovation.runtime import Runtime

    engine = Runtime(url).engine
    try:
        with engine.connect() as conn:
            return [
                bytes(key)
                for key in conn.exec_driver_sql("SELECT key FROM personal_data_keys").scalars()
            ]
    finally:
        engine.dispose()


def test_an_erased_resident_is_nowhere_and_the_history_verifies(tmp_path, database_url):
    """A household sends two opinions with two phone numbers; staff read them; an admin
    erases the household by its flat: one key (DOMAIN.md: one key per resident) goes, and
    neither number nor the key is left anywhere."""
    url, project_id = prepared_database(tmp_path, database_url)
    token = tokens(url)
    server, base, log = serve_json(tmp_path, url)
    opinions = f"/api/projects/{project_id}/opinions"
    household = {"building": "1", "unit": "2", "flat": "101"}
    try:
        sent = [
            call(
                base,
                "POST",
                opinions,
                body={
                    "category": "safety",
                    "text": "楼道堆物",
                    **household,
                    "contact": phone,
                },
            )
            for phone in (PHONE, OTHER_PHONE)
        ]
        last = max(positions)
        read = [
            call(base, "GET", f"{opinions}/{s['opinion_id']}", token["staff"], after=last)
            for s in sent
        ]
        read = [r["personal"] for r in read]
        assert [r["contact"] for r in read] == [PHONE, OTHER_PHONE]
        (key,) = keys_in(url)  # one resident, one key
        living = database_holding(url, key)  # the search finds what lives
        assert living
        if not url.startswith("sqlite") and postgres_data_folder(url) is not None:
            assert any(place.startswith("file:") for place in living), living

        erasure = f"/api/projects/{project_id}/residents/erasure"
        erased = call(
            base, "POST", erasure, token["admin"], {**household, "reason": "本人申请删除"}
        )
        assert erased["id"] == project_id and erased["keys_destroyed"] == 1
        for s in sent:
            opinion = f"{opinions}/{s['opinion_id']}"
            shown = call(base, "GET", opinion, token["staff"], after=max(positions))
            assert shown["personal"] is None
        verified = call(base, "GET", f"/api/projects/{project_id}/verify", token["auditor"])
        assert verified["ok"] is True and verified["events_checked"] > 2
        pdf = call(base, "GET", f"/api/projects/{project_id}/report.pdf", token["staff"])
        (tmp_path / "report.pdf").write_bytes(pdf)
    finally:
        stop(server)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert any(entry.get("path") == erasure for entry in lines)  # it was logged
    assert pdf_text(pdf, tmp_path).strip()  # the PDF has text to search
    for phone in (PHONE, OTHER_PHONE):
        assert phone not in pdf_text(pdf, tmp_path)
    needles = [PHONE.encode(), OTHER_PHONE.encode(), key]
    nowhere = {needle: [] for needle in needles}
    assert where_in_files(tmp_path, needles) == nowhere
    assert where_held(url, needles) == nowhere
    if url.startswith("sqlite"):
        databases = sorted(p.name for p in tmp_path.glob("events*.sqlite*"))
        assert "events.sqlite" in databases and "events.readmodel.sqlite" in databases
    assert keys_in(url) == []
