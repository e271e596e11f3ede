"""How answers travel: compressed when that is safe, and static files cached for good.

Compression (Flask-Compress): HTML, CSS, JavaScript, JSON, SVG and CSV answers, with Brotli or
gzip as the client accepts, from 500 bytes. Answers that may carry personal data or household
codes (``Cache-Control: no-store``: anything asked with credentials, writes, the staff and
code pages) are sent uncompressed: a compressed secret beside text an attacker can make the
page repeat leaks through the answer's length (BREACH).

Static files: ``url_for('static', …)`` adds ``v``, a digest of the file's content, so the
address changes whenever the file does; a request with the current digest is cached for a
year (``immutable``), any other keeps Flask's revalidation (``no-cache`` with an ETag).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_compress import Compress

COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "image/svg+xml",
]
A_YEAR = 365 * 24 * 3600

compress = Compress()


def init_delivery(app: Flask) -> None:
    """Register compression and static versioning. Call before the hook that sets
    ``no-store``: Flask runs ``after_request`` hooks last-registered first, so this one then
    sees the answer's final caching."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
    static_folder = Path(app.static_folder or "")

    @app.after_request
    def _compress(response: Response) -> Response:
        if "no-store" in response.headers.get("Cache-Control", ""):
            return response
        return compress.after_request(response)

    @app.url_defaults
    def _static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = content_version(static_folder / values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _static_caching(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code != 200:
            return response
        filename = (request.view_args or {}).get("filename", "")
        if response.mimetype in COMPRESSED_TYPES and response.is_streamed:
            # Stylesheets and scripts are small: read them whole, so gzip can take them too
            # (the library compresses a streamed answer only with what streams).
            source = response.response
            response.direct_passthrough = False
            response.make_sequence()
            getattr(source, "close", lambda: None)()  # read: the file need not wait for the end
        wanted = request.args.get("v")
        if wanted and wanted == content_version(static_folder / filename):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = A_YEAR
            response.cache_control.immutable = True
        return response


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def content_version(path: Path) -> str | None:
    """A short digest of the file's content (recomputed when the file changes); None when
    there is no such file."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)
