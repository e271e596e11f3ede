"""gunicorn's access log without the secrets a URL can carry.

A household code arrives in the query string of the QR link (``/projects/<id>/vote?code=…``)
and a tracking code in the path (``/opinions/<code>``, ``/api/opinions/<code>``); either, or
the Referer that repeats them, would otherwise sit in every access log and its backups. This
logger writes the path with tracking codes masked and no query string, the Referer likewise,
and none of the request's other headers or environment (cookies, bearer tokens).
``renovation serve`` uses it; a deployment running gunicorn itself passes
``--logger-class renovation.access_log.RedactingLogger``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

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
