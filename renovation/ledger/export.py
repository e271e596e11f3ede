"""``renovation audit export``: the stored events and checkpoints as JSON Lines.

The format ("renovation-audit-export/1") is documented in the README's auditors' section and
checked by tools/verify_export.py, which imports nothing of ours.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any
from uuid import UUID

from sqlalchemy import select

from renovation.ledger import notes
from renovation.ledger.log import AuditLog, audit_leaves

FORMAT = "renovation-audit-export/1"
READ_BATCH = 5000


def _line(out: IO[str], value: dict[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def _stored_events(log: AuditLog, kept: list[Any]) -> dict[int, Any]:
    """The store's events of the kept rows' notification ids, by id (one read per batch)."""
    if not kept:
        return {}
    first, last = kept[0].notification_id, kept[-1].notification_id
    wanted = {row.notification_id for row in kept}
    found: dict[int, Any] = {}
    start = first
    while start <= last:
        batch = log.recorder.select_notifications(start=start, stop=last, limit=READ_BATCH)
        if not batch:
            break
        found.update((n.id, n) for n in batch if n.id in wanted)
        start = batch[-1].id + 1
    return found


def _recorded_at(mapper: Any, stored: Any) -> str | None:
    """When the event says it was recorded; None when it is gone or no longer decodes (an
    export of an altered store is written all the same, for the verifier to name)."""
    if stored is None:
        return None
    try:
        return mapper.to_domain_event(stored).timestamp.isoformat()
    except Exception:  # altered bytes: any decoding error of the mapper's layers
        return None


def _event_line(row: Any, stored: Any, mapper: Any, tree: Any, *, with_proof: bool) -> dict:
    line: dict[str, Any] = {
        "kind": "event",
        "position": row.position,
        "notification_id": row.notification_id,
        "project_id": str(stored.originator_id) if stored else row.project_id,
        "version": stored.originator_version if stored else row.version,
        "topic": stored.topic if stored else None,
        "state": notes.b64(bytes(stored.state)) if stored else None,
        "leaf": notes.b64(bytes(row.leaf_hash)),
        "recorded_at": _recorded_at(mapper, stored),
    }
    if with_proof:
        line["inclusion"] = [notes.b64(h) for h in tree.inclusion_proof(row.position - 1)]
    return line


def write_export(
    log: AuditLog,
    mapper: Any,
    out: IO[str],
    *,
    project_id: UUID | None = None,
    until: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the export of the whole store (or one project's events) up to position ``until``
    (the log's size by default); returns how many events and checkpoints it holds."""
    size, _ = log.head()
    until = size if until is None else until
    if not 0 <= until <= size:
        raise ValueError(until)  # the command checks it first
    final = log.checkpoint(until)
    _line(
        out,
        {
            "kind": "header",
            "format": FORMAT,
            "origin": final.origin,
            "scope": "project" if project_id else "store",
            "project_id": str(project_id) if project_id else None,
            "until": until,
            "exported_at": notes.utc_now(),
        },
    )
    events = 0
    with log.engine.connect() as conn:
        tree = log.tree(conn, until)
        # The kept log leads: each of its positions gets a line, with the event's bytes as the
        # store holds them now and the leaf kept when it was logged. An event since altered
        # is then named by its position (its bytes no longer give its leaf), one gone from
        # the store is written with "state": null, and nothing shifts the later positions.
        for first in range(1, until + 1, READ_BATCH):
            last = min(first + READ_BATCH - 1, until)
            query = select(audit_leaves).where(audit_leaves.c.position.between(first, last))
            if project_id is not None:
                query = query.where(audit_leaves.c.project_id == str(project_id))
            kept = conn.execute(query.order_by(audit_leaves.c.position)).all()
            stored = _stored_events(log, kept)
            for row in kept:
                _line(out, _event_line(row, stored.get(row.notification_id), mapper, tree,
                                       with_proof=project_id is not None))  # fmt: skip
            events += len(kept)
            if on_batch:
                on_batch(last - first + 1)
        checkpoints = [c for c in log.checkpoints(until) if c.size < until] + [final]
        for checkpoint in checkpoints:
            line = {
                "kind": "checkpoint",
                "size": checkpoint.size,
                "root": checkpoint.root_b64,
                "time": checkpoint.time,
                "note": checkpoint.note,
            }
            if project_id and checkpoint.size < until:
                # (the empty tree is a prefix of every tree: no proof needed)
                proof = tree.consistency_proof(checkpoint.size) if checkpoint.size else []
                line["consistency"] = [notes.b64(h) for h in proof]
            _line(out, line)
    return {"events": events, "checkpoints": len(checkpoints), "until": until}
