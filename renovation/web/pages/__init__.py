"""Server-rendered pages: public project pages, login, the staff console, the audit list."""

from __future__ import annotations

from flask import Flask


def init_pages(app: Flask) -> None:
    import renovation.web.pages.answer_templates
    import renovation.web.pages.lifts  # noqa: F401  (routes)
    from renovation.web.pages import (  # noqa: F401  (routes)
        audit,
        consultation_staff,
        consultations,
        household_codes,
        login,
        milestones,
        opinions,
        staff,
        views,
    )
    from renovation.web.pages.blueprint import bp

    app.register_blueprint(bp)
