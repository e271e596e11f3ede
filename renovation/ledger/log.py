"""The audit log's tables and the catch-up that appends every stored event to it.

Its tables live in the read-model database but in their own metadata: ``projections
rebuild`` neither drops nor writes them. Leaves are hashed from the events' stored bytes
(renovation.ledger.leaves), in notification order; a position is the 1-based leaf number.
Each catch-up appends in one write transaction, moved on by compare-and-set of the head row
(as the projection's tracking position), so concurrent catch-ups never log an event twice.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from renovation.ledger import notes
from renovation.ledger.merkle import MerkleTree, leaf_hash

TILE = 256  # leaves per stored subtree hash ("tile")
HEAD = "audit_log"
BATCH_SIZE = 5000
DEFAULT_KEY_FILE = "audit_signing_key.pem"

metadata = MetaData()

audit_head = Table(
    "audit_head",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("notification_id", BigInteger, nullable=False),
)

audit_leaves = Table(
    "audit_leaves",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("notification_id", BigInteger, nullable=False, unique=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)

# The hash of each complete block of TILE leaves: tile t covers positions t*TILE+1..(t+1)*TILE.
audit_tiles = Table(
    "audit_tiles",
    metadata,
    Column("tile", Integer, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("time", String(20), nullable=False),
    Column("note", Text, nullable=False),
)


def leaf_data(originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    """The bytes a leaf hashes: id (16) || version (u64 BE) || len(topic) (u32 BE) || topic
    || the state exactly as stored (compressed or encrypted as it is)."""
    topic_bytes = topic.encode()
    return b"".join(
        (
            originator_id.bytes,
            version.to_bytes(8, "big"),
            len(topic_bytes).to_bytes(4, "big"),
            topic_bytes,
            bytes(state),
        )
    )


def stored_leaf(notification: Any) -> bytes:
    """The leaf hash of a stored event (a recorder's notification or stored event)."""
    return leaf_hash(
        leaf_data(
            notification.originator_id,
            notification.originator_version,
            notification.topic,
            notification.state,
        )
    )


class StoredRow(NamedTuple):
    """A stored event as the store keeps it, the originator id as its 16 bytes."""

    id: int
    originator: bytes
    version: int
    topic: str
    state: bytes

    @property
    def leaf(self) -> bytes:
        topic = self.topic.encode()
        return leaf_hash(
            b"".join(
                (
                    self.originator,
                    self.version.to_bytes(8, "big"),
                    len(topic).to_bytes(4, "big"),
                    topic,
                    self.state,
                )
            )
        )

    @property
    def project_id(self) -> str:
        return str(UUID(bytes=self.originator))


def read_store(recorder: Any, start: int, limit: int, stop: int | None = None) -> list[StoredRow]:
    """Stored events from notification id ``start`` (to ``stop``), at most ``limit``.

    On SQLite the rows are read straight from the library's table: its recorder builds a
    Notification and a UUID object per row, which made reading ten times slower than hashing.
    """
    if isinstance(recorder, SQLiteApplicationRecorder):
        # A connection of our own: plain tuples (the library's pool hands out sqlite3.Row).
        with closing(sqlite3.connect(recorder.datastore.pool.db_name, timeout=30)) as conn:
            rows = conn.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {recorder.events_table_name} WHERE rowid >= ? AND rowid <= ? "
                "ORDER BY rowid LIMIT ?",
                (start, stop if stop is not None else 2**62, limit),
            ).fetchall()
        return [
            StoredRow(n, bytes.fromhex(o.replace("-", "")), v, t, s) for n, o, v, t, s in rows
        ]
    return [
        StoredRow(n.id, n.originator_id.bytes, n.originator_version, n.topic, bytes(n.state))
        for n in recorder.select_notifications(start=start, limit=limit, stop=stop)
    ]


@dataclass(frozen=True)
class AuditSettings:
    """Where the signing key is, how often a checkpoint is made, and the log's name."""

    signing_key: Path
    create_key: bool = True  # the embedded default makes its key on first use
    checkpoint_every: int = 100
    origin: str = "renovation"


def settings_from(
    instance: Path | str,
    signing_key: str | None = None,
    checkpoint_every: int | str | None = None,
    origin: str | None = None,
) -> AuditSettings:
    """The settings from configuration: ``AUDIT_SIGNING_KEY`` (a key file path; unset: the
    instance folder's ``audit_signing_key.pem``, made on first use), ``AUDIT_CHECKPOINT_EVERY``
    (events between checkpoints, default 100) and ``AUDIT_ORIGIN`` (default "renovation")."""
    every = int(checkpoint_every or 100)
    if every < 1:
        raise ValueError("AUDIT_CHECKPOINT_EVERY: at least 1")
    return AuditSettings(
        signing_key=Path(signing_key) if signing_key else Path(instance) / DEFAULT_KEY_FILE,
        create_key=not signing_key,
        checkpoint_every=every,
        origin=origin or "renovation",
    )


