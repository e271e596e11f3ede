"""An erasure leaves no copy of the erased contact or of its key in the database's files.

SQLite: every file under the instance folder (databases, ``-wal``, ``-shm``, photos) is read
as bytes (the key row is zeroed before its delete, ``secure_delete`` zeroes freed cells, and
the WAL is checkpointed and truncated). PostgreSQL: every page of the keys table is read raw
(pageinspect), after the table was rewritten; every table's rows and, where this process can
read them, the database's data files are searched (tests.on_disk); and the planner's
statistics (which ANALYZE fills with sample values) never hold a key.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from tests.conftest import bearer, project_payload
from tests.on_disk import database_holding, files_holding, postgres_data_folder

PHONE = "13912345678"


def send_and_read_key(client, web_app) -> tuple[str, str, bytes]:
    pid = client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]
    sent = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "safety", "text": "楼道堆物", "flat": "302", "contact": PHONE},
    )
    assert sent.status_code == 201, sent.get_json()
    oid = sent.get_json()["opinion_id"]
    engine: Engine = web_app.extensions["renovation"].engine
    with engine.connect() as conn:
        (key,) = conn.execute(text("SELECT key FROM personal_data_keys")).scalars().all()
    assert len(key) == 32
    return pid, oid, bytes(key)


def erase_and_verify(client, web_app, pid: str, oid: str) -> None:
    erased = client.post(
        f"/api/projects/{pid}/opinions/{oid}/erasure",
        json={"reason": "本人申请删除"},
        headers=bearer(web_app, "admin"),
    )
    assert erased.status_code == 200, erased.get_json()
    staff_view = client.get(f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app))
    assert staff_view.get_json()["personal"] is None
    verified = client.get(f"/api/projects/{pid}/verify", headers=bearer(web_app, "auditor"))
    assert verified.status_code == 200 and verified.get_json()["ok"] is True


def test_an_erasure_leaves_neither_the_contact_nor_its_key_on_disk(
    database_url, tmp_path, web_app, client
):
    engine: Engine = web_app.extensions["renovation"].engine
    if database_url.startswith("sqlite"):
        pid, oid, key = send_and_read_key(client, web_app)
        # The search finds the key while it lives (so an empty result below means something).
        assert files_holding(tmp_path, key)
        assert files_holding(tmp_path, PHONE.encode()) == []  # sealed from the start

        erase_and_verify(client, web_app, pid, oid)

        assert files_holding(tmp_path, key) == []
        assert files_holding(tmp_path, PHONE.encode()) == []
        with engine.connect() as conn:  # deleted cells are zeroed, whatever deletes them
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
    pid, oid, key = send_and_read_key(client, web_app)
    assert pages_holding(engine, key) == 1
    found = database_holding(database_url, key)
    assert "table:public.personal_data_keys" in found
    if postgres_data_folder(database_url) is not None:  # the server's files can be read here
        assert any(place.startswith("file:") for place in found), found

    erase_and_verify(client, web_app, pid, oid)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM personal_data_keys")).scalar_one() == 0
    assert pages_holding(engine, key) == 0
    assert database_holding(database_url, key) == []
    assert database_holding(database_url, PHONE.encode()) == []


POSTGRES_ONLY = [pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("database_url", POSTGRES_ONLY, indirect=True)
def test_keys_never_reach_the_planners_statistics(database_url, runtime):
    """ANALYZE (autovacuum's) copies sample values into pg_statistic, and a rewrite of the keys
    table leaves them there: the key column is kept out of it, so a destroyed key is nowhere."""
    vault = runtime.vault
    key_ids = [vault.seal({"contact": f"1391234{n:04d}"})[0] for n in range(30)]
    with runtime.engine.connect() as conn:
        key = bytes(
            conn.execute(
                text("SELECT key FROM personal_data_keys WHERE key_id = :id"), {"id": key_ids[0]}
            ).scalar_one()
        )
    analyse(runtime.engine)
    assert key_statistics(runtime.engine) == 0
    assert "table:public.personal_data_keys" in database_holding(database_url, key)

    vault.destroy(key_ids[:1])
    analyse(runtime.engine)

    assert database_holding(database_url, key) == []
    # A table made before: what ANALYZE kept of the key column goes when the tables are set up.
    with runtime.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE personal_data_keys ALTER COLUMN key SET STATISTICS -1")
    analyse(runtime.engine)
    assert key_statistics(runtime.engine) == 1
    runtime.create_tables()
    analyse(runtime.engine)
    assert key_statistics(runtime.engine) == 0


def analyse(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE personal_data_keys")


def key_statistics(engine: Engine) -> int:
    """How many rows of statistics the planner keeps of the keys' column."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'personal_data_keys'"
                " AND attname = 'key'"
            )
        ).scalar_one()


def pages_holding(engine: Engine, needle: bytes) -> int:
    """How many raw pages of the keys table (live and dead tuples, free space) hold ``needle``."""
    with engine.connect() as conn:
        blocks = conn.execute(
            text(
                "SELECT pg_relation_size('personal_data_keys') / current_setting('block_size')::int"
            )
        ).scalar_one()
        pages = [
            bytes(
                conn.execute(
                    text("SELECT get_raw_page('personal_data_keys', :n)"), {"n": n}
                ).scalar_one()
            )
            for n in range(blocks)
        ]
    return sum(needle in page for page in pages)
