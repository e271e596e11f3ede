"""Where a database keeps some bytes: SQLite's files; PostgreSQL's rows and data files.

PostgreSQL: every table of the database is searched row by row (its text, in which a
``bytea`` shows as hex), and, when this process can read the server's data directory (the
tests run as root or as the server's user, on its machine), every file of the database's own
folder ``base/<oid>`` after a ``CHECKPOINT`` has written what the server holds in memory. The
server's WAL (``pg_wal``) is not searched: it keeps what was written until its segments are
recycled (docs/deploy.md, backups).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def files_holding(folder: Path, needle: bytes) -> list[str]:
    """The files under ``folder`` (relative names) whose bytes hold ``needle``."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )


def database_holding(database_url: str, needle: bytes) -> list[str]:
    """Where the database at ``database_url`` keeps ``needle``.

    SQLite: the names of its files (the event store, the read models, their ``-wal`` and
    ``-shm``) holding it. PostgreSQL: ``table:<name>`` for each table with a row holding it,
    and ``file:base/<oid>/<file>`` for each of the database's data files holding it (none
    when the data directory cannot be read: see ``postgres_data_folder``).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return sorted(
            p.name
            for p in path.parent.glob(f"{path.stem}.*")
            if p.is_file() and needle in p.read_bytes()
        )
    found = [f"table:{name}" for name in postgres_tables_holding(database_url, needle)]
    folder = postgres_data_folder(database_url)
    if folder is not None:
        found += [
            f"file:{folder.parent.name}/{folder.name}/{n}" for n in files_holding(folder, needle)
        ]
    return found


def postgres_tables_holding(database_url: str, needle: bytes) -> list[str]:
    """The tables (every schema but the catalogs) with a row whose text holds ``needle``: as
    text, or as the hex a ``bytea`` column shows."""
    wanted = [needle.hex()]
    with contextlib.suppress(UnicodeDecodeError):
        wanted.append(needle.decode())
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                    " ORDER BY 1"
                )
            ).scalars()
            return [
                table
                for table in tables
                if conn.execute(
                    text(
                        f"SELECT EXISTS (SELECT FROM {table} AS t"
                        " WHERE strpos(t::text, :a) > 0 OR strpos(t::text, :b) > 0)"
                    ),
                    {"a": wanted[0], "b": wanted[-1]},
                ).scalar_one()
            ]
    finally:
        engine.dispose()


def postgres_data_folder(database_url: str) -> Path | None:
    """The database's own folder under the server's data directory, once a ``CHECKPOINT`` has
    written every changed page to its files; None when this process cannot read it (another
    machine, another user) or the server refuses the checkpoint."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            try:
                conn.exec_driver_sql("CHECKPOINT")
            except Exception:  # not a superuser (nor pg_checkpoint): the files may be stale
                return None
            data = Path(conn.exec_driver_sql("SHOW data_directory").scalar_one())
            relation = conn.exec_driver_sql("SELECT pg_relation_filepath('pg_class')").scalar_one()
    finally:
        engine.dispose()
    try:
        if not (data / relation).is_file():  # another server's folder, or none here
            return None
    except PermissionError:
        return None
    return (data / relation).parent