@dataclass
class _Seen:
    size: int = 0
    notification_id: int = 0
    tail: list[bytes] = field(default_factory=list)  # the leaves of the unfinished tile


class AuditLog:
    """Appends stored events to the log, keeps tiles, makes and reads checkpoints."""

    def __init__(self, recorder: Any, engine: Engine, settings: AuditSettings) -> None:
        self.recorder = recorder
        self.engine = engine
        self.settings = settings
        self._seen: _Seen | None = None
        self._lock = threading.Lock()
        self._key = None

    # ---- set-up ------------------------------------------------------------------------

    def create_tables(self, conn: Connection) -> None:
        metadata.create_all(conn)
        exists = conn.execute(select(audit_head.c.size).where(audit_head.c.name == HEAD)).first()
        if exists is None:
            conn.execute(audit_head.insert().values(name=HEAD, size=0, notification_id=0))

    @property
    def signing_key(self):
        if self._key is None:
            self._key = notes.load_private_key(
                self.settings.signing_key, create=self.settings.create_key
            )
        return self._key

    @property
    def public_key(self):
        return self.signing_key.public_key()

    @contextmanager
    def _write(self):
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            yield conn

    # ---- catch-up ----------------------------------------------------------------------

    def head(self) -> tuple[int, int]:
        """The log's size and the notification id of its last leaf."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(audit_head.c.size, audit_head.c.notification_id).where(
                    audit_head.c.name == HEAD
                )
            ).one()
        return row.size, row.notification_id

    def catch_up(
        self,
        *,
        until: int | None = None,
        batch_size: int = BATCH_SIZE,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Append every event stored after the log's last leaf; returns how many."""
        with self._lock:
            seen = self._seen
            if until is not None and seen is not None and seen.notification_id >= until:
                return 0
            appended = 0
            while True:
                seen = self._seen or self._load_seen()
                notifications = read_store(
                    self.recorder, seen.notification_id + 1, batch_size
                )
                if not notifications:
                    return appended
                if not self._append(seen, notifications):
                    self._seen = None  # another process appended meanwhile: reload
                    continue
                appended += len(notifications)
                if on_batch:
                    on_batch(len(notifications))
                if len(notifications) < batch_size:
                    return appended

    def _load_seen(self) -> _Seen:
        with self.engine.connect() as conn:
            size, nid = conn.execute(
                select(audit_head.c.size, audit_head.c.notification_id).where(
                    audit_head.c.name == HEAD
                )
            ).one()
            tail = _leaf_hashes(conn, size - size % TILE + 1, size)
        return _Seen(size, nid, tail)

    def _append(self, seen: _Seen, notifications: Sequence[StoredRow]) -> bool:
        rows, tiles = [], []
        tail = list(seen.tail)
        position = seen.size
        for n in notifications:
            position += 1
            h = n.leaf
            rows.append(
                {
                    "position": position,
                    "notification_id": n.id,
                    "project_id": n.project_id,
                    "version": n.version,
                    "leaf_hash": h,
                }
            )
            tail.append(h)
            if len(tail) == TILE:
                tiles.append({"tile": position // TILE - 1, "hash": MerkleTree(tail).root()})
                tail = []
        with self._write() as conn:
            moved = conn.execute(
                audit_head.update()
                .where(audit_head.c.name == HEAD, audit_head.c.size == seen.size)
                .values(size=position, notification_id=notifications[-1].id)
            ).rowcount
            if moved != 1:
                return False
            conn.execute(audit_leaves.insert(), rows)
            if tiles:
                conn.execute(audit_tiles.insert(), tiles)
            every = self.settings.checkpoint_every
            due = range((seen.size // every + 1) * every, position + 1, every)
            if due:
                self._store_checkpoints(conn, list(due))
        self._seen = _Seen(position, notifications[-1].id, tail)
        return True

    # ---- the tree ------------------------------------------------------------------------

    def tree(self, conn: Connection, size: int) -> MerkleTree:
        """The kept tree at ``size``: the stored tiles, and leaves read block by block as a
        root or proof needs them (at most three blocks for any one)."""
        known = {
            (row.tile * TILE, TILE): bytes(row.hash)
            for row in conn.execute(select(audit_tiles).where(audit_tiles.c.tile < size // TILE))
        }
        return MerkleTree(_BlockLeaves(conn), size=size, known=known)

    def root(self, size: int) -> bytes:
        with self.engine.connect() as conn:
            return self.tree(conn, size).root()

    # ---- checkpoints -------------------------------------------------------------------

    def _store_checkpoints(self, conn: Connection, sizes: list[int]) -> list[notes.Checkpoint]:
        """Sign and store checkpoints at ``sizes`` (ascending), in ``conn``'s transaction."""
        tree = self.tree(conn, sizes[-1])
        time = notes.utc_now()
        made = [
            notes.sign_checkpoint(self.signing_key, self.settings.origin, s, tree.root(s), time)
            for s in sizes
        ]
        conn.execute(
            audit_checkpoints.insert(),
            [{"size": c.size, "root": c.root, "time": c.time, "note": c.note} for c in made],
        )
        return made

    def checkpoint(self, size: int | None = None) -> notes.Checkpoint:
        """The stored checkpoint at ``size`` (the log's size by default), made now if none."""
        try:
            with self._write() as conn:
                if size is None:
                    size = conn.execute(
                        select(audit_head.c.size).where(audit_head.c.name == HEAD)
                    ).scalar_one()
                found = _checkpoints(conn, audit_checkpoints.c.size == size)
                return found[0] if found else self._store_checkpoints(conn, [size])[0]
        except IntegrityError:  # another process made the same one meanwhile
            with self.engine.connect() as conn:
                return _checkpoints(conn, audit_checkpoints.c.size == size)[0]

    def checkpoints(self, until: int | None = None) -> list[notes.Checkpoint]:
        """The stored checkpoints, ascending by size (up to ``until`` leaves)."""
        with self.engine.connect() as conn:
            where = audit_checkpoints.c.size <= until if until is not None else None
            return _checkpoints(conn, where)

    def latest_checkpoint(self) -> notes.Checkpoint:
        """The latest stored checkpoint; one is made now when there is none yet."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(audit_checkpoints).order_by(audit_checkpoints.c.size.desc()).limit(1)
            ).first()
        return _as_checkpoint(found) if found else self.checkpoint()

    def checkpoint_covering(self, notification_id: int | None) -> notes.Checkpoint:
        """The latest checkpoint whose tree includes the event ``notification_id`` (and all
        before it): the latest stored one when it does, else one made now over the log."""
        latest = self.latest_checkpoint()
        if not notification_id:
            return latest
        with self.engine.connect() as conn:
            needed = conn.execute(
                select(func.max(audit_leaves.c.position)).where(
                    audit_leaves.c.notification_id <= notification_id
                )
            ).scalar() or 0
        return latest if latest.size >= needed else self.checkpoint()

    def printed_checkpoint(self, notification_id: int | None) -> dict[str, Any]:
        """What a PDF prints of the checkpoint it reflects: its size and root (base64)."""
        checkpoint = self.checkpoint_covering(notification_id)
        return {"size": checkpoint.size, "root": checkpoint.root_b64}


class _BlockLeaves:
    """Kept leaf hashes by 0-based index, read from the database one block at a time."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.blocks: dict[int, list[bytes]] = {}

    def __getitem__(self, index: int) -> bytes:
        block = index // TILE
        if block not in self.blocks:
            self.blocks[block] = _leaf_hashes(self.conn, block * TILE + 1, (block + 1) * TILE)
        return self.blocks[block][index % TILE]


def _leaf_hashes(conn: Connection, first: int, last: int) -> list[bytes]:
    """The kept leaf hashes of positions ``first``..``last``, in order."""
    if last < first:
        return []
    return [
        bytes(h)
        for h in conn.execute(
            select(audit_leaves.c.leaf_hash)
            .where(audit_leaves.c.position.between(first, last))
            .order_by(audit_leaves.c.position)
        ).scalars()
    ]


def _as_checkpoint(row: Any) -> notes.Checkpoint:
    origin = row.note.split("\n", 1)[0]
    return notes.Checkpoint(origin, row.size, bytes(row.root), row.time, row.note)


def _checkpoints(conn: Connection, where: Any = None) -> list[notes.Checkpoint]:
    query = select(audit_checkpoints).order_by(audit_checkpoints.c.size)
    if where is not None:
        query = query.where(where)
    return [_as_checkpoint(row) for row in conn.execute(query)]
