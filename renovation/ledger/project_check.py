"""One project's history against the signed log: what the auditors' panel and report show.

The project's stored events are compared, version by version, with the leaves the log kept
when they were recorded; the checkpoint that covers the project's newest logged event must be
signed by the log's key and be the root of the kept tree at its size. Reads one project's
kept leaves and a few tiles: never the whole store.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from renovation.ledger import notes
from renovation.ledger.log import AuditLog, audit_leaves, stored_leaf


def check_project(log: AuditLog, stored: list[Any], project_id: UUID) -> dict[str, Any]:
    """``{size, root, ok, first_bad, logged}``: the checkpoint (size, base64 root) the project
    was checked against; whether its events are the logged ones and the checkpoint holds; the
    first logged position whose event is gone or altered ({position, version}), if any."""
    with log.engine.connect() as conn:
        kept = conn.execute(
            select(audit_leaves)
            .where(audit_leaves.c.project_id == str(project_id))
            .order_by(audit_leaves.c.position)
        ).all()
    by_version = {event.originator_version: event for event in stored}
    first_bad = None
    for row in kept:
        event = by_version.get(row.version)
        if event is None or stored_leaf(event) != bytes(row.leaf_hash):
            first_bad = {"position": row.position, "version": row.version}
            break
    checkpoint = log.checkpoint_covering(kept[-1].notification_id if kept else None)
    try:
        notes.open_note(checkpoint.note, log.public_key)
        signed = log.root(checkpoint.size) == checkpoint.root
    except notes.NoteError:
        signed = False
    return {
        "size": checkpoint.size,
        "root": checkpoint.root_b64,
        "ok": signed and first_bad is None,
        "signed": signed,
        "first_bad": first_bad,
        "logged": len(kept),
    }
