"""Every route declares who may use it (renovation/web/access.py), and every API operation
publishes that declaration in OpenAPI: a route added without one fails here, and is refused
to everyone meanwhile (denied by default)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from renovation.web.access import ACCOUNT, PUBLIC, STAFF, access, declared
from tests.helpers import make_app, signed_in

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("declarations"))
    yield app
    app.extensions["renovation"].close()


def routes(app: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.rule, method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods or ())
        if method in METHODS
    )


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        f"{method} {rule} ({endpoint})"
        for rule, method, endpoint in routes(app)
        if declared(app, endpoint, method) is None
    ]
    assert undeclared == [], "routes without @access(...): " + ", ".join(undeclared)
    assert len(routes(app)) > 100  # the walk saw the whole application


def test_every_api_operation_publishes_its_declaration(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method.upper() in METHODS
    ]
    assert len(operations) > 50
    missing = [f"{m.upper()} {path}" for path, m, op in operations if "x-access" not in op]
    assert missing == [], "operations without x-access: " + ", ".join(missing)
    for path, method, operation in operations:
        grants = operation["x-access"]
        assert grants and all({"audience", "scope", "meaning"} <= set(g) for g in grants)
        open_to_all = any(g["audience"] in ("public", "resident") for g in grants)
        assert open_to_all or operation.get("security") == [{"bearer": []}], (method, path)


def test_the_published_declaration_is_the_enforced_one(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    checked = 0
    for rule, method, endpoint in routes(app):
        path = re.sub(r"<(?:[^>]*:)?(\w+)>", r"{\1}", rule)
        operation = spec["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # a page or a file, not an API operation
        enforced = [g.doc() for g in declared(app, endpoint, method)]
        assert operation["x-access"] == enforced, (method, rule)
        checked += 1
    assert checked > 50


def test_a_route_without_a_declaration_is_refused_to_everyone(tmp_path):
    app = make_app(tmp_path)

    @app.get("/undeclared")
    def undeclared():
        return "secret"

    @app.get("/declared")
    @access(PUBLIC)
    def declared_route():
        return "open"

    staff = signed_in(app, "staff")
    assert app.test_client().get("/undeclared").status_code == 403
    assert staff.get("/undeclared").status_code == 403
    assert app.test_client().get("/declared").status_code == 200
    app.extensions["renovation"].close()


def test_access_needs_grants():
    with pytest.raises(TypeError):
        access()
    with pytest.raises(TypeError):
        access("staff")  # type: ignore[arg-type]
    assert STAFF.needs_account and ACCOUNT.needs_account and not PUBLIC.needs_account


def test_auditor_scope_must_be_city_or_district(tmp_path):
    with pytest.raises(ValueError, match="AUDITOR_SCOPE"):
        make_app(tmp_path, AUDITOR_SCOPE="province")
