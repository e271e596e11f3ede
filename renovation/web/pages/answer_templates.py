"""The staff keep the bureau's common answers: list, add, change, remove."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation import answer_templates as store
from renovation.accounts import display_names
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import page_user
from renovation.web.i18n import refusal_message, words
from renovation.web.pages.blueprint import bp
from renovation.web.pages.staff import staff_page
from renovation.web.validation import MAX_INTEGER


def _page(errors: dict[str, list[str]] | None = None, draft: str = "", status: int = 200):
    engine = runtime().engine
    templates = store.list_templates(engine)
    names = display_names(engine, (t.updated_by for t in templates))
    v = words()
    return (
        render_template(
            "pages/staff/answer_templates.html",
            templates=templates,
            # who changed each answer last: a name, or the service's default answers
            who={
                t.updated_by: v.actor(
                    "system" if t.updated_by == "system" else "staff", names.get(t.updated_by)
                )
                for t in templates
            },
            errors=errors or {},
            draft=draft,
            max_text=store.MAX_TEXT,
        ),
        status,
    )


@bp.get("/staff/answer-templates")
@access(STAFF)
@staff_page
def staff_answer_templates():
    """The common answers the answer forms offer."""
    return _page()


@bp.post("/staff/answer-templates")
@access(STAFF)
@staff_page
def staff_answer_template_add():
    text = request.form.get("text", "")
    try:
        store.add_template(runtime().engine, text, by=page_user().actor_id)
    except store.TemplateError as error:
        return _page({"text": [refusal_message(error)]}, draft=text, status=422)
    flash(_("The common answer was added."), "success")
    return redirect(url_for("pages.staff_answer_templates"), 303)


@bp.post(f"/staff/answer-templates/<int(max={MAX_INTEGER}):template_id>")
@access(STAFF)
@staff_page
def staff_answer_template_change(template_id: int):
    text = request.form.get("text", "")
    try:
        store.change_template(runtime().engine, template_id, text, by=page_user().actor_id)
    except store.TemplateError as error:
        if isinstance(error, store.UnknownTemplateError):
            abort(404)
        return _page({f"text-{template_id}": [refusal_message(error)]}, status=422)
    flash(_("The common answer was changed."), "success")
    return redirect(url_for("pages.staff_answer_templates"), 303)


@bp.post(f"/staff/answer-templates/<int(max={MAX_INTEGER}):template_id>/delete")
@access(STAFF)
@staff_page
def staff_answer_template_remove(template_id: int):
    try:
        store.remove_template(runtime().engine, template_id)
    except store.TemplateError:
        abort(404)
    flash(_("The common answer was removed; answers already given keep their text."), "success")
    return redirect(url_for("pages.staff_answer_templates"), 303)
