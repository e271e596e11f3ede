"""Server-rendered pages: public project pages, login, the staff console."""

from __future__ import annotations

from flask import Flask


def init_pages(app: Flask) -> None:
    from renovation.web.pages.views import bp

    app.register_blueprint(bp)
