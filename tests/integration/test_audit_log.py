"""The audit log against tampering behind the service's back (SQLite and PostgreSQL).

Each case edits the stored rows with SQL, then runs ``projections rebuild`` and ``audit
verify`` as an operator would, and checks an export with the standalone verifier: every case
is detected, the first bad position is named, and a rebuild never makes the store verify.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text

from renovation.cli import main
from renovation.ledger import notes
from renovation.ledger.log import audit_checkpoints, audit_leaves, leaf_data
from renovation.ledger.merkle import leaf_hash
from tests.conftest import STAFF, project_payload, registration, walk
from tests.helpers import audit_app

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_export.py"
EVERY = 10


@pytest.fixture
def ledger(database_url, tmp_path):
    """An app with three projects (about 40 events) and checkpoints every 10 events."""
    key = tmp_path / "audit.pem"
    notes.write_key_pair(key)
    app = audit_app(
        database_url, tmp_path, AUDIT_SIGNING_KEY=str(key), AUDIT_CHECKPOINT_EVERY=EVERY
    )
    rt = app.extensions["renovation"]
    stages = (("北门新村", "in_plan"), ("河海新村", "intent_vote"), ("凤凰新村", "design"))
    for name, stage in stages:
        project_id = rt.app.register_project(registration(project_payload(name)), actor=STAFF)
        walk(rt.app, project_id.project_id, stage)
        rt.catch_up()
    yield app
    rt.close()


class Store:
    """SQL on the event store's own table, as someone with the database's password would."""

    def __init__(self, rt) -> None:
        self.rt = rt
        self.table = rt.app.recorder.events_table_name
        self.sqlite = rt.storage.kind == "sqlite"
        self.id = "rowid" if self.sqlite else "notification_id"

    def run(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        sql = sql.replace("{t}", self.table).replace("{id}", self.id)
        if self.sqlite:
            path = self.rt.storage.event_store_env["SQLITE_DBNAME"]
            with sqlite3.connect(path) as conn:
                return conn.execute(sql, params or {}).fetchall()
        with self.rt.engine.begin() as conn:
            result = conn.execute(text(sql), params or {})
            return result.fetchall() if result.returns_rows else []

    def rows(self) -> list[tuple]:
        """(notification id, project id, version, state) in notification order."""
        found = self.run(
            "SELECT {id}, originator_id, originator_version, state FROM {t} ORDER BY {id}"
        )
        return [(n, p, v, bytes(s)) for n, p, v, s in found]  # the id as stored

    def set(self, column: str, value: Any, notification_id: int) -> None:
        self.run(
            f"UPDATE {{t}} SET {column} = :v WHERE {{id}} = :n", {"v": value, "n": notification_id}
        )

    def shift_from(self, notification_id: int) -> None:
        """Move every row from ``notification_id`` on one place later (room for a forgery)."""
        self.run("UPDATE {t} SET {id} = {id} + 100000 WHERE {id} >= :n", {"n": notification_id})
        self.run("UPDATE {t} SET {id} = {id} - 99999 WHERE {id} >= 100000", {})


def uuid_text(stored: Any) -> str:
    """A project id as the service writes it, from the id as the store keeps it."""
    return str(UUID(str(stored)))


def _bad_byte(state: bytes) -> bytes:
    """One byte changed: the event's year (2026 → 2027), so it still reads as an event."""
    i = state.index(b'"_data_":"') + len(b'"_data_":"') + 3
    return state[:i] + bytes([state[i] ^ 0x01]) + state[i + 1 :]


def change_a_byte(store: Store, rows: list[tuple]) -> int:
    n, *_, state = rows[12]
    store.set("state", _bad_byte(state), n)
    return 13


def delete_one(store: Store, rows: list[tuple]) -> int:
    store.run("DELETE FROM {t} WHERE {id} = :n", {"n": rows[20][0]})
    return 21


def swap_two(store: Store, rows: list[tuple]) -> int:
    (a, *_, state_a), (b, *_, state_b) = rows[5], rows[25]
    store.set("state", state_b, a)
    store.set("state", state_a, b)
    return 6


def insert_a_forgery(store: Store, rows: list[tuple]) -> int:
    n, project, _, state = rows[15]
    store.shift_from(n)
    store.run(
        "INSERT INTO {t} ({id}, originator_id, originator_version, topic, state) "
        "VALUES (:n, :p, 999, 'events.project:StageChanged', :s)",
        {"n": n, "p": project, "s": state},
    )
    return 16


