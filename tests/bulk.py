"""Many events fast: projects built through the aggregate and saved in chunks.

For tests and benchmarks that need a store of thousands to millions of events
(benchmarks/bench_rebuild.py; tests/integration/test_rebuild_swap.py).
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from decimal import Decimal

from renovation.application.app import RenovationApplication
from renovation.domain.project import Actor, RenovationProject
from tests.conftest import HAPPY_PATH, project_payload, registration
from tests.unit.test_project_aggregate import walk as walk_aggregate

ACTOR = Actor("user:bench", "staff", "bench")
BUILD = HAPPY_PATH[: HAPPY_PATH.index("under_construction") + 1]
REGISTRATION = (
    "community",
    "buildings",
    "content_items",
    "budget",
    "planned_start",
    "planned_finish",
)
PER_PROJECT = 1000
_CODES = itertools.count(1)
SAVE_EVERY = 500


def typed_registration() -> dict:
    """A registration as ``RenovationProject.register`` takes it (the API's schema's types)."""
    data = registration(project_payload())
    return {k: data.get(k) for k in REGISTRATION}


def bulk_events(app: RenovationApplication, events: int) -> None:
    """``events`` events in projects of PER_PROJECT, saved in chunks."""
    typed = typed_registration()
    written = 0
    while written < events:
        project = RenovationProject.register(actor=ACTOR, **typed)
        walk_aggregate(project, *BUILD)
        size = min(PER_PROJECT, events - written)
        opinion, prefix = 0, uuid.uuid4().hex[:8]
        while project.version < size:
            step = project.version % 3
            if step == 0:
                opinion += 1
                project.submit_opinion(
                    f"{prefix}{opinion:08d}",
                    tracking_code=f"T{next(_CODES):09X}",  # unique: 1M random ones collide
                    category="construction",
                    text="施工噪音太大，请注意休息时间",
                    answer_due_on=date(2026, 12, 31),
                    actor=ACTOR,
                )
            elif step == 1 and opinion:
                project.answer_opinion(
                    f"{prefix}{opinion:08d}",
                    outcome="adopted",
                    answer="已安排错峰施工",
                    actor=ACTOR,
                )
            else:
                project.record_progress("item-1", Decimal(project.version), actor=ACTOR)
            if len(project.pending_events) >= SAVE_EVERY:
                app.save(project)
        app.save(project)
        written += project.version
