"""Opinions in the staff console: the opinion queue with its filters, answers (one or several
alike) and moderation.

Personal data (flat, contact) is shown only to staff of the project's district on the
single-opinion page, and each such read is logged.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation import answer_templates
from renovation.accounts import User
from renovation.application.errors import ConcurrencyError
from renovation.domain import participation as rules
from renovation.domain.errors import DomainError, InvalidProjectDataError
from renovation.domain.project import RenovationProject
from renovation.projections.opinions import opinion_figures
from renovation.projections.queries import find_opinion, list_opinions, opinion_rows
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import label, refusal_message
from renovation.web.pages.blueprint import bp, query_url
from renovation.web.pages.common import (
    add_problems,
    project_info,
    run_command,
    staff_project,
    today,
)
from renovation.web.pages.staff import command_id, staff_page, web_command_id
from renovation.web.pages.views import pagination

PER_PAGE = 20
personal_log = logging.getLogger("renovation.personal_data")

# ---- staff: the opinion queue ---------------------------------------------------------------


ANSWER_FIELDS = ("outcome", "answer", "reason", "referred_to", "template", "link", "command_id")


def answer_values(form=None) -> dict[str, str]:
    if form is None:
        return dict(dict.fromkeys(ANSWER_FIELDS, ""), command_id=uuid4().hex)
    return {k: form.get(k, "").replace("\r\n", "\n").strip() for k in ANSWER_FIELDS}


def answer_text(values: dict[str, str]) -> str:
    """The chosen common answer first, then what the clerk wrote."""
    texts = {str(t.id): t.text for t in answer_templates.list_templates(runtime().engine)}
    parts = [texts.get(values["template"], ""), values["answer"]]
    return "\n".join(p for p in parts if p)


def answer_opinions(
    project_id: UUID,
    project: RenovationProject,
    opinion_ids: list[str],
    values: dict[str, str],
    user: User,
) -> dict[str, list[str]]:
    """Answer the opinions alike (all or none); the problems, or {} when it is done."""
    errors: dict[str, list[str]] = {}
    if not opinion_ids:
        errors["opinion_ids"] = [_("Tick at least one opinion to answer.")]
    outcome = values["outcome"]
    text = answer_text(values)
    if outcome not in rules.OUTCOMES:
        errors["outcome"] = [_("Choose the outcome.")]
    if not text:
        errors["answer"] = [_("Write the answer, or choose a common answer.")]
    elif len(text) > rules.MAX_ANSWER:
        errors["answer"] = [_("At most %(max)s characters.", max=rules.MAX_ANSWER)]
    if outcome == "not_adopted" and not values["reason"]:
        errors["reason"] = [_("A reason is required when an opinion is not adopted.")]
    if outcome == "referred" and not values["referred_to"]:
        errors["referred_to"] = [_("Say to whom it is referred.")]
    link_kind = (
        "milestone"
        if values["link"] in project.milestones
        else "content_item"
        if project.find_content_item(values["link"]) is not None
        else None
    )
    if values["link"] and link_kind is None:
        errors["link"] = [_("There is no such renovation item or milestone.")]
    if errors:
        return errors
    command_key = command_id(values["command_id"])
    try:
        runtime().app.answer_opinions(
            project_id,
            opinion_ids,
            {
                "outcome": outcome,
                "answer": text,
                "reason": values["reason"] if outcome == "not_adopted" else "",
                "referred_to": values["referred_to"] if outcome == "referred" else "",
                "links": [{"kind": link_kind, "id": values["link"]}] if values["link"] else [],
            },
            actor=actor_for(user, "web"),
            command_id=web_command_id("answer", command_key),
        )
    except InvalidProjectDataError as error:
        add_problems(errors, error)
    except rules.UnknownOpinionError:
        errors["opinion_ids"] = [_("One of the opinions is not in this project.")]
    except DomainError as error:
        errors.setdefault(error.field or "form", []).append(refusal_message(error))
    except ConcurrencyError:
        errors["form"] = [_("The project is busy; please try again in a moment.")]
    else:
        runtime().catch_up()
    return errors


def queue_filters() -> dict[str, Any]:
    status = request.args.get("status", "")
    category = request.args.get("category", "")
    return {
        "status": status if status in rules.OPINION_STATUSES else "",
        "category": category if category in rules.OPINION_CATEGORIES else "",
        "overdue": "1" if request.args.get("overdue") == "1" else "",
        "page": min(max(request.args.get("page", 1, type=int), 1), 100_000),
    }


def answer_form_context(project: RenovationProject) -> dict[str, Any]:
    return {
        "outcomes": [(o, label("answer_outcome", o)) for o in rules.OUTCOMES],
        "templates": [
            (str(t.id), t.text) for t in answer_templates.list_templates(runtime().engine)
        ],
        "content_items": project.content_items,
        "milestones": list(project.milestones.values()),
        "max_answer": rules.MAX_ANSWER,
    }


@bp.route("/staff/projects/<uuid:project_id>/opinions", methods=["GET", "POST"])
@access(STAFF)
@staff_page
def staff_opinions(project_id: UUID):
    """The opinion queue with filters; tick several and answer them with one answer."""
    user, project = staff_project(project_id)
    filters = queue_filters()
    here = query_url(
        url_for("pages.staff_opinions", project_id=project_id),
        **{k: v for k, v in filters.items() if k != "page" or v > 1},
    )
    values = answer_values()
    selected: list[str] = []
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        selected = request.form.getlist("opinion_ids")
        values = answer_values(request.form)
        errors = answer_opinions(project_id, project, selected, values, user)
        if not errors:
            flash(_("%(count)s opinions answered.", count=len(selected)), "success")
            return redirect(here)
    day = today()
    engine = runtime().engine
    rows, total = list_opinions(
        engine,
        project_id=str(project_id),
        status=filters["status"] or None,
        category=filters["category"] or None,
        overdue_on=day.isoformat() if filters["overdue"] else None,
        page=filters["page"],
        per_page=PER_PAGE,
    )
    for row in rows:
        row["overdue"] = row["status"] == "open" and row["answer_due_on"] < day.isoformat()
    return render_template(
        "pages/staff/opinions.html",
        project=project_info(project, project_id),
        opinions=rows,
        filters=filters,
        figures=opinion_figures(opinion_rows(engine, project_id=str(project_id)), today=day),
        categories=[(c, label("opinion_category", c)) for c in rules.OPINION_CATEGORIES],
        pager=pagination(
            url_for("pages.staff_opinions", project_id=project_id), filters, total, PER_PAGE
        ),
        here=here,
        values=values,
        selected=set(selected),
        errors=errors,
        **answer_form_context(project),
    ), (422 if errors else 200)


def read_personal(user: User, row: dict[str, Any]) -> dict[str, Any] | None:
    """The sender's flat and contact, for staff answering it; every read is logged."""
    if not row["personal_key_id"]:
        return None
    vault = runtime().vault
    personal = vault.open(row["personal_key_id"], row["personal_sealed"])
    if personal is not None:
        personal_log.info(  # the account's number, not its name: logs carry no names
            "account #%s (%s) read the personal data of opinion %s in project %s",
            user.id,
            user.role,
            row["opinion_id"],
            row["project_id"],
        )
        log_read = getattr(vault, "log_read", None)
        if log_read is not None:
            log_read(
                actor_id=user.actor_id,
                actor_role=user.role,
                project_id=row["project_id"],
                subject=f"opinion:{row['opinion_id']}",
                purpose="answer an opinion (staff page)",
            )
    return personal


