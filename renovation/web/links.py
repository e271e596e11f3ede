"""Public addresses printed on paper (QR codes on code slips): one place that makes them."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit
from uuid import UUID

from flask import current_app, url_for


def reachable_from_phones(base_url: str | None) -> bool:
    """Whether a phone can open links under ``base_url`` (``PUBLIC_BASE_URL``): it is set, and
    its host is not this machine's loopback (``localhost``, ``127.x``, ``::1``) or ``0.0.0.0``."""
    host = (urlsplit(base_url or "").hostname or "").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name such as gaizao.example.gov.cn
    return not (address.is_loopback or address.is_unspecified)


def phones_can_open_links() -> bool:
    """The app's ``PUBLIC_BASE_URL`` is one that phones can reach (see reachable_from_phones)."""
    return reachable_from_phones(current_app.config.get("PUBLIC_BASE_URL"))


def vote_url(project_id: UUID | str, code: str) -> str:
    """The voting page for a household code; PUBLIC_BASE_URL when set (behind a proxy).

    The code travels in the fragment (``#code=…``): a browser never sends it, so it reaches
    no access log, proxy or Referer; the page's script (static/js/vote-code.js) fills the
    form with it. Slips printed earlier carry ``?code=…``, which the page still reads.
    """
    anchor = f"code={code}"
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if base:
        return base.rstrip("/") + url_for("pages.vote", project_id=project_id, _anchor=anchor)
    return url_for("pages.vote", project_id=project_id, _anchor=anchor, _external=True)


def tracking_url(code: str) -> str:
    """An opinion's public tracking page (the receipt's QR code); PUBLIC_BASE_URL when set."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if base:
        return base.rstrip("/") + url_for("pages.opinion_tracking", code=code)
    return url_for("pages.opinion_tracking", code=code, _external=True)


def lift_public_url(project_id: UUID | str, lift_id: str) -> str:
    """The unit's public lift page (the notice's QR code); PUBLIC_BASE_URL when set."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if base:
        return base.rstrip("/") + url_for("pages.lift", project_id=project_id, lift_id=lift_id)
    return url_for("pages.lift", project_id=project_id, lift_id=lift_id, _external=True)


def photo_urls(sha256: str) -> dict[str, str]:
    """A stored photo's addresses (``url``, ``thumbnail_url``): site paths, public."""
    return {
        "url": url_for("photo_files.photo", sha256=sha256),
        "thumbnail_url": url_for("photo_files.photo_thumbnail", sha256=sha256),
    }
