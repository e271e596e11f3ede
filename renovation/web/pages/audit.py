"""The auditors' list: every project with its event count, chain digest and the audit reads."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import login_required

from renovation.projections.queries import districts, list_summaries
from renovation.web import runtime
from renovation.web.access import AUDITOR, access
from renovation.web.auth import page_user, require_role
from renovation.web.pages.blueprint import bp
from renovation.web.pages.labels import stage_label
from renovation.web.pages.views import STAGES, list_filters, pagination

AUDIT_ROLES = ("auditor", "admin")
PER_PAGE = 20


@bp.get("/audit")
@access(AUDITOR)
@login_required
@require_role(*AUDIT_ROLES, source=page_user)
def audit_list():
    """Projects with links to their full history and their chain verification."""
    engine = runtime().engine
    filters = list_filters()
    user = page_user()
    scope = (
        sorted(user.districts)
        if user.role == "auditor" and current_app.config["AUDITOR_SCOPE"] == "district"
        else None
    )
    rows, total = list_summaries(
        engine,
        district=filters["district"] or None,
        stage=filters["stage"] or None,
        q=filters["q"] or None,
        page=filters["page"],
        per_page=PER_PAGE,
        districts=scope,
    )
    return render_template(
        "pages/audit/index.html",
        projects=rows,
        filters=filters,
        districts=scope or districts(engine),
        stages=[(s, stage_label(s)) for s in STAGES],
        pager=pagination("/audit", filters, total, PER_PAGE),
    )
