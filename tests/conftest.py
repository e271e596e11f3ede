"""Shared fixtures: real SQLite files and a real PostgreSQL server, one fresh database a test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from renovation.domain.project import Actor

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

STAFF = Actor(id="user:zhang", role="staff", channel="test")


def postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _connect_admin():
    url = make_url(postgres_admin_url())
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        autocommit=True,
    )


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    name = f"renovation_test_{uuid.uuid4().hex[:12]}"
    with _connect_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with _connect_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

# The files that take longest (`--durations`), run first. bin/test spreads the files over
# processes (pytest-xdist, a whole file to a process, in this order): a long file handed out
# last would run alone at the end while the other processes sit idle.
RUN_FIRST = (
    "tests/integration/test_cli.py",
    "tests/web/test_openapi_fuzz.py",
    "tests/web/test_dashboard.py",
    "tests/web/test_report_language.py",
    "tests/integration/test_rebuild_swap.py",
    "tests/integration/test_erasure_everywhere.py",
    "tests/web/test_chinese_scan.py",
    "tests/integration/test_district_report.py",
    "tests/web/test_access_matrix.py",
    "tests/integration/test_schema_setup.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(RUN_FIRST)))


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A DATABASE_URL of an empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module", params=DATABASES)
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A DATABASE_URL of a database that every test of a module shares (heavy set-up made once
    per database): a SQLite file, or a new PostgreSQL database. Its tests must leave it as
    the next ones need it (``tests.helpers.forget_accounts`` empties the accounts' tables)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module-db')}/events.sqlite"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def runtime(database_url: str):
    from renovation.runtime import Runtime

    rt = Runtime(database_url)
    rt.create_tables()
    yield rt
    rt.close()


def flat(number: str, floor: int, area: str = "75.50", owner: str | None = None, **extra) -> dict:
    return {
        "number": number,
        "floor": floor,
        "area": area,
        "owner_ref": owner or f"O-{number}",
        **extra,
    }


def project_payload(name: str = "凤凰新村", district: str = "清江浦区", **overrides: Any) -> dict:
    """A small but complete registration: two buildings, content items, budget."""
    payload = {
        "community": {
            "name": name,
            "district": district,
            "city": "淮安市",
            "street": "浦楼街道",
            "address": "凤凰路1号",
            "year_built": 1992,
        },
        "buildings": [
            {
                "code": "1",
                "name": "1幢",
                "units": [
                    {
                        "code": "1",
                        "flats": [
                            flat("101", 1, "62.30"),
                            flat("102", 1, "75.10"),
                            flat("201", 2, "62.30", owner="O-101"),
                            flat("202", 2, "75.10", unsold=True),
                        ],
                    },
                    {
                        "code": "2",
                        "flats": [
                            flat("101", 1, "58.00", owner="O-2-101"),
                            flat("102", 1, "58.00", owner="O-2-102"),
                        ],
                    },
                ],
            },
            {
                "code": "2",
                "units": [{"code": "1", "flats": [flat("101", 1, "88.00", owner="O-3")]}],
            },
        ],
        "content_items": [
            {"category": "basic", "item": "雨污分流改造", "unit": "m", "planned_quantity": "1200"},
            {
                "category": "improvement",
                "item": "电动汽车充电桩",
                "unit": "个",
                "planned_quantity": "12",
            },
            {"category": "upgrade", "item": "社区助餐点", "unit": "处", "planned_quantity": "1"},
        ],
        "budget": [
            {"source": "中央补助资金", "amount": "1200000.00"},
            {"source": "居民出资", "amount": "50000.50"},
        ],
        "planned_start": "2026-03-01",
        "planned_finish": "2026-12-31",
    }
    payload.update(overrides)
    return payload


def registration(payload: dict | None = None) -> dict:
    """The payload as the application receives it (typed by the API's schema)."""
    from renovation.web.api.schemas import ProjectCreateSchema

    return ProjectCreateSchema().load(payload or project_payload())


@pytest.fixture
def web_app(database_url: str, tmp_path):
    """The Flask app on a fresh database, with one account of each role and their tokens."""
    from renovation import accounts
    from renovation.web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_ENABLED": False,
            "PHOTO_DIR": str(tmp_path / "photos"),
        }
    )
    engine = app.extensions["renovation"].engine
    app.tokens = {}
    for username, role, districts in [
        ("zhang", "staff", ["清江浦区"]),
        ("li", "staff", ["天宁区"]),
        ("chen", "auditor", []),
        ("root", "admin", []),
    ]:
        accounts.add_user(engine, username, "correct horse", role, districts=districts)
        app.tokens[role if role != "staff" or username == "zhang" else "other_staff"] = (
            accounts.issue_token(engine, username)
        )
    yield app
    app.extensions["renovation"].close()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def pages_app(tmp_path, database_url):
    """The web app for the pages (CSRF and rate limits off) on SQLite and on PostgreSQL."""
    from tests.helpers import make_app

    app = make_app(tmp_path, DATABASE_URL=database_url)
    yield app
    app.extensions["renovation"].close()


