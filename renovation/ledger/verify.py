"""Check the audit log against the event store: every leaf recomputed from the stored bytes,
the kept tiles, every stored checkpoint's root, signature and consistency with the next.

Used by ``renovation audit verify`` and after ``projections rebuild``: a difference is
reported with the first bad position (and the project and version the log recorded there),
never adopted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from renovation.ledger import notes
from renovation.ledger.log import (
    TILE,
    AuditLog,
    StoredRow,
    audit_leaves,
    audit_tiles,
    read_store,
)
from renovation.ledger.merkle import MerkleTree, verify_consistency
from renovation.vocabulary import vocabulary

READ_BATCH = 5000
MAX_FINDINGS = 20


@dataclass(frozen=True)
class Finding:
    """A position whose logged leaf the store no longer gives, and why."""

    position: int
    project_id: str | None
    version: int | None
    reason: str

    def line(self) -> str:
        return (
            f"position {self.position} (project {self.project_id} version {self.version}): "
            f"{self.reason}"
        )


@dataclass
class LogVerification:
    events: int = 0  # stored events checked (up to the log's head)
    leaves: int = 0  # kept leaves
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    differing: int = 0  # positions that differ (findings keeps the first MAX_FINDINGS)
    bad_checkpoints: list[str] = field(default_factory=list)
    not_yet_logged: int = 0

    @property
    def ok(self) -> bool:
        return not self.differing and not self.bad_checkpoints

    def report(self) -> list[str]:
        """The lines ``audit verify`` prints: the first bad position first."""
        lines = []
        if self.findings:
            first = self.findings[0]
            lines.append(f"FIRST BAD POSITION: {first.line().removeprefix('position ')}")
            lines += [f"    {f.line()}" for f in self.findings[1:]]
            if self.differing > len(self.findings):
                lines.append(f"    … {self.differing} positions differ in all")
        lines += [f"BAD CHECKPOINT {problem}" for problem in self.bad_checkpoints]
        return lines


def _store_batches(recorder: Any, stop: int) -> Iterator[list[StoredRow]]:
    start = 1
    while start <= stop:
        batch = read_store(recorder, start, READ_BATCH, stop)
        if not batch:
            return
        yield batch
        start = batch[-1].id + 1


def _kept_batches(conn: Any) -> Iterator[list[Any]]:
    after = 0
    while True:
        rows = conn.execute(
            select(audit_leaves.c.position, audit_leaves.c.leaf_hash)
            .where(audit_leaves.c.position > after)
            .order_by(audit_leaves.c.position)
            .limit(READ_BATCH)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].position


def _logged(conn: Any, position: int) -> Any:
    """The kept leaf's row at ``position``: what the log recorded there."""
    return conn.execute(select(audit_leaves).where(audit_leaves.c.position == position)).one()


def _flatten(batches: Iterator[list[Any]]) -> Iterator[Any]:
    for batch in batches:
        yield from batch


def verify_log(
    log: AuditLog,
    *,
    public_key: Any = None,
    on_batch: Callable[[int], None] | None = None,
) -> LogVerification:
    """Recompute the log from the store and compare; check every stored checkpoint."""
    result = LogVerification()
    size, head_nid = log.head()
    recomputed: list[bytes] = []
    with log.engine.connect() as conn:
        store = _counted(_store_batches(log.recorder, head_nid), on_batch)
        kept = _flatten(_kept_batches(conn))
        position = 0
        for stored in store:
            position += 1
            h = stored.leaf
            recomputed.append(h)
            row = next(kept, None)
            if row is None:
                _find(result, position, stored, None, "stored event is not in the log")
            elif bytes(row.leaf_hash) != h:
                row = _logged(conn, row.position)
                _find(result, position, stored, row, _difference(stored, row))
        result.events = position
        for row in kept:
            position += 1
            reason = "logged event is missing from the store"
            _find(result, position, None, _logged(conn, row.position), reason)
        result.leaves = size
        result.not_yet_logged = max((log.recorder.max_notification_id() or 0) - head_nid, 0)
        truth = MerkleTree(recomputed)
        for row in conn.execute(select(audit_tiles).order_by(audit_tiles.c.tile)):
            first = row.tile * TILE
            if first + TILE > len(recomputed) or truth.subtree(first, first + TILE) != row.hash:
                _find(result, first + 1, None, None, f"kept hash of tile {row.tile} differs")
        _check_checkpoints(log, result, truth, public_key or log.public_key)
    result.findings.sort(key=lambda f: f.position)
    return result


def _counted(batches: Iterator[list[Any]], on_batch: Callable[[int], None] | None):
    for batch in batches:
        yield from batch
        if on_batch:
            on_batch(len(batch))


def _difference(stored: StoredRow, row: Any) -> str:
    if stored.project_id != row.project_id or stored.version != row.version:
        return f"the store now has project {stored.project_id} version {stored.version} there"
    return "the stored bytes differ from the logged leaf"


def _find(result: LogVerification, position: int, stored: Any, row: Any, reason: str) -> None:
    result.differing += 1
    if len(result.findings) >= MAX_FINDINGS:
        return
    if row is not None:  # what the log recorded at this position
        project, version = row.project_id, row.version
    elif stored is not None:
        project, version = stored.project_id, stored.version
    else:
        project = version = None
    result.findings.append(Finding(position, project, version, reason))


def _check_checkpoints(
    log: AuditLog, result: LogVerification, truth: MerkleTree, public_key: Any
) -> None:
    checkpoints = log.checkpoints()
    result.checkpoints = len(checkpoints)
    previous: notes.Checkpoint | None = None
    for checkpoint in checkpoints:
        size = checkpoint.size
        try:
            signed = notes.open_note(checkpoint.note, public_key)
        except notes.NoteError as error:
            reason = vocabulary("en").refusal(error.code)
            result.bad_checkpoints.append(f"size {size}: {reason}")
            continue
        if (signed.size, signed.root) != (size, checkpoint.root):
            result.bad_checkpoints.append(f"size {size}: the note states another size or root")
            continue
        if size > truth.size:
            result.bad_checkpoints.append(
                f"size {size}: the store holds only {truth.size} logged events"
            )
            continue
        if truth.root(size) != checkpoint.root:
            result.bad_checkpoints.append(
                f"size {size}: its root differs from the tree recomputed from the store"
            )
            continue
        if previous is not None and previous.size > 0:
            # Both signed roots are the recomputed tree's; the proof between them checks that
            # the later one extends the earlier one (as an outsider holding both would).
            proof = truth.consistency_proof(previous.size, size)
            if not verify_consistency(previous.size, size, previous.root, checkpoint.root, proof):
                result.bad_checkpoints.append(
                    f"size {size}: not consistent with the checkpoint at size {previous.size}"
                )
        previous = checkpoint
