"""Wires the application, the read-model engine and the projection from one DATABASE_URL."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Engine

from renovation.application.app import RenovationApplication
from renovation.application.settings import Storage, storage_from_url
from renovation.projections.store import ProjectSummaryProjection, make_engine
from renovation.vault import PersonalDataVault


class Runtime:
    """Everything below the web layer that a process needs, built once per process."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.storage: Storage = storage_from_url(database_url)

    @cached_property
    def app(self) -> RenovationApplication:
        app = RenovationApplication(self.storage.event_store_env)
        app.vault = self.vault
        return app

    @cached_property
    def vault(self) -> PersonalDataVault:
        return PersonalDataVault(self.engine)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.storage.read_model_url)

    @cached_property
    def projection(self) -> ProjectSummaryProjection:
        return ProjectSummaryProjection(self.app, self.engine)

    def create_tables(self) -> None:
        """Read-model and account tables; idempotent."""
        from renovation.accounts import create_tables as create_account_tables

        self.projection.create_tables()
        self.vault.create_tables()
        create_account_tables(self.engine)

    def catch_up(self, until: int | None = None) -> int:
        """Bring the read models up to date (at least up to position ``until``)."""
        return self.projection.catch_up(until=until)

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()
