"""Server-rendered pages: public project pages, login, the staff console, the audit list."""

from __future__ import annotations

from flask import Flask


def init_pages(app: Flask) -> None:
    from renovation.web.pages import (  # noqa: F401  (routes)
        acceptance,
        acceptance_forms,
        answer_templates,
        audit,
        consultation_staff,
        consultations,
        dashboard,
        household_codes,
        lift_staff,
        lifts,
        login,
        milestones,
        opinion_staff,
        opinions,
        staff,
        supervision,
        views,
    )
    from renovation.web.pages.blueprint import bp

    app.register_blueprint(bp)
