"""A PostgreSQL event recorder that appends in one round trip and keeps commit order.

The library's ``PostgresApplicationRecorder`` appends in a pipelined transaction: ``LOCK
TABLE … IN EXCLUSIVE MODE`` (so notification ids are issued in commit order and a tailing
projection never passes over a gap that fills in later), ``NOTIFY``, the insert, then the
commit — two round trips with the lock held across both. Its optional database function
does it in one round trip but leaves the lock out.

This recorder installs its own variant of that function with the lock inside: the call is
one autocommit statement, so the lock is taken, the rows inserted and the transaction
committed before the lock is released — the same ordering guarantee, one round trip.
``benchmarks/bench_core.py`` measures both.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from renovation.application.combined_inserts import CombinedInserts


class OrderedPostgresRecorder(CombinedInserts, PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose insert function takes the table lock itself; a
    process's concurrent appends are combined into one call (``CombinedInserts``)."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        if not datastore.enable_db_functions:
            raise ValueError("OrderedPostgresRecorder needs POSTGRES_ENABLE_DB_FUNCTIONS=yes")
        schema = Identifier(datastore.schema)
        table = Identifier(self.events_table_name)
        self.pg_function_name_insert_events = (
            f"renovation_insert_events_locked_{datastore.originator_id_type}"
        )
        function = Identifier(self.pg_function_name_insert_events)
        # As plain text, so psycopg converts it once and keeps it (a composed statement is
        # converted again on every append: 5 % of a command's time in the profile).
        self.sql_invoke_pg_function_insert_events = (
            SQL("SELECT * FROM {schema}.{function}((%s))")
            .format(schema=schema, function=function)
            .as_string(None)
        )
        self.sql_create_statements[self.create_insert_function_statement_index] = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
            "  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "  NOTIFY {channel}; "
            "  RETURN QUERY "
            "    INSERT INTO {schema}.{table} AS t "
            "      (originator_id, originator_version, topic, state) "
            "    SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "    RETURNING notification_id; "
            "END; $BODY$"
        ).format(
            schema=schema,
            function=function,
            event=Identifier(self.stored_event_type_name),
            table=table,
            channel=Identifier(self.channel_name),
            lock_timeout=datastore.lock_timeout,
        )