@pytest.fixture
def make_module_app(module_database_url, tmp_path):
    """Makes the web app (``tests.helpers.make_app``: CSRF and rate limits off unless asked)
    on the module's database, SQLite or PostgreSQL; afterwards the accounts made are gone
    (``forget_accounts``) and each app made is closed."""
    from tests.helpers import forget_accounts, make_app

    made = []

    def make(**config: Any):
        made.append(make_app(tmp_path, DATABASE_URL=module_database_url, **config))
        return made[-1]

    yield make
    for app in made:
        forget_accounts(app)
        app.extensions["renovation"].close()


@pytest.fixture
def app(tmp_path):
    """The web app on this test's own SQLite files, for the pages (CSRF and rate limits off)."""
    from tests.helpers import make_app

    app = make_app(tmp_path)
    yield app
    app.extensions["renovation"].close()


def bearer(web_app, role: str = "staff") -> dict[str, str]:
    return {"Authorization": f"Bearer {web_app.tokens[role]}"}


HAPPY_PATH = [
    "needs_survey",
    "intent_vote",
    "in_plan",
    "design",
    "plan_publicized",
    "plan_approved",
    "under_construction",
    "acceptance_inspection",
    "accepted",
    "evaluation",
    "long_term_management",
]


def hold_intent_vote(app, project_id, *, agree: bool = True, actor=STAFF) -> dict:
    """Run an intent vote (意愿征询) on paper for every flat and close it; returns the result.

    The round's window is around the application's clock; closing moves the clock past it.
    """
    from datetime import timedelta

    real_clock = app.clock
    now = real_clock()
    consultation_id = app.open_consultation(
        project_id,
        {
            "kind": "needs",
            "title": "改造意愿征询",
            "intent_vote": True,
            "matter": "alteration",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(hours=1),
            "scope": {"level": "community"},
        },
        actor=actor,
    ).value["consultation_id"]
    for f in app.get_project(project_id).flats():
        app.cast_paper_vote(
            project_id,
            consultation_id,
            flat_id=f"{f['building']}-{f['unit']}-{f['number']}",
            answers={},
            consent="agree" if agree else "disagree",
            actor=actor.__class__(actor.id, actor.role, "paper"),
        )
    app.clock = lambda: now + timedelta(hours=2)
    try:
        return app.close_consultation(project_id, consultation_id, actor=actor).value
    finally:
        app.clock = real_clock


SATISFACTION_QUESTION = {"type": "satisfaction", "text": "您对本次改造是否满意？"}


def hold_evaluation(
    app, project_id, answers: list[str] | None = None, *, actor=STAFF, close: bool = True
) -> tuple[str, dict | None]:
    """Run a satisfaction evaluation (问效) on paper: ``answers`` go to the first flats in
    order (default: every flat satisfied); closing moves the clock past the window.

    Returns the round id and the close's result (None when ``close`` is False).
    """
    from datetime import timedelta

    real_clock = app.clock
    now = real_clock()
    consultation_id = app.open_consultation(
        project_id,
        {
            "kind": "evaluation",
            "title": "改造满意度测评",
            "questions": [SATISFACTION_QUESTION],
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(hours=1),
            "scope": {"level": "community"},
        },
        actor=actor,
    ).value["consultation_id"]
    flats = app.get_project(project_id).flats()
    answers = ["satisfied"] * len(flats) if answers is None else answers
    for f, answer in zip(flats, answers, strict=False):
        app.cast_paper_vote(
            project_id,
            consultation_id,
            flat_id=f"{f['building']}-{f['unit']}-{f['number']}",
            answers={"q1": answer},
            consent=None,
            actor=actor.__class__(actor.id, actor.role, "paper"),
        )
    if not close:
        return consultation_id, None
    app.clock = lambda: now + timedelta(hours=2)
    try:
        return consultation_id, app.close_consultation(
            project_id, consultation_id, actor=actor
        ).value
    finally:
        app.clock = real_clock


def walk(app, project_id, to_stage: str, *, actor=STAFF) -> None:
    """Move a project along the happy path up to ``to_stage``, holding a passing intent vote,
    recording a passed acceptance meeting and holding a satisfaction evaluation."""
    current = app.get_project(project_id).stage
    start = HAPPY_PATH.index(current) + 1 if current in HAPPY_PATH else 0
    for stage in HAPPY_PATH[start : HAPPY_PATH.index(to_stage) + 1]:
        if stage == "in_plan":
            hold_intent_vote(app, project_id, actor=actor)  # moves it to in_plan
            continue
        if stage == "accepted" and not app.get_project(project_id).acceptance_meetings:
            from tests.helpers import record_acceptance

            record_acceptance(app, project_id, actor=actor)
        if stage == "long_term_management" and app.get_project(project_id).evaluation_held():
            hold_evaluation(app, project_id, actor=actor)
        app.transition_project(project_id, stage, actor=actor)
