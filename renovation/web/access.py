"""Who may use each route, declared on the route and enforced before it runs: denied by default.

Every view says who may use it with one line, ``@access(...)``, naming one or more grants:

    @bp.get("/staff/projects/<uuid:project_id>/lifts")
    @access(STAFF)
    def staff_lifts(project_id): ...

    @blp.route("/<uuid:project_id>/acceptance/items/<string:item_id>/approve")
    class ItemApprove(MethodView):
        @access(STAFF, SUPERVISOR)
        ...

A hook run before every request looks the grants up on the view (on the method, for a class
of methods) and refuses the request when none admits the caller: 401 ``unauthorized`` with no
credentials (a page sends the visitor to the sign-in page instead), 403 ``forbidden`` with an
account the grants leave out (``not_your_project`` for a resident supervisor's account on
another project's route). A view without a declaration is refused to everyone (403), and
tests/web/test_access_declarations.py fails for it. The grants are published in OpenAPI as
``x-access`` on every operation (with the bearer security requirement when a grant needs an
account).

Scope: in a route with a ``project_id``, staff must cover the project's district (admins
cover all), auditors too when ``AUDITOR_SCOPE`` is ``district`` (``city``, the default: every
project), and a resident supervisor's account must be bound to that project. In a route
without a project, staff and district-bound auditors need at least one district: an account
without a district may use no staff route, and so writes nowhere. The views keep their own
checks (the district of a project named in a form, the supervisor's own items).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, request

from renovation.accounts import User
from renovation.domain.errors import ForbiddenError
from renovation.web.auth import any_user, api_user, page_user

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Grant:
    """One kind of caller admitted: ``audience`` and, for accounts, ``scope``."""

    audience: str
    scope: str
    meaning: str

    @property
    def needs_account(self) -> bool:
        return self.audience not in ("public", "resident")

    def doc(self) -> dict[str, str]:
        return {"audience": self.audience, "scope": self.scope, "meaning": self.meaning}


PUBLIC = Grant("public", "none", "anyone, without credentials")
RESIDENT = Grant(
    "resident", "code", "anyone, without an account: the household or tracking code sent "
    "with the request is the credential, checked by the route"
)
ACCOUNT = Grant("account", "own", "any signed-in account, for its own account")
STAFF = Grant(
    "staff", "district", "staff whose districts cover the project (in a route without a "
    "project: staff with a district); admins everywhere"
)
AUDITOR = Grant(
    "auditor", "auditor_scope", "auditors: every project when AUDITOR_SCOPE is city (the "
    "default), else the projects of their districts; admins everywhere"
)
CITY_AUDITOR = Grant(
    "auditor", "city", "auditors when AUDITOR_SCOPE is city (the default); admins"
)
SUPERVISOR = Grant(
    "supervisor", "project", "a resident supervisor's account bound to this project"
)
ADMIN = Grant("admin", "city", "admins")

ACCESS_ATTRIBUTE = "_access"
# Endpoints made by libraries, declared here rather than on their views.
LIBRARY_ENDPOINTS: dict[str, tuple[Grant, ...]] = {
    "static": (PUBLIC,),
    "api-docs.openapi_json": (PUBLIC,),
}


def access(*grants: Grant) -> Callable[[F], F]:
    """Declare who may use the view: the request is refused unless one of ``grants`` admits
    the caller. The view itself is returned unchanged (with the declaration and its OpenAPI
    ``x-access``), so the line may stand anywhere among the view's decorators."""
    if not grants or not all(isinstance(g, Grant) for g in grants):
        raise TypeError("access() takes one or more grants")

    def decorator(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, tuple(grants))
        apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual = apidoc.setdefault("manual_doc", {})
        manual["x-access"] = [g.doc() for g in grants]
        if all(g.needs_account for g in grants):
            manual["security"] = [{"bearer": []}]
        view._apidoc = apidoc  # type: ignore[attr-defined]
        return view

    return decorator


def declared(app: Flask, endpoint: str, method: str) -> tuple[Grant, ...] | None:
    """The grants declared for ``method`` on ``endpoint``; None when there are none."""
    if endpoint in LIBRARY_ENDPOINTS:
        return LIBRARY_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        name = method.lower()
        handler = getattr(view_class, name, None)
        if handler is None and name == "head":
            handler = getattr(view_class, "get", None)
        view = handler
    return getattr(view, ACCESS_ATTRIBUTE, None)


def caller() -> User | None:
    """Who asks: the API's bearer token (a read also takes the signed-in session, which the
    auditors' pages link to); a page's signed-in session."""
    if request.path.startswith("/api"):
        return any_user() if request.method in ("GET", "HEAD") else api_user()
    return page_user()


def auditor_scope() -> str:
    return current_app.config["AUDITOR_SCOPE"]


def admits(grant: Grant, user: User | None, project: tuple[str, str] | None) -> bool:
    """Whether ``grant`` lets ``user`` in; ``project`` is the route's (id, district), if any."""
    if not grant.needs_account:
        return True
    if user is None:
        return False
    if grant.audience == "account":
        return True
    if user.role == "admin":
        return grant.audience in ("staff", "auditor", "admin")
    district = project[1] if project else None
    if grant.audience == "staff" and user.role == "staff":
        if district is None:
            return user.all_districts or bool(user.districts)
        return user.may_write_in(district)
    if grant.audience == "auditor" and user.role == "auditor":
        if auditor_scope() == "city":
            return True
        if grant.scope == "city":
            return False
        return district in user.districts if district else bool(user.districts)
    if grant.audience == "supervisor" and user.role == "supervisor":
        return user.project_id is not None and (project is None or project[0] == user.project_id)
    return False


def route_project() -> tuple[str, str] | None:
    """The project named in the route and its district; None without one, or when no such
    project is known (the route then answers 404 itself). A route naming a district and no
    project gives ("", district)."""
    from renovation.projections.queries import get_summary
    from renovation.web import runtime

    args = request.view_args or {}
    project_id = args.get("project_id")
    if project_id is None:
        # a district's own route (its staff dashboard): scoped like a project of it
        district = args.get("district")
        return None if district is None else ("", str(district))
    summary = get_summary(runtime().engine, str(project_id))
    return None if summary is None else (str(project_id), summary["district"])


def check_access() -> Any:
    """The hook run before every request: refuse what the route's declaration does not admit."""
    if request.endpoint is None or request.method == "OPTIONS":
        return None  # no such route (404/405 follows), or Flask's own OPTIONS answer
    grants = declared(current_app, request.endpoint, request.method)
    if grants is None:
        current_app.logger.warning("access: %s declares no access; refused", request.endpoint)
        abort(403, description="this route declares no access")
    if not any(g.needs_account for g in grants):
        return None
    user = g.access_caller = caller()
    if user is None:
        if not request.path.startswith("/api"):
            from renovation.web.auth import login_manager

            return login_manager.unauthorized()
        abort(401, description="sign in, or send a bearer token")
    project = route_project()
    if not any(admits(g, user, project) for g in grants):
        if user.role == "supervisor" and SUPERVISOR in grants:
            raise ForbiddenError("not_your_project", field="project_id")
        abort(403, description="your account may not use this route")
    return None


def init_access(app: Flask) -> None:
    """Check every request against its route's declaration (after the rate limits)."""
    app.before_request(check_access)
