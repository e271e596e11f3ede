"""SQLite database files are the service user's alone (issue 10): 0600, in a 0700 folder."""

from __future__ import annotations

import stat
from pathlib import Path

from renovation.runtime import Runtime


def test_sqlite_files_are_readable_by_the_service_user_only(tmp_path):
    instance = tmp_path / "instance"
    rt = Runtime(f"sqlite:///{instance}/renovation.sqlite")
    try:
        rt.create_tables()
        rt.vault.destroy([rt.vault.seal({"contact": "13912345678"})[0]])
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in instance.iterdir()}
    finally:
        rt.close()
    assert {"renovation.sqlite", "renovation.readmodel.sqlite"} <= set(files)
    assert any(name.endswith("-wal") for name in files)
    assert files == dict.fromkeys(files, 0o600)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


def test_database_files_left_open_to_others_are_narrowed(tmp_path):
    database = tmp_path / "old.sqlite"
    first = Runtime(f"sqlite:///{database}")
    try:
        first.create_tables()  # open: its -wal file stays
        wal = Path(f"{database}-wal")
        for path in (database, wal):
            path.chmod(0o644)
        Runtime(f"sqlite:///{database}").close()
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    finally:
        first.close()
