"""Who is asking: bearer tokens for the API, Flask-Login sessions for the pages; role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, request
from flask_login import LoginManager, UserMixin, current_user

from renovation import accounts
from renovation.accounts import User
from renovation.domain.project import Actor
from renovation.web.limits import init_limits, limiter  # noqa: F401  (routes import it here)

login_manager = LoginManager()


def N_(message: str) -> str:
    """Marks a message for the catalogue (pybabel -k N_) without translating it here."""
    return message


class SessionUser(UserMixin):
    """Flask-Login's view of an account."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)


def init_auth(app: Flask) -> None:
    from flask_babel import gettext

    login_manager.init_app(app)
    login_manager.login_view = "pages.login"
    login_manager.session_protection = "strong"
    # Flask-Login flashes this on the way to the login page; translated when shown.
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    init_limits(app)

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        from renovation.web import runtime

        user = accounts.get_user(runtime().engine, int(user_id)) if user_id.isdigit() else None
        return SessionUser(user) if user else None


def api_user() -> User | None:
    """The user behind the request's bearer token, if any (cached per request)."""
    if "user" not in g:
        from renovation.web import runtime

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.user = (
            accounts.user_for_token(runtime().engine, token.strip())
            if scheme.lower() == "bearer" and token.strip()
            else None
        )
    return g.user


def page_user() -> User | None:
    return current_user.user if current_user.is_authenticated else None


def any_user() -> User | None:
    """A bearer token's user, else the signed-in session's: for reads, which change nothing."""
    return api_user() or page_user()


def require_role(*roles: str, source: Callable[[], User | None] = api_user) -> Callable:
    """Refuse the view with 401 without credentials, 403 with a role not in ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = source()
            if user is None:
                abort(401, description="sign in, or send a bearer token")
            if user.role not in roles:
                abort(403, description=f"this needs the role {' or '.join(roles)}")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def actor_for(user: User, channel: str) -> Actor:
    return Actor(id=user.actor_id, role=user.role, channel=channel)


def check_district(user: User, district: str) -> None:
    """Staff write only in their districts."""
    if not user.may_write_in(district):
        abort(403, description=f"your account does not cover the district {district}")
