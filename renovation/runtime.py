"""Wires the application, the read-model engine and the projection from one DATABASE_URL."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from renovation.application.app import RenovationApplication
from renovation.application.household_codes import load_code_key
from renovation.application.settings import Storage, storage_from_url
from renovation.ledger.log import AuditLog, AuditSettings, settings_from
from renovation.paths import PACKAGE_DIR
from renovation.projections.store import ProjectSummaryProjection
from renovation.projections.tables import make_engine
from renovation.projections.worker import ProjectionWorker, wait_for_external
from renovation.vault import PersonalDataVault

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# pg_advisory_xact_lock key that serialises schema set-up across processes ("renovati").
SCHEMA_LOCK_KEY = 0x72656E6F76617469


class Runtime:
    """Everything below the web layer that a process needs, built once per process."""

    def __init__(
        self,
        database_url: str,
        *,
        photo_store: Any = None,
        code_key: bytes | None = None,
        audit: AuditSettings | None = None,
    ) -> None:
        self.database_url = database_url
        instance = os.environ.get("RENOVATION_INSTANCE") or PACKAGE_DIR.parent / "instance"
        # The audit log's signing key and checkpoint interval (renovation.ledger.log).
        self.audit_settings = audit or settings_from(
            instance,
            os.environ.get("AUDIT_SIGNING_KEY"),
            os.environ.get("AUDIT_CHECKPOINT_EVERY"),
            os.environ.get("AUDIT_ORIGIN"),
        )
        # The household-code key (HMAC of the codes' digests), kept outside the event store:
        # by default HOUSEHOLD_CODE_KEY, else the key file in the instance folder
        # (RENOVATION_INSTANCE, else the checkout's instance/, as the web app's).
        self.code_key = code_key or load_code_key(instance, os.environ.get("HOUSEHOLD_CODE_KEY"))
        self.storage: Storage = storage_from_url(database_url)
        if self.storage.kind == "sqlite":
            make_private_sqlite_files(
                Path(self.storage.event_store_env["SQLITE_DBNAME"]),
                Path(make_url(self.storage.read_model_url).database or ""),
            )
        # The uploaded photos (renovation.photos.PhotoStore); with one, commands naming a
        # photo that was never uploaded are refused (unknown_photo).
        self.photo_store = photo_store
        # Who keeps the read models: "inline" (catch_up applies the events itself: the CLI,
        # tests), "thread" (start_worker: a thread of this process) or "external" (another
        # process runs ``renovation projections follow``). With a worker, catch_up waits at
        # most read_wait seconds for it and calls on_behind() when it did not get there.
        self.worker_mode = "inline"
        self.worker: ProjectionWorker | None = None
        self.read_wait = 2.0
        self.on_behind: Callable[[], None] | None = None

    @cached_property
    def app(self) -> RenovationApplication:
        # The library creates its tables and functions when the application is built; on
        # SQLite its own transactions serialise that, on PostgreSQL they race without a lock.
        postgres = self.storage.kind == "postgres"
        with self._schema_lock() if postgres else nullcontext():
            app = RenovationApplication(self.storage.event_store_env)
        app.vault = self.vault
        app.code_key = self.code_key
        app.photo_store = self.photo_store
        return app

    @cached_property
    def vault(self) -> PersonalDataVault:
        # Residents' subjects are digested under the household-code key, kept outside the
        # databases like it (renovation.vault: one key per resident).
        return PersonalDataVault(self.engine, subject_key=self.code_key)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.storage.read_model_url)

    @cached_property
    def projection(self) -> ProjectSummaryProjection:
        return ProjectSummaryProjection(self.app, self.engine)

    @cached_property
    def audit_log(self) -> AuditLog:
        """The append-only log over every stored event, with its signed checkpoints."""
        return AuditLog(self.app.recorder, self.engine, self.audit_settings)

    def create_tables(self) -> None:
        """Read-model and account tables; idempotent."""
        from renovation.accounts import create_tables as create_account_tables
        from renovation.answer_templates import create_tables as create_template_tables

        projection = self.projection  # builds the application first, under its own lock
        with self._schema_lock() as conn:
            projection.create_tables(conn)
            self.vault.create_tables(conn)
            create_account_tables(conn)
            create_template_tables(conn)
            self.audit_log.create_tables(conn)

    @contextmanager
    def _schema_lock(self) -> Iterator[Connection]:
        """A transaction on the read-model database that one process at a time holds.

        Workers starting together otherwise race: on PostgreSQL on ``CREATE OR REPLACE
        FUNCTION`` and ``CREATE TABLE`` ("tuple concurrently updated"), on SQLite when a
        read-only transaction that found no table tries to create it ("database is locked").
        PostgreSQL takes a transaction-scoped advisory lock, so it is released however the
        block ends; SQLite takes the write lock up front (``BEGIN IMMEDIATE``).
        """
        if self.storage.kind == "postgres":
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
                yield conn
            return
        with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
            yield conn

    def destroy_orphan_keys(self, older_than: timedelta = timedelta(hours=1)) -> int:
        """Destroy vault keys no stored event names, made more than ``older_than`` ago.

        A command seals personal data before its event is stored; when the command then fails
        (refused, conflict, crash) the key stays behind sealing nothing. Every event's stored
        state is searched for key ids (whatever field holds them: an opinion's
        ``personal_key_id``, a supervisor's ``name_key``), so no live key is touched; the age
        keeps keys of commands still running. Returns how many keys were destroyed.
        """
        candidates = self.vault.keys_created_before(datetime.now(UTC) - older_than)
        if not candidates:
            return 0
        mapper = self.app.mapper
        referenced: set[str] = set()
        start = 1
        while notifications := self.app.recorder.select_notifications(start=start, limit=2000):
            for notification in notifications:
                state = notification.state  # as the mapper reads it: decrypt, then decompress
                if mapper.cipher is not None:
                    state = mapper.cipher.decrypt(state)
                if mapper.compressor is not None:
                    state = mapper.compressor.decompress(state)
                referenced.update(m.decode() for m in _UUID.findall(state))
            start = notifications[-1].id + 1
        orphans = sorted(candidates - referenced)
        return self.vault.destroy(orphans) if orphans else 0

    def catch_up(self, until: int | None = None) -> int:
        """Bring the read models and the audit log up to date (at least up to ``until``).

        Inline, applies the events and returns how many the read models took. With a
        worker, waits for it to pass ``until`` (unset: the store's head) and returns 0; when
        it is not there within ``read_wait`` seconds, calls ``on_behind`` (the answer then
        says the read models are behind) rather than apply anything itself.
        """
        if self.worker_mode == "inline":
            applied = self.projection.catch_up(until=until)
            self.audit_log.catch_up(until=until)
            return applied
        target = until if until is not None else self.app.recorder.max_notification_id() or 0
        if self.worker is not None:
            passed = self.worker.wait_for(target, self.read_wait)
        else:
            passed = wait_for_external(self, target, self.read_wait)
        if not passed and self.on_behind is not None:
            self.on_behind()
        return 0

    def start_worker(self, *, interval: float = 0.5) -> ProjectionWorker:
        """Keep the read models from a thread of this process (stopped by ``close``)."""
        if self.worker is None or not self.worker.running:
            self.worker = ProjectionWorker(self, interval=interval).start()
        self.worker_mode = "thread"
        return self.worker

    def follow(self, *, interval: float = 0.5, stop: Callable[[], bool] = lambda: False) -> None:
        """Keep the read models and the audit log up to date until ``stop()`` (the worker
        process): woken by the recorder's NOTIFY on PostgreSQL, polling every ``interval``."""
        ProjectionWorker(self, interval=interval, listen=True).run(stop)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.app.close()
        self.engine.dispose()


def make_private_sqlite_files(*databases: Path) -> None:
    """Database files readable by the service's user only (0600), before SQLite opens them.

    SQLite gives a database's ``-wal`` and ``-shm`` files the database file's permissions, so
    creating the (empty, hence valid) database file 0600 covers those too; files already there
    are narrowed to 0600. A folder created for them is 0700.
    """
    for database in databases:
        database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            if path.exists():
                path.chmod(0o600)
