"""Who may use every route, proved cell by cell: role × route × own/other district or project.

The routes and what each should allow come from their declarations (renovation/web/access.py);
what a declaration means for each kind of caller is written out here, apart from the code that
enforces it. Every route is asked by every caller, on the demo's data on SQLite and on
PostgreSQL (made once per database), with the route's project being the one with a resident
supervisor (天宁区): allowed → anything but 401 and 403; refused → 401 ``unauthorized`` (a
page: off to the sign-in page) or 403 ``forbidden`` (``not_your_project`` for a supervisor's
account on another project).

Sub-resources in the paths are ids that do not exist, so an allowed write answers 404 or 422
and changes nothing that later requests depend on. Routes open to everyone are asked about a
project that does not exist (their declaration looks at neither the project nor the caller;
the PDFs would otherwise take most of the time), and the PDFs of a project or a district
with a period that is no date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from renovation import accounts
from renovation.demo import load_demo
from renovation.web import runtime
from renovation.web.access import declared
from tests.helpers import PASSWORD, make_app

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
OWN, OTHER = "天宁区", "清江浦区"  # the supervisor's project's district, and another
# Callers: how each is made (role, districts, bound to the route's project?), None: no account.
PERSONAS: dict[str, tuple[str, tuple[str, ...], bool] | None] = {
    "anonymous": None,
    "resident": None,  # anonymous, with a household code in every request
    "supervisor_own": ("supervisor", (), True),
    "supervisor_other": ("supervisor", (), False),
    "staff_own": ("staff", (OWN,), False),
    "staff_other": ("staff", (OTHER,), False),
    "staff_none": ("staff", (), False),
    "auditor": ("auditor", (OTHER,), False),
    "admin": ("admin", (), False),
}
SIGNED_IN = [p for p, made in PERSONAS.items() if made is not None]
# What each declared audience admits, on a route of the project (scoped) or of none.
ADMITS: dict[tuple[str, str], set[str]] = {
    ("public", "none"): set(PERSONAS),
    ("resident", "code"): set(PERSONAS),
    ("account", "own"): set(SIGNED_IN),
    ("staff", "district"): {"staff_own", "admin"},
    ("auditor", "auditor_scope"): {"auditor", "admin"},  # AUDITOR_SCOPE=city
    ("auditor", "city"): {"auditor", "admin"},
    ("supervisor", "project"): {"supervisor_own"},
    ("admin", "city"): {"admin"},
}
ADMITS_WITHOUT_PROJECT = {
    **ADMITS,
    ("staff", "district"): {"staff_own", "staff_other", "admin"},
    ("supervisor", "project"): {"supervisor_own", "supervisor_other"},
}
UNKNOWN_PROJECT = "00000000-0000-4000-8000-000000000000"
# Asked of a PDF: a period and a language that are none, so an admitted caller is told so (422,
# or the history page naming the field) instead of waiting seconds for a PDF (their own tests
# render them).
NOT_A_PERIOD = {"from": "none-such", "lang": "none-such"}
DUMMY = {"hex": "ab" * 16, "int": "1", "sha256": "0" * 64}


class World:
    """The demo's data, one account of each kind, and a way to ask as each."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        with app.app_context():
            demo = load_demo(runtime().app)
            runtime().catch_up()
            self.project, supervisor_id = demo["supervisor"]
            self.other_project = next(p for p in demo["projects"] if p != self.project)
            self.code = next(iter(demo["household_codes"].values()))
            engine = runtime().engine
            self.tokens: dict[str, str] = {}
            for persona, made in PERSONAS.items():
                if made is None:
                    continue
                role, districts, own = made
                if role == "supervisor":
                    accounts.add_supervisor_account(
                        engine,
                        persona,
                        PASSWORD,
                        project_id=self.project if own else self.other_project,
                        supervisor_id=supervisor_id if own else "supervisor-9",
                    )
                else:
                    accounts.add_user(engine, persona, PASSWORD, role, districts=list(districts))
                self.tokens[persona] = accounts.issue_token(engine, persona)
        self.pages: dict[str, FlaskClient] = {}

    def page_client(self, persona: str) -> FlaskClient:
        """A client signed in through the login form (anonymous for no account)."""
        if persona not in self.pages:
            client = self.app.test_client()
            if PERSONAS[persona] is not None:
                signed = client.post("/login", data={"username": persona, "password": PASSWORD})
                assert signed.status_code == 302, persona
            self.pages[persona] = client
        return self.pages[persona]

    def forget_sessions(self) -> None:
        self.pages.clear()

    def url(self, rule, *, project: str | None = None) -> str:
        values: dict[str, Any] = {}
        for name in rule.arguments:
            converter = type(rule._converters[name]).__name__.lower()
            if name == "project_id":
                values[name] = project or self.project
            elif name == "sha256":
                values[name] = DUMMY["sha256"]
            elif name == "filename":
                values[name] = "css/app.css"
            elif name == "district":
                values[name] = OWN
            elif converter == "anyconverter":  # one of a fixed list: take the first
                values[name] = sorted(rule._converters[name].items)[0]
            else:
                values[name] = next(
                    (v for k, v in DUMMY.items() if converter.startswith(k)), "none-such"
                )
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **values)

    def ask(self, persona: str, method: str, path: str, query: dict[str, str] | None = None):
        api = path.startswith("/api")
        if api:
            client = self.app.test_client()
            headers = (
                {"Authorization": f"Bearer {self.tokens[persona]}"}
                if persona in (self.tokens)
                else {}
            )
        else:
            client, headers = self.page_client(persona), {}
        query = {**(query or {}), **({"code": self.code} if persona == "resident" else {})}
        if method == "GET":
            return client.get(path, query_string=query, headers=headers)
        body = {"json": {}} if api else {"data": dict(query)}
        return client.open(path, method=method, query_string=query, headers=headers, **body)


