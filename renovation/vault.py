"""Personal data sealed at rest with a key of its own (PIPL): destroying the key erases it.

Keys live in the database beside the read models, never in the event store, so an erasure
deletes one key row and the events stay intact and verifiable.

Destroying a key leaves no copy of it in the database's files (issue 10):

- SQLite: every read-model connection runs with ``PRAGMA secure_delete=ON`` (deleted cells
  are zeroed), and after the delete the WAL is checkpointed with ``TRUNCATE``, so no older
  frame of the page holding the key stays in the ``-wal`` file.
- PostgreSQL: a DELETE leaves the row as a dead tuple, and a plain VACUUM only marks its
  space free (the bytes stay on the page until overwritten). So the key bytes are first
  overwritten with zeros, the row deleted, and ``VACUUM FULL personal_data_keys`` rewrites
  the (small) table into a new file holding only live keys. The server's own WAL segments
  and backups still hold the key until they are recycled or expire (docs: backups).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
    update,
)

log = logging.getLogger(__name__)

vault_metadata = MetaData()

personal_data_keys = Table(
    "personal_data_keys",
    vault_metadata,
    Column("key_id", String(36), primary_key=True),
    Column("key", LargeBinary, nullable=False),
    Column("created_at", String(40), nullable=False),
)


personal_data_reads = Table(
    "personal_data_reads",
    vault_metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("actor_id", String(100), nullable=False),
    Column("actor_role", String(40), nullable=False),
    Column("project_id", String(36), nullable=False),
    Column("subject", String(100), nullable=False),  # e.g. "opinion:<id>"
    Column("purpose", String(200), nullable=False),
)


class PersonalDataVault:
    """Seals small records of personal data with AES-GCM, one fresh key per record."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_tables(self, bind: Engine | Connection | None = None) -> None:
        vault_metadata.create_all(bind if bind is not None else self.engine)

    def seal(self, record: dict[str, Any]) -> tuple[str, str]:
        """A new key id and the sealed record (base64 text, safe to store in an event)."""
        key_id = str(uuid.uuid4())
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        plaintext = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, key_id.encode())
        with self.engine.begin() as conn:
            conn.execute(
                personal_data_keys.insert().values(
                    key_id=key_id, key=key, created_at=datetime.now(UTC).isoformat()
                )
            )
        return key_id, base64.b64encode(sealed).decode()

    def open(self, key_id: str | None, sealed: str | None) -> dict[str, Any] | None:
        """The record, or None when there is none or its key was destroyed (erased)."""
        if not key_id or not sealed:
            return None
        with self.engine.connect() as conn:
            key = conn.execute(
                select(personal_data_keys.c.key).where(personal_data_keys.c.key_id == key_id)
            ).scalar_one_or_none()
        if key is None:
            return None
        raw = base64.b64decode(sealed)
        plaintext = AESGCM(key).decrypt(raw[:12], raw[12:], key_id.encode())
        return json.loads(plaintext)

    def destroy(self, key_ids: list[str]) -> int:
        """Delete these keys so that no copy stays readable on disk (see the module's notes)."""
        if not key_ids:
            return 0
        chosen = personal_data_keys.c.key_id.in_(key_ids)
        deleting_xid = None
        with self.engine.begin() as conn:
            conn.execute(update(personal_data_keys).where(chosen).values(key=bytes(32)))
            destroyed = conn.execute(delete(personal_data_keys).where(chosen)).rowcount
            if destroyed and conn.dialect.name == "postgresql":
                deleting_xid = conn.exec_driver_sql("SELECT txid_current()").scalar_one()
        if destroyed:
            self.purge_deleted_pages(after_xid=deleting_xid)
        return destroyed

    def keys_created_before(self, cutoff: datetime) -> set[str]:
        with self.engine.connect() as conn:
            return set(
                conn.execute(
                    select(personal_data_keys.c.key_id).where(
                        personal_data_keys.c.created_at < cutoff.astimezone(UTC).isoformat()
                    )
                ).scalars()
            )

    def purge_deleted_pages(self, *, after_xid: int | None = None) -> None:
        """Leave no old copy of a deleted key in the database's files.

        SQLite: checkpoint the WAL and truncate it (deleted cells are already zeroed by
        ``secure_delete``). PostgreSQL: rewrite the keys table (``VACUUM FULL``), which cannot
        run inside a transaction, hence the autocommit connection. A rewrite still copies a
        row deleted by transaction ``after_xid`` while an older snapshot or transaction may
        see it, so it first waits, up to ``PURGE_WAIT`` seconds, for those to end.
        """
        if self.engine.dialect.name == "sqlite":
            # Outside any transaction (the engine sends BEGIN itself, only when asked); the
            # busy timeout lets readers still on an older snapshot finish first.
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                cursor.close()
            finally:
                raw.close()
            if busy:
                log.warning("vault: the WAL checkpoint after an erasure was blocked by a reader")
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if after_xid is not None and not self._wait_for_older_snapshots(conn, after_xid):
                log.warning("vault: an older snapshot outlived the wait; a rewrite may keep a key")
            conn.exec_driver_sql(f"VACUUM FULL {personal_data_keys.name}")

    PURGE_WAIT = 10.0

    def _wait_for_older_snapshots(self, conn: Connection, xid: int) -> bool:
        """True once no other session has a snapshot or a transaction from before ``xid``
        committed; False after ``PURGE_WAIT``. Sessions of every database count: the server's
        horizon for removing dead rows was seen held back by another database's transaction.
        """
        older = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND greatest("
            "  coalesce(age(backend_xmin), -1), coalesce(age(backend_xid), -1)"
            " ) >= age((:xid % 4294967296)::text::xid)"
        )
        deadline = time.monotonic() + self.PURGE_WAIT
        while conn.execute(older, {"xid": xid}).scalar_one():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def log_read(
        self, *, actor_id: str, actor_role: str, project_id: str, subject: str, purpose: str
    ) -> None:
        """Record that a staff member read someone's personal data (DESIGN: every read logged)."""
        with self.engine.begin() as conn:
            conn.execute(
                personal_data_reads.insert().values(
                    at=datetime.now(UTC).isoformat(),
                    actor_id=actor_id,
                    actor_role=actor_role,
                    project_id=project_id,
                    subject=subject,
                    purpose=purpose,
                )
            )

    def reads(self, *, page: int = 1, per_page: int = 100) -> tuple[list[dict[str, Any]], int]:
        """The access log, newest first, for auditors."""
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(personal_data_reads)).scalar_one()
            rows = conn.execute(
                select(personal_data_reads)
                .order_by(personal_data_reads.c.id.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).mappings()
            return [dict(r) for r in rows], total
