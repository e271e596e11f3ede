"""The ``pages`` blueprint and what every page's template can use."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, request
from flask_babel import get_locale

from renovation.reports import charts
from renovation.reports.contexts import local_time, money, quantity
from renovation.web.auth import page_user
from renovation.web.i18n import label, words
from renovation.web.pages.labels import stage_hint, stage_label

bp = Blueprint("pages", __name__)

HTML_LANG = {"zh": "zh-CN", "en": "en"}


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; anything else (another host, a scheme) is None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def lang_url(lang: str) -> str:
    """This page in another language (``?lang=`` is remembered in the session)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    path = request.path if request.method == "GET" else "/"
    return f"{path}?{urlencode(args, doseq=True)}"


def query_url(endpoint_path: str, **args: Any) -> str:
    """A path with the non-empty ``args`` as its query string."""
    kept = {k: v for k, v in args.items() if v not in (None, "")}
    return f"{endpoint_path}?{urlencode(kept)}" if kept else endpoint_path


@bp.app_context_processor
def _page_globals() -> dict[str, Any]:
    locale = str(get_locale() or "zh")
    viewer = page_user()
    return {
        "locale": locale,
        "html_lang": HTML_LANG.get(locale, locale),
        "viewer": viewer,
        "is_staff": bool(viewer and viewer.role in ("staff", "admin")),
        "is_auditor": bool(viewer and viewer.role in ("auditor", "admin")),
        "lang_url": lang_url,
        "stage_label": stage_label,
        "stage_hint": stage_hint,
        "label": label,
        "local_time": local_time,
        "money": money,
        "quantity": quantity,
        "consent_chart": consent_chart,
    }


def consent_chart(consent: dict[str, Any]) -> str:
    """The ``<img src>`` of a vote's bars against their thresholds (pages, CSP-safe)."""
    return charts.data_uri(charts.consent_against_thresholds(consent, words()))