@pytest.fixture(scope="module")
def world(module_database_url, tmp_path_factory) -> Iterator[World]:
    """The demo and the accounts, made once per database (SQLite, PostgreSQL)."""
    app = make_app(tmp_path_factory.mktemp("matrix"), DATABASE_URL=module_database_url)
    yield World(app)
    app.extensions["renovation"].close()


def cells(app: Flask) -> list[tuple[Any, str]]:
    """Every (rule, method) of the application; signing out last, as it ends the session."""
    found = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods or ())
        if method in METHODS
    ]
    return sorted(found, key=lambda c: (c[0].endpoint == "pages.logout", c[0].rule, c[1]))


def expected(grants, scoped: bool, admits=None) -> set[str]:
    table = admits or (ADMITS if scoped else ADMITS_WITHOUT_PROJECT)
    allowed: set[str] = set()
    for grant in grants:
        allowed |= table[(grant.audience, grant.scope)]
    return allowed


def refused_properly(answer, path: str) -> bool:
    if path.startswith("/api"):
        code = (answer.get_json(silent=True) or {}).get("code")
        return (answer.status_code, code) in (
            (401, "unauthorized"),
            (403, "forbidden"),
            (403, "not_your_project"),  # a supervisor's account, on another project
        )
    if answer.status_code == 302:
        return re.search(r"/login(\?|$)", answer.headers["Location"]) is not None
    return answer.status_code == 403


