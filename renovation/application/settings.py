"""One ``DATABASE_URL`` decides where events and read models live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Storage:
    """The event store's environment for the eventsourcing library, and the read-model URL."""

    kind: str  # "sqlite" or "postgres"
    event_store_env: dict[str, str]
    read_model_url: str


def storage_from_url(database_url: str, *, sqlite_read_model: str = "sibling") -> Storage:
    """Translate ``sqlite:///file`` or ``postgresql+psycopg://…`` into both stores' settings.

    On SQLite the read models go to a sibling file: projection writes then never compete with
    event appends for the one writer lock (``sqlite_read_model="same"`` puts them in the
    event store's file; benchmarks/bench_readmodel_file.py compares the two).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("DATABASE_URL: SQLite needs a file, e.g. sqlite:///instance/x.sqlite")
        path = Path(url.database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private (issue 10)
        read_model = (
            path
            if sqlite_read_model == "same"
            else path.with_name(f"{path.stem}.readmodel{path.suffix or '.sqlite'}")
        )
        return Storage(
            kind="sqlite",
            event_store_env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "10",
                # A process's concurrent appends in one commit (see combined_inserts.py).
                "APPLICATION_RECORDER_TOPIC": "renovation.application.combined_inserts:"
                "CombinedSQLiteRecorder",
            },
            read_model_url=f"sqlite:///{read_model}",
        )
    if url.get_backend_name() == "postgresql":
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database or "",
            "POSTGRES_HOST": url.host or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_LOCK_TIMEOUT": "5",
            # Appends in one round trip, table lock included (see pg_recorder.py).
            "POSTGRES_ENABLE_DB_FUNCTIONS": "yes",
            "APPLICATION_RECORDER_TOPIC": "renovation.application.pg_recorder:"
            "OrderedPostgresRecorder",
        }
        if schema := url.query.get("schema"):
            env["POSTGRES_SCHEMA"] = str(schema)
        return Storage(
            kind="postgres",
            event_store_env=env,
            read_model_url=url.set(drivername="postgresql+psycopg").render_as_string(
                hide_password=False
            ),
        )
    raise ValueError(f"DATABASE_URL: unsupported database {url.get_backend_name()!r}")
