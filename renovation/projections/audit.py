"""Chain verification: recompute each project's hash chain from the event store itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import Engine, select

from renovation.application.app import RenovationApplication
from renovation.application.errors import ProjectNotFoundError
from renovation.ledger.log import read_store
from renovation.projections.queries import project_event_log
from renovation.projections.store import event_log
from renovation.projections.summary import GENESIS_DIGEST, chain_digest


@dataclass
class Verification:
    project_id: str
    events_checked: int = 0
    chain_digest: str = GENESIS_DIGEST
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_project(app: RenovationApplication, engine: Engine, project_id: UUID) -> Verification:
    """Recompute the chain over the stored events and compare it with the recorded digests.

    A stored event altered, removed or inserted after it was projected changes every digest
    from that version on; the first mismatch is reported with its version.
    """
    stored = app.recorder.select_events(project_id)
    if not stored:
        raise ProjectNotFoundError(project_id)
    recorded = {row["version"]: row["digest"] for row in project_event_log(engine, str(project_id))}
    result = Verification(str(project_id))
    expected_version = 1
    for event in stored:
        if event.originator_version != expected_version:
            result.problems.append(
                {"version": expected_version, "problem": "missing event in the store"}
            )
            expected_version = event.originator_version
        result.chain_digest = chain_digest(
            result.chain_digest,
            event.originator_id,
            event.originator_version,
            event.topic,
            event.state,
        )
        result.events_checked += 1
        known = recorded.get(event.originator_version)
        if known is None:
            result.problems.append(
                {"version": event.originator_version, "problem": "not yet projected"}
            )
        elif known != result.chain_digest:
            result.problems.append(
                {"version": event.originator_version, "problem": "digest differs from the record"}
            )
        expected_version += 1
    for version in sorted(set(recorded) - {e.originator_version for e in stored}):
        result.problems.append({"version": version, "problem": "recorded event missing from store"})
    return result


def verify_projects(
    app: RenovationApplication, engine: Engine, project_ids: list[UUID]
) -> list[Verification]:
    """``verify_project`` for each of ``project_ids``, in one pass over the store.

    Reads the stored rows once in notification order (a project's versions come in order
    there) instead of once per project; a project whose versions do not (a store altered
    behind the service's back) is checked again by ``verify_project``, so the findings are
    the same either way.
    """
    results = {pid.bytes: Verification(str(pid)) for pid in project_ids}
    last: dict[bytes, int] = {}
    stored_versions: dict[bytes, set[int]] = {key: set() for key in results}
    out_of_order: set[bytes] = set()
    recorded = recorded_digests(engine)
    start, head = 1, app.recorder.max_notification_id() or 0
    while start <= head and (rows := read_store(app.recorder, start, 5000, head)):
        for row in rows:
            result = results.get(row.originator)
            if result is None or row.originator in out_of_order:
                continue
            expected = last.get(row.originator, 0) + 1
            if row.version < expected:
                out_of_order.add(row.originator)
                continue
            if row.version != expected:
                result.problems.append(
                    {"version": expected, "problem": "missing event in the store"}
                )
            last[row.originator] = row.version
            stored_versions[row.originator].add(row.version)
            result.chain_digest = chain_digest(
                result.chain_digest, result.project_id, row.version, row.topic, row.state
            )
            result.events_checked += 1
            known = recorded.get((result.project_id, row.version))
            if known is None:
                result.problems.append({"version": row.version, "problem": "not yet projected"})
            elif known != result.chain_digest:
                result.problems.append(
                    {"version": row.version, "problem": "digest differs from the record"}
                )
        start = rows[-1].id + 1
    recorded_versions: dict[str, set[int]] = {}
    for project, version in recorded:
        recorded_versions.setdefault(project, set()).add(version)
    found = []
    for key, result in results.items():
        if key in out_of_order:
            found.append(verify_project(app, engine, UUID(bytes=key)))
            continue
        if not result.events_checked:
            raise ProjectNotFoundError(UUID(bytes=key))
        versions = recorded_versions.get(result.project_id, set())
        for version in sorted(versions - stored_versions[key]):
            result.problems.append(
                {"version": version, "problem": "recorded event missing from store"}
            )
        found.append(result)
    return found


def recorded_digests(engine: Engine) -> dict[tuple[str, int], str]:
    """Every digest the read model recorded, by (project id, version)."""
    query = select(event_log.c.project_id, event_log.c.version, event_log.c.digest)
    with engine.connect() as conn:
        return {(p, v): d for p, v, d in conn.execute(query)}