def test_every_cell_of_the_matrix(world):
    app = world.app
    wrong: list[str] = []
    asked = 0
    for rule, method in cells(app):
        grants = declared(app, rule.endpoint, method)
        scoped = bool({"project_id", "district"} & rule.arguments)
        allowed = expected(grants, scoped)
        open_to_all = not any(g.needs_account for g in grants)
        path = world.url(rule, project=UNKNOWN_PROJECT if open_to_all else None)
        # an empty list is quick to render: the home page lists no project
        query = {"q": "none-such"} if open_to_all else None
        if path.endswith(".pdf"):
            query = {**(query or {}), **NOT_A_PERIOD}
        for persona in PERSONAS:
            answer = world.ask(persona, method, path, query)
            asked += 1
            if persona in allowed:
                if answer.status_code in (401, 403) or (
                    answer.status_code == 302
                    and "/login" in answer.headers.get("Location", "")
                    and rule.endpoint != "pages.logout"
                ):
                    wrong.append(f"{persona} refused {method} {rule.rule}: {answer.status_code}")
            elif not refused_properly(answer, path):
                wrong.append(f"{persona} let into {method} {rule.rule}: {answer.status_code}")
    world.forget_sessions()
    assert wrong == [], "\n".join(wrong)
    assert asked > 900


AUDITOR_CELLS = (
    "audit.Events",
    "audit.Verify",
    "participation.Opinions",
    "pages.audit_list",
    "participation.AccessLog",
    "answer_templates.Templates",
)


def test_auditors_limited_to_their_districts_when_configured(world, monkeypatch):
    """AUDITOR_SCOPE=district: an auditor of the project's district reads it, one of another
    district or of none does not; the city-wide reads (the access log) are refused."""
    app = world.app
    with app.app_context():
        engine = runtime().engine
        for name, districts in (("auditor_own", [OWN]), ("auditor_none", [])):
            if name not in world.tokens:
                accounts.add_user(engine, name, PASSWORD, "auditor", districts=districts)
                world.tokens[name] = accounts.issue_token(engine, name)
    monkeypatch.setitem(app.config, "AUDITOR_SCOPE", "district")
    monkeypatch.setitem(PERSONAS, "auditor_own", ("auditor", (OWN,), False))
    monkeypatch.setitem(PERSONAS, "auditor_none", ("auditor", (), False))
    admits = {
        ("auditor", "auditor_scope"): {"auditor_own", "admin"},
        ("auditor", "city"): {"admin"},
        ("staff", "district"): {"staff_own", "admin"},
    }
    without_project = {**admits, ("auditor", "auditor_scope"): {"auditor", "auditor_own", "admin"}}
    wrong = []
    for rule, method in cells(app):
        if rule.endpoint not in AUDITOR_CELLS or method != "GET":
            continue
        grants = declared(app, rule.endpoint, method)
        scoped = "project_id" in rule.arguments
        allowed = expected(grants, scoped, admits if scoped else without_project)
        path = world.url(rule)
        for persona in ("auditor", "auditor_own", "auditor_none", "admin"):
            answer = world.ask(persona, "GET", path)
            ok = (
                answer.status_code not in (302, 401, 403)
                if persona in allowed
                else refused_properly(answer, path)
            )
            if not ok:
                wrong.append(f"{persona} {rule.rule}: {answer.status_code}")
    world.forget_sessions()
    assert wrong == [], "\n".join(wrong)


def test_auditors_city_wide_by_default(world):
    """AUDITOR_SCOPE=city (the default): an auditor bound to 清江浦区 still reads 天宁区's
    history and verifies its chain."""
    assert world.app.config["AUDITOR_SCOPE"] == "city"
    for tail in ("events", "verify"):
        answer = world.ask("auditor", "GET", f"/api/projects/{world.project}/{tail}")
        assert answer.status_code == 200, answer.get_json()


def test_an_account_without_a_district_writes_nowhere(world):
    """No staff route, page or API, read or write, admits staff without a district."""
    app = world.app
    tried = 0
    for rule, method in cells(app):
        grants = declared(app, rule.endpoint, method)
        if not any(g.audience == "staff" for g in grants):
            continue
        if any(not g.needs_account for g in grants):
            continue
        path = world.url(rule)
        answer = world.ask("staff_none", method, path)
        assert refused_properly(answer, path), (method, rule.rule, answer.status_code)
        tried += 1
    world.forget_sessions()
    assert tried > 50
