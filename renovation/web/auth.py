"""Who is asking: bearer tokens for the API, Flask-Login sessions for the pages; role checks."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from renovation import account_locks, accounts
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

    # Session limits: the environment's, unless the app's configuration names them.
    app.config.setdefault("SESSION_IDLE_MINUTES", float(os.environ.get("SESSION_IDLE_MINUTES", 30)))
    app.config.setdefault(
        "SESSION_ABSOLUTE_HOURS", float(os.environ.get("SESSION_ABSOLUTE_HOURS", 12))
    )

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        from renovation.web import runtime

        user = accounts.get_user(runtime().engine, int(user_id)) if user_id.isdigit() else None
        if user is None or not _session_holds(user):
            session.clear()
            return None
        return SessionUser(user)


# ---- sessions: what the signed cookie carries besides the account ---------------------------
# The account's session epoch when signed in (signing out moves it on, so a copied cookie is
# over too), when the session began (the absolute limit) and when it was last used (idle).
_EPOCH, _SINCE, _SEEN = "rnv_epoch", "rnv_since", "rnv_seen"


def accounts_now() -> datetime:
    """The time by which sessions expire and locks end: the real time, unless a test puts
    another clock at ``app.extensions["accounts_clock"]`` (kept apart from the application's
    clock, which tests move by days to pass deadlines)."""
    clock = current_app.extensions.get("accounts_clock")
    return clock() if clock else datetime.now(UTC)


def _now() -> float:
    return accounts_now().timestamp()


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session: nothing from before signing in is kept."""
    from renovation.web import runtime

    session.clear()
    login_user(SessionUser(user))
    now = _now()
    session[_EPOCH] = account_locks.session_epoch(runtime().engine, user.id)
    session[_SINCE] = now
    session[_SEEN] = now


def end_session(user: User | None) -> None:
    """Sign out, and end every other copy of the account's sessions with it."""
    from renovation.web import runtime

    if user is not None:
        account_locks.end_sessions(runtime().engine, user.id)
    logout_user()
    session.clear()


def renew_session(user: User) -> None:
    """After a new password: every other session of the account ends, this one goes on."""
    from renovation.web import runtime

    session[_EPOCH] = account_locks.end_sessions(runtime().engine, user.id)


def _session_holds(user: User) -> bool:
    """The session is of the account's current epoch, not idle too long, not too old."""
    from renovation.web import runtime

    epoch, since, seen = session.get(_EPOCH), session.get(_SINCE), session.get(_SEEN)
    if not isinstance(epoch, int) or not all(isinstance(t, int | float) for t in (since, seen)):
        return False
    now = _now()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    if now - seen > idle or now - since > absolute:
        return False
    if epoch != account_locks.session_epoch(runtime().engine, user.id):
        return False
    session[_SEEN] = now
    return True


def api_user() -> User | None:
    """The user behind the request's bearer token, if any (cached per request)."""
    if "user" not in g:
        from renovation.web import runtime

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.user = (
            accounts.user_for_token(runtime().engine, token.strip(), now=accounts_now())
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
