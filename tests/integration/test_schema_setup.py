"""Several processes starting at once (gunicorn workers, a projection worker) set up the schema.

On PostgreSQL the event store's ``CREATE OR REPLACE FUNCTION`` statements and the read model's
``CREATE TABLE`` race each other ("tuple concurrently updated"); the runtime serialises them.
"""

from __future__ import annotations

import multiprocessing

from renovation.projections.queries import get_summary
from renovation.runtime import Runtime
from tests.conftest import STAFF, registration

STARTERS = 6


def _start(database_url: str, barrier) -> None:
    barrier.wait()
    runtime = Runtime(database_url)
    try:
        runtime.create_tables()
    finally:
        runtime.close()


def test_processes_starting_together_all_set_up_the_schema(database_url):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(STARTERS)
    for round_ in range(2):  # first on an empty database, then on an existing schema
        starters = [
            context.Process(target=_start, args=(database_url, barrier)) for _ in range(STARTERS)
        ]
        for process in starters:
            process.start()
        for process in starters:
            process.join(timeout=120)
        assert [p.exitcode for p in starters] == [0] * STARTERS, f"round {round_}"

    runtime = Runtime(database_url)
    try:
        runtime.create_tables()
        result = runtime.app.register_project(registration(), actor=STAFF)
        runtime.catch_up()
        assert get_summary(runtime.engine, str(result.project_id))["name"] == "凤凰新村"

    finally:
        runtime.close()
