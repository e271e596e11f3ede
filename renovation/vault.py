"""Personal data sealed at rest with a key per resident (PIPL): destroying the key erases it.

Keys live in the database beside the read models, never in the event store, so an erasure
deletes one key row and the events stay intact and verifiable.

One key per resident (DOMAIN.md): residents have no accounts, so a resident is a household
(the flat they name) or, without a flat, the contact they give. ``seal`` takes that
*subject*; every record of one subject is sealed with the same key, so destroying it erases
all of them at once. The subject is stored only as a keyed digest (HMAC-SHA256 under the
server's secret, kept outside the databases), so neither a flat nor a phone number can be
searched for in a copy of the database; it is deleted with its key, and the subject's next
record gets a new one.

Destroying a key leaves no copy of it in the database's files (issue 10):

- SQLite: every read-model connection runs with ``PRAGMA secure_delete=ON`` (deleted cells
  are zeroed), and after the delete the WAL is checkpointed with ``TRUNCATE``, so no older
  frame of the page holding the key stays in the ``-wal`` file.
- PostgreSQL: a DELETE leaves the row as a dead tuple, and a plain VACUUM only marks its
  space free (the bytes stay on the page until overwritten). So the key bytes are first
  overwritten with zeros, the row deleted, and ``VACUUM FULL personal_data_keys`` rewrites
  the (small) table into a new file holding only live keys. The key column is kept out of
  the planner's statistics (``keep_keys_out_of_statistics``), which would otherwise copy
  keys into ``pg_statistic``. The server's own WAL segments and backups still hold the key
  until they are recycled or expire (docs: backups).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import time
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKey,
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
from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)

vault_metadata = MetaData()

personal_data_keys = Table(
    "personal_data_keys",
    vault_metadata,
    Column("key_id", String(36), primary_key=True),
    Column("key", LargeBinary, nullable=False),
    Column("created_at", String(40), nullable=False),
)

# Which key seals a subject's records: the subject's keyed digest only (see the module's notes).
personal_data_subjects = Table(
    "personal_data_subjects",
    vault_metadata,
    Column("subject_digest", String(64), primary_key=True),
    Column(
        "key_id",
        String(36),
        ForeignKey("personal_data_keys.key_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
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


def keep_keys_out_of_statistics(conn: Connection) -> None:
    """PostgreSQL: no key ever reaches the planner's statistics.

    ANALYZE (autovacuum runs it) copies sample values of every column into ``pg_statistic``,
    the keys among them, and a rewrite of the keys table leaves them there: a destroyed key
    stayed readable in ``pg_stats``. The key column is left out of ANALYZE (statistics target
    0); on a table made before, changing the column to its own type drops what ANALYZE kept
    (without a rewrite). The old catalog row's bytes stay until ``pg_statistic`` is vacuumed.
    """
    target = conn.exec_driver_sql(
        "SELECT attstattarget FROM pg_attribute"
        " WHERE attrelid = 'personal_data_keys'::regclass AND attname = 'key'"
    ).scalar_one()
    if target != 0:
        conn.exec_driver_sql(
            "ALTER TABLE personal_data_keys ALTER COLUMN key SET STATISTICS 0,"
            " ALTER COLUMN key TYPE bytea"
        )


def normalise_subject(text: str) -> str:
    """One spelling per subject: full-width forms folded, spaces dropped, letters upper-case."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


class PersonalDataVault:
    """Seals small records of personal data with AES-GCM, one key per subject (resident).

    ``subject_key`` keys the subjects' digests; without one (tools that only open or destroy)
    every record gets a fresh key of its own.
    """

    def __init__(self, engine: Engine, subject_key: bytes | None = None) -> None:
        self.engine = engine
        self.subject_key = subject_key

    def create_tables(self, bind: Engine | Connection | None = None) -> None:
        bind = bind if bind is not None else self.engine
        vault_metadata.create_all(bind)
        if bind.dialect.name == "postgresql":
            if isinstance(bind, Engine):
                with bind.begin() as conn:
                    keep_keys_out_of_statistics(conn)
            else:
                keep_keys_out_of_statistics(bind)

    def subject_digest(self, subject: str) -> str:
        """The keyed digest a subject is stored under (never the subject itself)."""
        if self.subject_key is None:
            raise RuntimeError("no subject key: records cannot be grouped by resident")
        message = ("subject:" + subject).encode()
        return hmac.new(self.subject_key, message, hashlib.sha256).hexdigest()

    def seal(self, record: dict[str, Any], subject: str | None = None) -> tuple[str, str]:
        """The key id and the sealed record (base64 text, safe to store in an event).

        With a ``subject``, the subject's key (made on its first record); without, a new key.
        """
        key_id, key = self._subject_key(subject) if subject else self._new_key()
        nonce = os.urandom(12)
        plaintext = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        sealed = nonce + AESGCM(key).encrypt(nonce, plaintext, key_id.encode())
        return key_id, base64.b64encode(sealed).decode()

    def _new_key(self, conn: Connection | None = None) -> tuple[str, bytes]:
        key_id, key = str(uuid.uuid4()), AESGCM.generate_key(bit_length=256)
        row = {"key_id": key_id, "key": key, "created_at": datetime.now(UTC).isoformat()}
        if conn is not None:
            conn.execute(personal_data_keys.insert().values(**row))
        else:
            with self.engine.begin() as own:
                own.execute(personal_data_keys.insert().values(**row))
        return key_id, key

    def _subject_key(self, subject: str) -> tuple[str, bytes]:
        """The subject's key, made with its digest row in one transaction on first use; two
        first records racing: the loser's insert fails on the digest and it takes the
        winner's key."""
        digest = self.subject_digest(subject)
        joined = select(personal_data_keys.c.key_id, personal_data_keys.c.key).join(
            personal_data_subjects,
            personal_data_subjects.c.key_id == personal_data_keys.c.key_id,
        )
        found = joined.where(personal_data_subjects.c.subject_digest == digest)
        for _ in range(3):
            with self.engine.connect() as conn:
                row = conn.execute(found).first()
            if row is not None:
                return row.key_id, bytes(row.key)
            try:
                with self.engine.begin() as conn:
                    key_id, key = self._new_key(conn)
                    conn.execute(
                        personal_data_subjects.insert().values(subject_digest=digest, key_id=key_id)
                    )
                return key_id, key
            except IntegrityError:
                continue
        raise RuntimeError("vault: no key could be made for a subject")

    def keys_of(self, subjects: list[str]) -> set[str]:
        """The key ids of these subjects that are alive (erased subjects have none)."""
        digests = [self.subject_digest(s) for s in subjects]
        with self.engine.connect() as conn:
            return set(
                conn.execute(
                    select(personal_data_subjects.c.key_id).where(
                        personal_data_subjects.c.subject_digest.in_(digests)
                    )
                ).scalars()
            )

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
            conn.execute(
                delete(personal_data_subjects).where(personal_data_subjects.c.key_id.in_(key_ids))
            )
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
            conn.exec_driver_sql(f"VACUUM FULL {personal_data_subjects.name}")

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
