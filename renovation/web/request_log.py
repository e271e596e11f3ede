"""What the logs say of a request besides its line: its id and the caller's role.

Each request gets an id, sent back as ``X-Request-Id`` (a proxy's own id is kept when
``TRUSTED_PROXIES`` says one is in front), and the caller's role is left in the WSGI environ,
where gunicorn's access log (renovation.access_log) and the JSON log lines
(renovation.log_format) pick both up. The role only: never the account's name.
"""

from __future__ import annotations

import re
from uuid import uuid4

from flask import Flask, Response, current_app, g, request, session

from renovation.log_format import REQUEST_ID_KEY, ROLE_KEY

_GIVEN_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def caller_role() -> str:
    """The caller's role, ``anonymous`` without an account (looked up only when signed in)."""
    from renovation.web.access import caller

    if "access_caller" in g:
        user = g.access_caller
    elif "Authorization" not in request.headers and session.get("_user_id") is None:
        user = None
    else:
        user = caller()
    return user.role if user is not None else "anonymous"


def init_request_log(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-Id", "")
        trusted = current_app.config["TRUSTED_PROXIES"] > 0 and _GIVEN_ID.match(given)
        request.environ[REQUEST_ID_KEY] = given if trusted else uuid4().hex

    @app.after_request
    def _tagged(response: Response) -> Response:
        environ = request.environ
        environ.setdefault(REQUEST_ID_KEY, uuid4().hex)
        response.headers["X-Request-Id"] = environ[REQUEST_ID_KEY]
        try:
            environ[ROLE_KEY] = caller_role()
        except Exception:  # the log's role must never turn an answer into an error
            environ[ROLE_KEY] = "unknown"
        return response
