"""HTML first, then WeasyPrint: the only place in the project that imports weasyprint.

Static resources in report templates are written as paths relative to the static
folder, e.g. ``<link rel="stylesheet" href="reports/report.css">``. Every document is
rendered with ``base_url`` set to the ``file:`` URL of ``renovation.paths.STATIC_DIR``,
so such links (and ``url(...)`` inside the stylesheets) resolve to files there, and
:class:`StaticOnlyURLFetcher` serves exactly those files. Any other URL (``file:``
outside the static folder, ``http(s):``, ``data:``, anything else) is refused with
:class:`ReportResourceRefused`: the refusal is logged and the document renders
without that resource. The one exception is an image the report itself embeds (a photo's
thumbnail as a ``data:`` URI): :func:`html_to_pdf` is told those URIs and their bytes, and
the fetcher serves exactly them.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import mimetypes
import re
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from weasyprint.urls import URLFetcher, URLFetcherResponse

from renovation.paths import STATIC_DIR, TEMPLATES_DIR
from renovation.vocabulary import LANGUAGES, Vocabulary, vocabulary
from renovation.vocabulary.markers import N_

logger = logging.getLogger(__name__)

# Words of the shared layout (templates/reports/layout/base.html), as catalogue msgids.
MESSAGES: dict[str, str] = {
    "page_counter": N_("Page %(page)s of %(pages)s"),
    "footer_position": N_("Position"),
    "footer_digest": N_("Digest"),
    "verification": N_("Verification"),
    "project_id": N_("Project id"),
    "position": N_("Event position"),
    "chain_digest": N_("Chain digest (SHA-256)"),
    "generated_at": N_("Generated at"),
    "as_of": N_("State as of"),
    "as_of_now": N_("Current state"),
    "as_of_banner": N_("This report shows the state as of %(as_of)s, not the current state."),
    "as_of_header": N_("State as of %(as_of)s"),
    "audit_checkpoint": N_("Audit log checkpoint: size %(size)s, root hash %(root)s"),
    "verification_note": N_(
        "This report was rendered from the read model at the event position above. "
        "To verify it, recompute the chain digest from an audit export: it must equal "
        "the digest printed here."
    ),
}
HTML_LANG = {"zh": "zh-CN", "en": "en"}


# An image a report embeds itself: its media type and bytes.
InlineImage = tuple[str, bytes]


class ReportResourceRefused(ValueError):
    """A report document asked for a resource outside the static folder."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serve files under the static folder to WeasyPrint, and nothing else.

    Accepts only ``file:`` URLs (no host, or ``localhost``) whose resolved path,
    symbolic links followed, is a file inside ``static_dir``, and the ``data:`` URIs in
    ``inline`` (URI → media type and bytes), which the report built from its own images.
    """

    def __init__(
        self, static_dir: Path | None = None, inline: Mapping[str, InlineImage] | None = None
    ) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.static_dir = (static_dir or STATIC_DIR).resolve()
        self.inline = dict(inline or {})

    def static_path(self, url: str) -> Path:
        """The file under the static folder that ``url`` names; refuse anything else."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise ReportResourceRefused(
                f"report resource refused: {url!r} "
                f"(scheme {parts.scheme or 'none'!r}; only static files are served)"
            )
        if parts.netloc not in ("", "localhost"):
            raise ReportResourceRefused(f"report resource refused: {url!r} (remote file host)")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            raise ReportResourceRefused(
                f"report resource refused: {url!r} (not a file under {self.static_dir})"
            )
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        # A refusal propagates to WeasyPrint, which logs it (forwarded to our logger as an
        # error naming the URL) and renders the document without the resource.
        if url in self.inline:
            media_type, body = self.inline[url]
            return URLFetcherResponse(url, body, {"Content-Type": media_type})
        path = self.static_path(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        content_type = f"{mime_type}; charset=utf-8" if mime_type.startswith("text/") else mime_type
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


def static_base_url() -> str:
    """The base URL of report documents: the static folder, with a trailing slash."""
    return STATIC_DIR.resolve().as_uri() + "/"


def css_string(value: Any) -> Markup:
    """Quote ``value`` as a CSS string for a ``<style>`` block (e.g. margin box content).

    HTML escaping does not apply inside ``<style>``, so quotes, backslashes, line
    breaks and ``<`` ``>`` ``&`` are written as CSS escapes instead.
    """
    out = []
    for char in str(value):
        if char in '"\\<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return Markup('"' + "".join(out) + '"')


@cache
def environment() -> Environment:
    """The Jinja environment of report templates (autoescaped, strict about undefined names)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env


def report_language(lang: str | None) -> str:
    """The language a report is rendered in: ``zh`` or ``en``; anything else is Chinese."""
    return lang if lang in LANGUAGES else "zh"


def report_words(lang: str | None) -> Vocabulary:
    """The vocabulary of one rendering: a PDF speaks one language, whatever the request's."""
    return vocabulary(report_language(lang))


def translated(messages: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """A report's msgids in one language; a list of msgids (the lines of a list) item by item."""
    v = report_words(lang)
    return {
        key: [v.gettext(m) for m in msgid] if isinstance(msgid, list) else v.gettext(msgid)
        for key, msgid in messages.items()
    }


def css_counter(text: str) -> Markup:
    """A sentence with ``%(page)s`` and ``%(pages)s`` as the CSS content of a margin box."""
    parts = []
    for piece in re.split(r"(%\((?:page|pages)\)s)", text):
        if piece in ("%(page)s", "%(pages)s"):
            parts.append(Markup(f"counter({piece[2:-2]})"))
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ").join(parts)


def layout_labels(lang: str | None) -> dict[str, Any]:
    """Words of the shared layout in one language, with the page's ``lang`` attribute."""
    lang = report_language(lang)
    return {
        **translated(MESSAGES, lang),
        "html_lang": HTML_LANG[lang],
        "page_counter_css": css_counter(report_words(lang).gettext(MESSAGES["page_counter"])),
    }


def render_html(template: str, context: dict[str, Any]) -> str:
    """Render a report template (a name under ``templates/``) with plain values."""
    return environment().get_template(template).render(context)


class _ForwardToReportsLogger(logging.Handler):
    """Pass WeasyPrint's records to our logger, so the application's logging shows them."""

    def emit(self, record: logging.LogRecord) -> None:
        if logger.isEnabledFor(record.levelno):
            logger.log(record.levelno, "weasyprint: %s", record.getMessage())


@cache
def _route_weasyprint_logging() -> None:
    # WeasyPrint logs missing fonts, unusable CSS and refused resources (and the slow path
    # taken without libharfbuzz-subset) on its own logger, which has only a NullHandler.
    # Forward warnings and errors to ours; never print them to stdout.
    weasy = logging.getLogger("weasyprint")
    weasy.setLevel(logging.WARNING)
    weasy.propagate = False
    weasy.addHandler(_ForwardToReportsLogger(logging.WARNING))


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while at least one report is being rendered.

    WeasyPrint builds millions of short-lived objects; the collector's passes over them
    cost about a quarter of the time of a 1,000-row report (median 5.2 s with it, 4.0 s
    without, on the 2-core development machine). Reference counting still frees almost
    everything; the few cycles left are collected once the last render finishes.
    Counted under a lock, so concurrent renders in threads do not re-enable it early.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def html_to_pdf(html: str, *, images: Mapping[str, InlineImage] | None = None) -> bytes:
    """Render report HTML to PDF bytes; resources come only from the static folder, and
    from ``images``: the ``data:`` URIs the report embedded, with their media type and bytes."""
    _route_weasyprint_logging()
    with _cyclic_gc_paused():
        document = weasyprint.HTML(
            string=html,
            base_url=static_base_url(),
            url_fetcher=StaticOnlyURLFetcher(inline=images),
        )
        return document.write_pdf()
