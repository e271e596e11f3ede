"""``renovation audit export``: the stored events and checkpoints as JSON Lines.

The format ("renovation-audit-export/1") is documented in the README's auditors' section and
checked by tools/verify_export.py, which imports nothing of ours.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any
from uuid import UUID

from renovation.ledger import notes
from renovation.ledger.log import AuditLog

FORMAT = "renovation-audit-export/1"
READ_BATCH = 5000


def _line(out: IO[str], value: dict[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


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
        position, start = 0, 1
        while position < until:
            batch = log.recorder.select_notifications(
                start=start, limit=min(READ_BATCH, until - position)
            )
            if not batch:
                break
            matching = []
            for n in batch:
                position += 1
                if project_id is None or n.originator_id == project_id:
                    matching.append((position, n))
            for p, n in matching:
                line = {
                    "kind": "event",
                    "position": p,
                    "notification_id": n.id,
                    "project_id": str(n.originator_id),
                    "version": n.originator_version,
                    "topic": n.topic,
                    "state": notes.b64(bytes(n.state)),
                    "recorded_at": mapper.to_domain_event(n).timestamp.isoformat(),
                }
                if project_id:
                    line["inclusion"] = [notes.b64(h) for h in tree.inclusion_proof(p - 1)]
                _line(out, line)
            events += len(matching)
            if on_batch:
                on_batch(len(batch))
            start = batch[-1].id + 1
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
