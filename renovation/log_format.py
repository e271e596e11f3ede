"""Structured logs: one JSON object a line, without personal data (``LOG_FORMAT=json``).

Both logs of a running service take this form when ``LOG_FORMAT`` is ``json`` (``renovation
serve --log-format json`` sets it): gunicorn's access log (renovation.access_log) and the
application's own log (the ``renovation`` logger, gunicorn's error log). Each line carries
the time (UTC, ISO 8601), the level and, for a request, its method, its path as the access log
shows it (tracking codes masked, any query string ``[redacted]``), the status, the duration in
milliseconds, the request id (``X-Request-Id``) and the caller's role (``anonymous`` without
an account). Never a name, a phone number, a household or tracking code, a token or a cookie:
the request's headers, body and query are not read, and an exception is logged by its type and
stack, without its message (which may quote what a request carried).
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
# What the web application leaves in the WSGI environ for the access log to pick up.
ROLE_KEY = "renovation.role"
REQUEST_ID_KEY = "renovation.request_id"


def log_format() -> str:
    """``LOG_FORMAT`` from the environment: ``text`` (the default) or ``json``."""
    value = (os.environ.get("LOG_FORMAT") or "text").strip().lower()
    if value not in LOG_FORMATS:
        raise ValueError("LOG_FORMAT: text or json")
    return value


def utc_time(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


def shown_path(path: str, query: str) -> str:
    """The path as the logs show it: tracking codes masked, a query string redacted."""
    from renovation.access_log import MASK, redact_path

    return redact_path(path) + ("?" + MASK if query else "")


def line(fields: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in fields.items() if v is not None}, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line; within a request, the request's fields too."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "time": utc_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields.update(request_fields())
        if record.exc_info and record.exc_info[0] is not None:
            fields["exception"] = record.exc_info[0].__name__
            fields["stack"] = "".join(traceback.format_tb(record.exc_info[2])).strip()
        return line(fields)


def request_fields() -> dict[str, Any]:
    """The current request's method, shown path, request id and role; {} outside one."""
    from flask import has_request_context, request

    if not has_request_context():
        return {}
    environ = request.environ
    return {
        "method": request.method,
        "path": shown_path(request.path, environ.get("QUERY_STRING", "")),
        "request_id": environ.get(REQUEST_ID_KEY),
        "role": environ.get(ROLE_KEY),
    }


def use_json(logger: logging.Logger) -> None:
    """Every handler of ``logger`` writes JSON lines."""
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
