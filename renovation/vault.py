"""Personal data sealed at rest with a key of its own (PIPL): destroying the key erases it.

Keys live in the database beside the read models, never in the event store, so an erasure
deletes one key row and the events stay intact and verifiable.
"""

from __future__ import annotations

import base64
import json
import os
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
)

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
        with self.engine.begin() as conn:
            return conn.execute(
                delete(personal_data_keys).where(personal_data_keys.c.key_id.in_(key_ids))
            ).rowcount

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
