"""gunicorn's access log without the secrets a URL can carry.

A household code arrives in the query string of the QR link (``/projects/<id>/vote?code=…``)
and a tracking code in the path (``/opinions/<code>``, ``/api/opinions/<code>``); either, or
the Referer that repeats them, would otherwise sit in every access log and its backups. This
logger writes the path with tracking codes masked and no query string, the Referer likewise,
and none of the request's other headers or environment (cookies, bearer tokens).
``renovation serve`` uses it; a deployment running gunicorn itself passes
``--logger-class renovation.access_log.RedactingLogger``.

With ``LOG_FORMAT=json`` (``renovation serve --log-format json``) each access is one JSON
object a line instead (time, level, method, redacted path, status, duration in ms, request id,
the caller's role; renovation.log_format), and gunicorn's own error log is JSON too.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from renovation.log_format import (
    REQUEST_ID_KEY,
    ROLE_KEY,
    JsonFormatter,
    line,
    log_format,
    shown_path,
    utc_time,
)

MASK = "[redacted]"
# /opinions/<tracking code>… and /api/opinions/<tracking code>…, not the lookup form itself.
_TRACKING = re.compile(r"^(/(?:api/)?opinions/)(?!track(?:/|$))[^/]+")
KEPT_HEADERS = ("{user-agent}i",)


def redact_path(path: str) -> str:
    """The path with a tracking code masked."""
    return _TRACKING.sub(rf"\g<1>{MASK}", path or "")


def redact_url(url: str) -> str:
    """A Referer: its path masked, its query string and fragment left out."""
    if not url or url == "-":
        return "-"
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return origin + redact_path(parts.path) + ("?" + MASK if parts.query else "")


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log atoms carry no codes, tokens or cookies."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if log_format() == "json":
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if log_format() != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.cfg.accesslog:
            return
        status = resp.status
        code = int(str(status).split(None, 1)[0]) if status else None
        self.access_log.info(json_access_line(environ, code, request_time))

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO") or "")
        query = environ.get("QUERY_STRING") or ""
        shown = path + ("?" + MASK if query else "")
        atoms["U"] = path
        atoms["q"] = MASK if query else ""
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {shown} {environ.get('SERVER_PROTOCOL')}"
        atoms["f"] = redact_url(environ.get("HTTP_REFERER", "-"))
        for key in [k for k in atoms if k.startswith("{")]:
            if key not in KEPT_HEADERS:
                del atoms[key]
        return atoms


def json_access_line(environ: dict, status: int | None, request_time: Any) -> str:
    """One access as a JSON line: nothing from the request but its method and shown path."""
    import time

    duration = request_time.total_seconds() * 1000 if request_time is not None else None
    return line(
        {
            "time": utc_time(time.time()),
            "level": "info",
            "logger": "access",
            "method": environ.get("REQUEST_METHOD"),
            "path": shown_path(environ.get("PATH_INFO") or "", environ.get("QUERY_STRING") or ""),
            "status": status,
            "duration_ms": round(duration, 1) if duration is not None else None,
            "request_id": environ.get(REQUEST_ID_KEY),
            "role": environ.get(ROLE_KEY) or "anonymous",
        }
    )