@bp.route("/staff/projects/<uuid:project_id>/opinions/<string:opinion_id>", methods=["GET", "POST"])
@access(STAFF)
@staff_page
def staff_opinion(project_id: UUID, opinion_id: str):
    """One opinion with the sender's contact (logged), its answer form and moderation."""
    user, project = staff_project(project_id)
    engine = runtime().engine
    row = find_opinion(engine, opinion_id=opinion_id)
    if row is None or row["project_id"] != str(project_id):
        abort(404)
    values = answer_values()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = answer_values(request.form)
        errors = answer_opinions(project_id, project, [opinion_id], values, user)
        if not errors:
            flash(_("The answer is saved; the resident sees it on the tracking page."), "success")
            return redirect(
                url_for("pages.staff_opinion", project_id=project_id, opinion_id=opinion_id)
            )
    elif row["status"] == "answered":
        values.update(
            outcome=row["outcome"] or "",
            answer=row["answer"],
            reason=row["reason"],
            referred_to=row["referred_to"],
            link=next((lk["id"] for lk in row["links"] if lk["kind"] == "content_item"), ""),
        )
    return render_template(
        "pages/staff/opinion.html",
        project=project_info(project, project_id),
        opinion=row,
        personal=read_personal(user, row),
        can_erase=user.role == "admin" and bool(row["personal_key_id"]),
        overdue=row["status"] == "open" and row["answer_due_on"] < today().isoformat(),
        values=values,
        errors=errors,
        moderation_id=uuid4().hex,
        **answer_form_context(project),
    ), (422 if errors else 200)


@bp.post("/staff/projects/<uuid:project_id>/opinions/<string:opinion_id>/moderation")
@access(STAFF)
@staff_page
def staff_moderate_opinion(project_id: UUID, opinion_id: str):
    """Hide abusive text from the public pages, or show it again; the history keeps it."""
    user, _project = staff_project(project_id)
    hidden = request.form.get("hidden") == "1"
    reason = request.form.get("reason", "").strip()[:500]
    command_key = command_id(request.form.get("command_id"))
    done = run_command(
        lambda: runtime().app.moderate_opinion(
            project_id,
            opinion_id,
            hidden=hidden,
            reason=reason,
            actor=actor_for(user, "web"),
            command_id=web_command_id("moderate", command_key),
        ),
        not_found=(rules.UnknownOpinionError,),
    )
    if done is not None:
        flash(
            _("The text is hidden from the public pages.")
            if hidden
            else _("The text is shown on the public pages again."),
            "success",
        )
    return redirect(url_for("pages.staff_opinion", project_id=project_id, opinion_id=opinion_id))
