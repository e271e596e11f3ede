"""The read models' tables (renovation.projections.store keeps them) and their engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

project_summaries = Table(
    "project_summaries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("district", String(200), nullable=False),
    Column("city", String(200), nullable=False),
    Column("street", String(200), nullable=False),
    Column("address", String(200), nullable=False),
    Column("year_built", Integer),
    Column("stage", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("buildings", Integer, nullable=False),
    Column("units", Integer, nullable=False),
    Column("flats", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("total_area", String(40), nullable=False),
    Column("content_items", Text, nullable=False),
    Column("budget", Text, nullable=False),
    Column("budget_total", String(40), nullable=False),
    Column("planned_start", String(10)),
    Column("planned_finish", String(10)),
    Column("stage_history", Text, nullable=False),
    Column("registered_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    Column("chain_digest", String(64), nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("opinions", Integer, nullable=False),
    Column("consultations", Integer, nullable=False),
    # Added with the programme year and batch (ProgrammeAssigned).
    Column("year", Integer),
    Column("batch", String(40)),
    Index("ix_project_summaries_district_name", "district", "name"),
    Index("ix_project_summaries_stage", "stage"),
)

opinions = Table(
    "opinions",
    metadata,
    Column("opinion_id", String(32), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("project_name", String(200), nullable=False),
    Column("district", String(200), nullable=False, index=True),
    Column("tracking_code", String(16), nullable=False, unique=True),
    Column("category", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("hidden", Boolean, nullable=False),
    Column("moderation_reason", Text, nullable=False),
    Column("building", String(20), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("submitted_at", String(40), nullable=False),
    Column("answer_due_on", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20)),
    Column("answer", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("referred_to", String(200), nullable=False),
    Column("links", Text, nullable=False),
    Column("answered_at", String(40)),
    Column("last_answered_at", String(40)),
    Column("answered_on_time", Boolean),
    Column("answered_by", String(100)),
    Column("personal_key_id", String(36)),
    Column("personal_sealed", Text),
    Column("version", Integer, nullable=False),
    # Added with the residents' rating of answers; create_tables adds them to older tables.
    Column("rating", String(30)),
    Column("rated_at", String(40)),
    Index("ix_opinions_project_status", "project_id", "status"),
)

milestones = Table(
    "milestones",
    metadata,
    Column("milestone_id", String(32), primary_key=True),
    Column("project_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("item_id", String(32), nullable=False),
    Column("item", String(200), nullable=False),
    Column("category", String(20), nullable=False),
    Column("unit", String(200), nullable=False),
    Column("quantity", String(40), nullable=False),
    Column("done_quantity", String(40), nullable=False),
    Column("progress", Integer, nullable=False),
    Column("planned_start", String(10), nullable=False),
    Column("planned_finish", String(10), nullable=False),
    Column("first_planned_finish", String(10), nullable=False),
    Column("actual_start", String(10)),
    Column("actual_finish", String(10)),
    Column("status", String(20), nullable=False),
    Column("reports", Text, nullable=False),
    Column("delays", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("version", Integer, nullable=False),
)


def _project_state_table(name: str) -> Table:
    """A table of one JSON row per project: ``state`` is a fold's row, at ``version``."""
    return Table(
        name,
        metadata,
        Column("project_id", String(36), primary_key=True),
        Column("state", Text, nullable=False),
        Column("version", Integer, nullable=False),
    )


# One row per project with acceptance records (the fold of acceptance.py).
project_acceptance = _project_state_table("project_acceptance")
# One row per project with lift retrofits (the fold of lifts.py).
project_lifts = _project_state_table("project_lifts")

event_log = Table(
    "event_log",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("project_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("effective_on", String(10)),
    Column("actor_id", String(100), nullable=False),
    Column("actor_role", String(40), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
    # What the event did, masked, as JSON (event_summary.py); added after release.
    Column("summary", Text),
    UniqueConstraint("project_id", "version", name="uq_event_log_project_version"),
)


# Nullable columns added to a released table: (table, column, SQL type). Their events are
# newer than the columns, so rows of an older table hold no value for them to miss.
_ADDED_COLUMNS = (
    ("opinions", "rating", "VARCHAR(30)"),
    ("opinions", "rated_at", "VARCHAR(40)"),
    ("event_log", "summary", "TEXT"),
    ("project_summaries", "year", "INTEGER"),
    ("project_summaries", "batch", "VARCHAR(40)"),
)


def _add_missing_columns(conn: Connection) -> None:
    existing: dict[str, set[str]] = {}
    for table, column, sql_type in _ADDED_COLUMNS:
        if table not in existing:
            existing[table] = {c["name"] for c in inspect(conn).get_columns(table)}
        if column not in existing[table]:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def make_engine(url: str) -> Engine:
    """An engine for the read models; on SQLite, WAL and ``BEGIN IMMEDIATE`` on demand."""
    if not url.startswith("sqlite"):
        # No pre-ping (a round trip per checkout); recycle instead, and retry at the caller.
        return create_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Deleted content (destroyed personal-data keys) is overwritten with zeros, not left
        # in free space (issue 10; renovation.vault).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A read-then-write transaction in WAL mode fails at once with "database is locked"
        # unless it takes the write lock up front (DESIGN.md pitfalls).
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
