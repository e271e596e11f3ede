"""Keeping an opinion's tracking code: its QR code (to the tracking page) and a small PDF
receipt, by the code alone. They carry nothing about the resident but the code, and no cache
keeps them."""

from __future__ import annotations

import io

import segno
from flask import Response, abort, make_response
from flask_babel import get_locale

from renovation.application.participation import normalise_code
from renovation.projections.queries import find_opinion
from renovation.reports.opinion_receipt import render_opinion_receipt
from renovation.web import runtime
from renovation.web.access import RESIDENT, access
from renovation.web.limits import tracking_code_checks
from renovation.web.links import tracking_url
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import MAX_CODE_INPUT

QR_ERROR_LEVEL = "m"


def _known_code(code: str) -> str:
    """The code, normalised, if an opinion has it; else 404."""
    normal = normalise_code(code[:MAX_CODE_INPUT])
    if not normal or find_opinion(runtime().engine, tracking_code=normal) is None:
        abort(404)
    return normal


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/opinions/<string:code>/qr.svg")
@access(RESIDENT)
@tracking_code_checks
def opinion_qr(code: str):
    """The QR code of the opinion's tracking page, as SVG (public, by its code)."""
    normal = _known_code(code)
    buffer = io.BytesIO()
    segno.make(tracking_url(normal), error=QR_ERROR_LEVEL, micro=False).save(
        buffer, kind="svg", scale=4, border=4, xmldecl=False
    )
    response = make_response(buffer.getvalue())
    response.mimetype = "image/svg+xml"
    return _private(response)


@bp.get("/opinions/<string:code>/receipt.pdf")
@access(RESIDENT)
@tracking_code_checks
def opinion_receipt(code: str):
    """A small PDF to keep: the code, the tracking page's address and its QR code."""
    normal = _known_code(code)
    pdf = render_opinion_receipt(
        {"code": normal, "tracking_url": tracking_url(normal), "lang": str(get_locale() or "zh")}
    )
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="opinion-{normal}.pdf"'
    return _private(response)
