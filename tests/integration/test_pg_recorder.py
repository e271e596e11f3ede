"""The PostgreSQL recorder appends in one statement that takes the events table's lock.

The lock keeps notification ids in commit order, so a projection tailing the table never
passes over an id that commits later (see renovation/application/pg_recorder.py).
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy.engine import make_url

from renovation.application.pg_recorder import OrderedPostgresRecorder
from renovation.runtime import Runtime
from tests.conftest import STAFF, registration

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_append_waits_for_another_writers_uncommitted_insert(database_url):
    runtime = Runtime(database_url)
    runtime.create_tables()
    app = runtime.app
    assert isinstance(app.recorder, OrderedPostgresRecorder)
    table = app.recorder.events_table_name
    url = make_url(database_url)
    holder = psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, dbname=url.database
    )
    appended: list = []
    try:
        # Another writer's insert, not yet committed, holds ROW EXCLUSIVE (as any INSERT
        # does); without the table lock our insert would not wait and could commit first.
        holder.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")  # opens a transaction
        writer = threading.Thread(
            target=lambda: appended.append(app.register_project(registration(), actor=STAFF))
        )
        writer.start()
        writer.join(timeout=1.0)
        assert writer.is_alive() and not appended  # blocked on the lock, inside the insert
        holder.commit()
        writer.join(timeout=30)
        assert appended and app.get_project(appended[0].project_id).version == 1
    finally:
        holder.close()
        runtime.close()