def roll_a_project_back(store: Store, rows: list[tuple]) -> int:
    project = rows[-1][1]
    versions = [(i, v) for i, (_, p, v, _) in enumerate(rows) if p == project]
    keep = versions[len(versions) // 2][1]
    store.run(
        "DELETE FROM {t} WHERE originator_id = :p AND originator_version > :v",
        {"p": project, "v": keep},
    )
    return next(i for i, v in versions if v > keep) + 1


def truncate_the_newest(store: Store, rows: list[tuple]) -> int:
    store.run("DELETE FROM {t} WHERE {id} >= :n", {"n": rows[-3][0]})
    return len(rows) - 2


CASES: dict[str, Callable[[Store, list[tuple]], int]] = {
    "change one byte": change_a_byte,
    "delete one": delete_one,
    "swap two": swap_two,
    "insert a forged one": insert_a_forgery,
    "roll a project back": roll_a_project_back,
    "truncate the newest": truncate_the_newest,
}


def cli(app, *args: str):
    return app.test_cli_runner().invoke(main, list(args))


def same_chain_findings(rt) -> bool:
    from renovation.projections.audit import verify_project, verify_projects
    from renovation.projections.queries import list_summaries

    ids = [UUID(r["id"]) for r in list_summaries(rt.engine, per_page=100)[0]]
    together = verify_projects(rt.app, rt.engine, ids)
    return [vars(r) for r in together] == [vars(verify_project(rt.app, rt.engine, i)) for i in ids]


def verifier(export: Path, key: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(export), "--public-key", str(key), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_untouched_store_verifies_and_its_export_too(ledger, tmp_path):
    rt = ledger.extensions["renovation"]
    size, _ = rt.audit_log.head()
    assert size == len(Store(rt).rows()) >= 30
    # a checkpoint at every 10 events, signed by the configured key
    assert [c.size for c in rt.audit_log.checkpoints()] == list(range(EVERY, size + 1, EVERY))
    assert same_chain_findings(rt)
    done = cli(ledger, "audit", "verify")
    assert done.exit_code == 0, done.output
    assert f"audit log ok: {size} stored events, {size} logged" in done.output
    rebuilt = cli(ledger, "projections", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    export = tmp_path / "all.jsonl"
    assert cli(ledger, "audit", "export", "-o", str(export)).exit_code == 0
    kept = tmp_path / "kept.txt"
    kept.write_text(rt.audit_log.checkpoints()[-1].note)
    checked = verifier(export, tmp_path / "audit.pem.pub", "--checkpoint", str(kept))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("case", CASES)
def test_tampered_events_are_found_and_a_rebuild_does_not_hide_them(ledger, tmp_path, case):
    rt = ledger.extensions["renovation"]
    store = Store(rt)
    before = store.rows()
    first_bad = CASES[case](store, before)
    project, version = uuid_text(before[first_bad - 1][1]), before[first_bad - 1][2]
    named = f"FIRST BAD POSITION: {first_bad} (project {project} version {version})"

    # every project's chain, in one pass, finds what the check of each project finds
    assert same_chain_findings(rt)

    rebuilt = cli(ledger, "projections", "rebuild")
    assert rebuilt.exit_code == 1 and named in rebuilt.output, rebuilt.output
    for _ in range(2):  # verify, and once more after another rebuild: never adopted
        verified = cli(ledger, "audit", "verify")
        assert verified.exit_code == 1 and named in verified.output, verified.output
        assert "BAD CHECKPOINT" in verified.output  # the signed roots no longer hold either
        cli(ledger, "projections", "rebuild")

    # The export carries the store as it now is: the standalone verifier refuses it.
    export = tmp_path / "tampered.jsonl"
    assert cli(ledger, "audit", "export", "-o", str(export)).exit_code == 0
    checked = verifier(export, tmp_path / "audit.pem.pub")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    # it follows the kept log, so it names the same position
    first = f"FIRST BAD POSITION 首个异常位置: {first_bad} ("
    assert checked.stdout.startswith(first), checked.stdout


def test_a_checkpoint_replaced_or_signed_by_another_key_is_found(ledger, tmp_path):
    rt = ledger.extensions["renovation"]
    genuine = rt.audit_log.checkpoints()
    second, third = genuine[1], genuine[2]
    # the operator's own key over another root, and the right root under another key
    forged = notes.sign_checkpoint(rt.audit_log.signing_key, second.origin, 20, leaf_hash(b"x"))
    other_key = notes.write_key_pair(tmp_path / "other.pem")
    resigned = notes.sign_checkpoint(other_key, third.origin, third.size, third.root)
    with rt.engine.begin() as conn:
        for checkpoint in (forged, resigned):
            conn.execute(
                audit_checkpoints.update()
                .where(audit_checkpoints.c.size == checkpoint.size)
                .values(root=checkpoint.root, note=checkpoint.note)
            )
    for args in (("projections", "rebuild"), ("audit", "verify"), ("audit", "verify")):
        done = cli(ledger, *args)
        assert done.exit_code == 1, done.output
        assert "BAD CHECKPOINT size 20: its root differs" in done.output
        assert "BAD CHECKPOINT size 30: the checkpoint carries no signature by this key" in (
            done.output
        )
    # ... and with the outsider's copy of the public key (the same finding)
    done = cli(ledger, "audit", "verify", "--public-key", str(tmp_path / "audit.pem.pub"))
    assert done.exit_code == 1 and "BAD CHECKPOINT size 30" in done.output


def test_a_rewritten_event_with_its_rewritten_leaf_breaks_the_signed_roots(ledger):
    rt = ledger.extensions["renovation"]
    store = Store(rt)
    n, project, version, state = store.rows()[4]
    store.set("state", _bad_byte(state), n)
    topic = store.run("SELECT topic FROM {t} WHERE {id} = :n", {"n": n})[0][0]
    new_leaf = leaf_hash(leaf_data(UUID(uuid_text(project)), version, topic, _bad_byte(state)))
    with rt.engine.begin() as conn:
        conn.execute(
            audit_leaves.update().where(audit_leaves.c.position == 5).values(leaf_hash=new_leaf)
        )
    done = cli(ledger, "audit", "verify")
    assert done.exit_code == 1
    assert "BAD CHECKPOINT size 10: its root differs" in done.output
    assert "kept hash of tile" not in done.output  # (no tile yet: fewer than 256 leaves)


def _edit_event(export: Path, position: int) -> None:
    lines = export.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        record = json.loads(line)
        if record.get("position") == position:
            state = base64.b64decode(record["state"])
            record["state"] = base64.b64encode(_bad_byte(state)).decode()
            lines[i] = json.dumps(record, ensure_ascii=False)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_export_edited_after_export_is_refused(ledger, tmp_path):
    rt = ledger.extensions["renovation"]
    key = tmp_path / "audit.pem.pub"
    project = uuid_text(Store(rt).rows()[-1][1])
    whole, one = tmp_path / "all.jsonl", tmp_path / "one.jsonl"
    assert cli(ledger, "audit", "export", "-o", str(whole)).exit_code == 0
    assert cli(ledger, "audit", "export", "--project", project, "-o", str(one)).exit_code == 0
    assert verifier(whole, key).returncode == 0
    assert verifier(one, key).returncode == 0
    positions = [json.loads(x).get("position") for x in one.read_text().splitlines()]
    target = [p for p in positions if p][2]
    for export in (whole, one):
        _edit_event(export, target)
    # the whole store: its bytes no longer give the leaf logged when it was recorded
    checked = verifier(whole, key)
    assert checked.returncode == 1
    first = f"FIRST BAD POSITION 首个异常位置: {target} (project {project}"
    assert checked.stdout.startswith(first), checked.stdout
    # one project: that event's inclusion proof fails
    checked = verifier(one, key)
    assert checked.returncode == 1
    assert f"{target} (project {project}" in checked.stdout


def test_export_refuses_a_position_beyond_the_log_and_an_unknown_project(ledger, tmp_path):
    rt = ledger.extensions["renovation"]
    size, _ = rt.audit_log.head()
    out = tmp_path / "x.jsonl"
    done = cli(ledger, "audit", "export", "--until", str(size + 1), "-o", str(out))
    assert done.exit_code == 2 and f"the log holds positions 1 to {size}" in done.output
    assert not out.exists()
    unknown = "00000000-0000-4000-8000-000000000000"
    done = cli(ledger, "audit", "export", "--project", unknown, "-o", str(out))
    assert done.exit_code == 2 and "there is no project" in done.output


def test_an_export_until_an_earlier_position_ends_with_a_checkpoint_of_that_size(ledger, tmp_path):
    out = tmp_path / "early.jsonl"
    assert cli(ledger, "audit", "export", "--until", "15", "-o", str(out)).exit_code == 0
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert records[0]["until"] == 15 and records[0]["scope"] == "store"
    assert [r["position"] for r in records if r["kind"] == "event"] == list(range(1, 16))
    assert [r["size"] for r in records if r["kind"] == "checkpoint"] == [10, 15]
    assert verifier(out, tmp_path / "audit.pem.pub").returncode == 0
