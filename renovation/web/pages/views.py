"""Placeholder views; the pages are filled in by the pages work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)


@bp.route("/")
def index():
    return "renovation"
