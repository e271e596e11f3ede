"""Reading one's own writes while the projection worker keeps the read models (issue 12).

A write answers as soon as its events are stored, with their position in the store:
``X-Position: 1234``. A read that must show that write sends it back as
``X-After-Position: 1234`` (or ``?after_position=1234``); the read then waits, at most
``READ_WAIT_SECONDS``, for the read models to pass it, and says so (``X-Read-Model-Behind: 1``)
when they did not. Reads without it answer from the read models as they are, at once.
A browser's pages wait for the store's head themselves (``pages.common``), so no resident
or clerk has to know any of this. Inline (tests, the CLI) every write has caught up already.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from renovation.domain.errors import DomainError
from renovation.web import runtime

HEADER = "X-Position"
AFTER_HEADER = "X-After-Position"
AFTER_ARG = "after_position"
MAX_DIGITS = 18


def carry(position: int | None) -> None:
    """This request stored events up to ``position``: the answer carries it; inline, the
    read models catch up to it before the answer is made."""
    if position is None:
        return
    rt = runtime()
    if rt.worker_mode == "inline":
        rt.catch_up(until=position)
    g.written_position = max(g.get("written_position") or 0, position)


def wanted_position() -> int | None:
    """The position a read asks to see (header or query); a malformed one is refused (422)."""
    for name, value in (
        (AFTER_HEADER, request.headers.get(AFTER_HEADER)),
        (AFTER_ARG, request.args.get(AFTER_ARG)),
    ):
        if value is None:
            continue
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS:
            raise DomainError("must_be_position", field=name)
        return int(text)
    return None


def init_positions(app: Flask) -> None:
    @app.before_request
    def _wait_for_wanted_position() -> None:
        if request.method not in ("GET", "HEAD") or not request.path.startswith("/api/"):
            return
        wanted = wanted_position()
        if wanted:
            runtime().catch_up(until=wanted)

    @app.after_request
    def _position_header(response: Response) -> Response:
        position = g.get("written_position")
        if position:
            response.headers[HEADER] = str(position)
        return response
