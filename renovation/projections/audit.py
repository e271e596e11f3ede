"""Chain verification: recompute each project's hash chain from the event store itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.application.errors import ProjectNotFoundError
from renovation.projections.store import project_event_log
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
