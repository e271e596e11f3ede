"""Rate limits per client address, held in the limiter's storage (``RATELIMIT_STORAGE_URI``):
``memory://`` holds them in one process (``renovation serve`` then runs one worker), Redis holds
them for every worker and host.

Buckets are shared by route family (a flask-limiter scope), whichever door a request comes in
by: an opinion sent by the form and one sent over the API count against one bucket per client,
and so do ballots, ratings, household-code checks and tracking-code look-ups. Windows move (a
request counts for exactly one period after it), so no burst of twice the limit fits across a
window's edge.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, make_response, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

# The strategy is set here, not from the app's config: the limiter object is shared by every app
# built in one process and keeps the first strategy it is given.
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")


def public_write_limit() -> str:
    """Residents' writes (opinions, ballots, ratings) per client address and family."""
    return current_app.config["PUBLIC_WRITE_RATE_LIMIT"]


def code_check_limit() -> str:
    """Guesses at a secret code (a household code, an opinion's tracking code) per client."""
    return current_app.config["CODE_CHECK_RATE_LIMIT"]


def _no_code_asked() -> bool:
    """A page read that names no code checks none: the empty vote form, the lookup form."""
    if request.method != "GET" or request.args.get("code", "").strip():
        return False
    if request.headers.get("X-Household-Code", "").strip():
        return False
    in_path = request.view_args or {}
    return not (in_path.get("code") or in_path.get("tracking_code"))


# One bucket per client and family, for the API route and the page's form alike.
opinion_writes = limiter.shared_limit(public_write_limit, scope="opinion", methods=["POST"])
ballot_writes = limiter.shared_limit(public_write_limit, scope="ballot", methods=["POST"])
rating_writes = limiter.shared_limit(public_write_limit, scope="rating", methods=["POST"])
lift_vote_writes = limiter.shared_limit(public_write_limit, scope="lift-vote", methods=["POST"])
lift_objection_writes = limiter.shared_limit(
    public_write_limit, scope="lift-objection", methods=["POST"]
)
household_code_checks = limiter.shared_limit(
    code_check_limit, scope="household-code", exempt_when=_no_code_asked
)
tracking_code_checks = limiter.shared_limit(
    code_check_limit, scope="tracking-code", exempt_when=_no_code_asked
)


def init_limits(app: Flask) -> None:
    app.config.setdefault(
        "CODE_CHECK_RATE_LIMIT", os.environ.get("CODE_CHECK_RATE_LIMIT", "30/minute")
    )
    # Several services (or test runs) may share one Redis database: each counts under its own
    # prefix.
    app.config.setdefault(
        "RATELIMIT_KEY_PREFIX", os.environ.get("RATELIMIT_KEY_PREFIX", "renovation")
    )
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def _too_many_requests(error: RateLimitExceeded):
    """429 with the code ``rate_limited`` and the catalogue's message (JSON under /api, the
    error page elsewhere); ``Retry-After`` says when the oldest counted request expires."""
    from renovation.web.api import error_response
    from renovation.web.i18n import words

    item = error.limit.limit
    params = {"count": item.amount, "seconds": item.get_expiry()}
    message = words().refusal("rate_limited", params)
    response = make_response(error_response(429, "rate_limited", message, params=params))
    response.headers.setdefault("Retry-After", str(item.get_expiry()))
    return response
