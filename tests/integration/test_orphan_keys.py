"""Keys sealed for commands that then failed are destroyed; keys named by events stay."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from renovation.application.errors import ProjectNotFoundError
from renovation.domain.project import Actor
from renovation.projections.queries import find_opinion
from renovation.vault import personal_data_keys
from tests.conftest import STAFF, registration

RENOVATION = str(Path(sys.executable).with_name("renovation"))
RESIDENT = Actor("resident", "resident", "web")
OPINION = {"category": "safety", "text": "楼道堆物", "building": "1", "flat": "101"}


def keys(runtime) -> set[str]:
    with runtime.engine.connect() as conn:
        return set(conn.execute(select(personal_data_keys.c.key_id)).scalars())


def test_keys_of_failed_commands_are_destroyed_and_live_ones_kept(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    app.appoint_supervisor(pid, {"name": "王工", "role_label": "监督员"}, actor=STAFF)
    (supervisor,) = keys(runtime)
    sent = app.submit_opinion(pid, {**OPINION, "contact": "13912345678"}, actor=RESIDENT)
    (live,) = keys(runtime) - {supervisor}
    with pytest.raises(ProjectNotFoundError):  # sealed first, then refused: the key stays behind
        app.submit_opinion(uuid.uuid4(), {**OPINION, "contact": "13800000000"}, actor=RESIDENT)
    (orphan,) = keys(runtime) - {live, supervisor}

    assert runtime.destroy_orphan_keys() == 0  # younger than an hour: a command may be running
    assert keys(runtime) == {supervisor, live, orphan}

    assert runtime.destroy_orphan_keys(older_than=timedelta(0)) == 1
    assert keys(runtime) == {supervisor, live}
    runtime.catch_up()
    row = find_opinion(runtime.engine, opinion_id=sent.value["opinion_id"])
    assert row["personal_key_id"] == live
    assert runtime.vault.open(live, row["personal_sealed"]) == {
        "flat": "101",
        "contact": "13912345678",
    }
    assert runtime.destroy_orphan_keys(older_than=timedelta(0)) == 0


def test_the_cleanup_command_destroys_old_orphans_only(database_url, tmp_path):
    from renovation.runtime import Runtime

    rt = Runtime(database_url)
    try:
        rt.create_tables()
        orphan, _ = rt.vault.seal({"contact": "13800000000"})
    finally:
        rt.close()
    env = {**os.environ, "DATABASE_URL": database_url, "RENOVATION_INSTANCE": str(tmp_path / "i")}

    def cleanup(*args: str) -> str:
        done = subprocess.run(
            [RENOVATION, "vault", "cleanup", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "destroyed 0 orphan keys" in cleanup()
    assert "destroyed 1 orphan keys" in cleanup("--older-than-minutes", "0")
    rt = Runtime(database_url)
    try:
        assert rt.vault.open(orphan, "c2VhbGVk") is None  # the key is gone
    finally:
        rt.close()
