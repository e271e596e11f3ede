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
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def files_holding(folder: Path, needle: bytes) -> list[str]:
    """The files under ``folder`` (relative names) whose bytes hold ``needle``."""
    return where_in_files(folder, [needle])[needle]


def where_in_files(folder: Path, needles: Iterable[bytes]) -> dict[bytes, list[str]]:
    """For each needle, the files under ``folder`` (relative names) whose bytes hold it."""
    needles = list(needles)
    found: dict[bytes, list[str]] = {needle: [] for needle in needles}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        content = path.read_bytes()
        for needle in needles:
            if needle in content:
                found[needle].append(str(path.relative_to(folder)))
    return found


def database_holding(database_url: str, needle: bytes) -> list[str]:
    """Where the database at ``database_url`` keeps ``needle`` (see ``where_held``)."""
    return where_held(database_url, [needle])[needle]


def where_held(database_url: str, needles: Iterable[bytes]) -> dict[bytes, list[str]]:
    """For each needle, where the database at ``database_url`` keeps it.

    SQLite: the names of its files (the event store, the read models, their ``-wal`` and
    ``-shm``) holding it. PostgreSQL: ``table:<name>`` for each table with a row holding it,
    and ``file:base/<oid>/<file>`` for each of the database's data files holding it (none
    when the data directory cannot be read: see ``postgres_data_folder``).
    """
    needles = list(needles)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        found = where_in_files(path.parent, needles)
        return {
            n: [f for f in files if f.startswith(f"{path.stem}.")] for n, files in found.items()
        }
    found = postgres_tables_holding(database_url, needles)
    folder = postgres_data_folder(database_url)
    if folder is not None:
        for needle, files in where_in_files(folder, needles).items():
            found[needle] += [f"file:{folder.parent.name}/{folder.name}/{n}" for n in files]
    return found


TABLES = text(
    "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)


def postgres_tables_holding(database_url: str, needles: list[bytes]) -> dict[bytes, list[str]]:
    """For each needle, ``table:<name>`` for the tables (every schema but the catalogs) with a
    row whose text holds it: as text, or as the hex a ``bytea`` column shows."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(TABLES).scalars().all()
            found: dict[bytes, list[str]] = {}
            for needle in needles:
                wanted = [needle.hex()]
                with contextlib.suppress(UnicodeDecodeError):
                    wanted.append(needle.decode())
                found[needle] = [
                    f"table:{table}"
                    for table in tables
                    if conn.execute(
                        text(
                            f"SELECT EXISTS (SELECT FROM {table} AS t"
                            " WHERE strpos(t::text, :a) > 0 OR strpos(t::text, :b) > 0)"
                        ),
                        {"a": wanted[0], "b": wanted[-1]},
                    ).scalar_one()
                ]
            return found
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
