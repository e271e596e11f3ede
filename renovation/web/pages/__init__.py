"""Server-rendered pages: public project pages, login, the staff console, the audit list."""

from __future__ import annotations

from flask import Flask


def init_pages(app: Flask) -> None:
    from flask_babel import gettext

    from renovation.web.auth import login_manager
    from renovation.web.pages import audit, login, staff, views  # noqa: F401  (routes)
    from renovation.web.pages.blueprint import bp
    from renovation.web.pages.labels import N_

    # Flask-Login flashes this on the way to the login page; translate it when shown.
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    app.register_blueprint(bp)
