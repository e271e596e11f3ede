"""Server-rendered pages: public project pages, login, the staff console, the audit list."""

from __future__ import annotations

from flask import Flask


def init_pages(app: Flask) -> None:
    from renovation.web.pages import (  # noqa: F401  (routes)
        acceptance,
        acceptance_forms,
        answer_templates,
        audit,
        audit_history,
        consultation_staff,
        consultations,
        dashboard,
        flat_register,
        household_codes,
        investment,
        lift_confirm,
        lift_staff,
        lifts,
        login,
        milestones,
        opinion_receipt,
        opinion_staff,
        opinions,
        resident_erasure,
        round_builder,
        staff,
        supervision,
        views,
        written_answers_staff,
    )
    from renovation.web.pages.blueprint import bp

    app.register_blueprint(bp)
