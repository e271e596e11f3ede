"""Residents' opinions on the public pages: the opinion form and tracking by code (the staff
console's queue is in opinion_staff.py).

Residents' pages are plain forms for a phone (no JavaScript); every POST carries the CSRF token
(checked by CSRFProtect for the whole app).
"""

from __future__ import annotations

from uuid import UUID, uuid4

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.participation import normalise_code
from renovation.domain import participation as rules
from renovation.domain.project import RenovationProject
from renovation.domain.satisfaction import SATISFACTION_CHOICES
from renovation.projections.queries import find_opinion
from renovation.web import runtime
from renovation.web.access import PUBLIC, RESIDENT, access
from renovation.web.i18n import label
from renovation.web.limits import opinion_writes, rating_writes, tracking_code_checks
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    MAX_CODE_INPUT,
    RESIDENT_WEB,
    project_info,
    run_command,
)
from renovation.web.pages.staff import command_id, web_command_id

MAX_FLAT = 20
MAX_CONTACT = 100

# ---- opinions: the resident's side ----------------------------------------------------------

OPINION_FIELDS = ("category", "text", "building", "unit", "flat", "contact")


def opinion_problems(values: dict[str, str], project: RenovationProject) -> dict[str, list[str]]:
    """What is wrong with the form, in words for a resident; checked before anything is stored."""
    errors: dict[str, list[str]] = {}
    if values["category"] not in rules.OPINION_CATEGORIES:
        errors["category"] = [_("Please choose what your opinion is about.")]
    text = values["text"].strip()
    if not text:
        errors["text"] = [_("Please write your opinion.")]
    elif len(text) > rules.MAX_OPINION:
        errors["text"] = [
            _(
                "Your text has %(count)s characters; at most %(max)s are allowed. "
                "Please shorten it.",
                count=len(text),
                max=rules.MAX_OPINION,
            )
        ]
    building = next((b for b in project.buildings if b["code"] == values["building"]), None)
    if values["building"] and building is None:
        errors["building"] = [_("There is no such building in this community.")]
    if values["unit"]:
        if not values["building"]:
            errors.setdefault("building", []).append(_("Please choose the building of this unit."))
        elif building is not None and not any(
            u["code"] == values["unit"] for u in building["units"]
        ):
            errors["unit"] = [
                _(
                    "Building %(building)s has no unit %(unit)s.",
                    building=values["building"],
                    unit=values["unit"],
                )
            ]
    for field, limit in (("flat", MAX_FLAT), ("contact", MAX_CONTACT)):
        if len(values[field]) > limit:
            errors[field] = [_("At most %(max)s characters.", max=limit)]
    return errors


@bp.route("/projects/<uuid:project_id>/opinions/new", methods=["GET", "POST"])
@access(PUBLIC)
@opinion_writes
def opinion_new(project_id: UUID):
    """The opinion form; on success, the tracking code to write down."""
    rt = runtime()
    project = rt.app.get_project(project_id)
    values = dict.fromkeys(OPINION_FIELDS, "")
    values["command_id"] = uuid4().hex
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            name: request.form.get(name, "").replace("\r\n", "\n").strip()
            for name in (*OPINION_FIELDS, "command_id")
        }
        errors = opinion_problems(values, project)
        if not errors:
            command_key = command_id(values["command_id"])
            result = run_command(
                lambda: rt.app.submit_opinion(
                    project_id,
                    {name: values[name] for name in OPINION_FIELDS},
                    actor=RESIDENT_WEB,
                    command_id=web_command_id("opinion", command_key),
                ),
                errors=errors,
                busy=_("The service is busy; please send the form again."),
            )
            if result is not None:
                code = result.value["tracking_code"]
                row = find_opinion(rt.engine, tracking_code=code)
                return render_template(
                    "pages/public/opinion_done.html",
                    project=project_info(project, project_id),
                    code=code,
                    due=row["answer_due_on"] if row else None,
                )
    return render_template(
        "pages/public/opinion_form.html",
        project=project_info(project, project_id),
        values=values,
        errors=errors,
        categories=[(c, label("opinion_category", c)) for c in rules.OPINION_CATEGORIES],
        buildings=[b["code"] for b in project.buildings],
        max_text=rules.MAX_OPINION,
        text_length=len(values["text"]),
    ), (422 if errors else 200)


@bp.get("/opinions/track")
@access(PUBLIC)
@tracking_code_checks
def opinion_lookup():
    """Find an opinion by its tracking code: lower case, spaces and dashes are forgiven."""
    raw = request.args.get("code", "")[:MAX_CODE_INPUT]
    if raw.strip():
        code = normalise_code(raw)
        if code:
            return redirect(url_for("pages.opinion_tracking", code=code))
    return render_template("pages/public/tracking_lookup.html", code=raw, not_found=False)


@bp.get("/opinions/<string:code>")
@access(RESIDENT)
@tracking_code_checks
def opinion_tracking(code: str):
    return _tracking_page(code)


@bp.post("/opinions/<string:code>/rating")
@access(RESIDENT)
@rating_writes
@tracking_code_checks
def opinion_rating(code: str):
    """The resident rates the answer (满意 / 基本满意 / 不满意); a new rating replaces the last."""
    normal = normalise_code(code[:MAX_CODE_INPUT])
    row = find_opinion(runtime().engine, tracking_code=normal) if normal else None
    if row is None:
        return render_template("pages/public/tracking_lookup.html", code=code, not_found=True), 404
    rating = request.form.get("rating", "")
    errors: dict[str, list[str]] = {}
    if rating not in SATISFACTION_CHOICES:
        errors["rating"] = [_("Choose satisfied, basically satisfied or dissatisfied.")]
    else:
        command_key = command_id(request.form.get("command_id"))
        done = run_command(
            lambda: runtime().app.rate_opinion_answer(
                UUID(row["project_id"]),
                row["opinion_id"],
                rating=rating,
                actor=RESIDENT_WEB,
                command_id=web_command_id("rating", command_key),
            ),
            errors=errors,
            busy=_("The service is busy; please send the form again."),
        )
        if done is not None:
            flash(_("Thank you: your rating of the answer is recorded."), "success")
            return redirect(url_for("pages.opinion_tracking", code=normal) + "#rating")
    return _tracking_page(normal or code, errors=errors, rating=rating), 422


def _tracking_page(code: str, *, errors: dict[str, list[str]] | None = None, rating: str = ""):
    """An opinion's status and the bureau's answer; no personal data, hidden text withheld."""
    normal = normalise_code(code[:MAX_CODE_INPUT])
    if normal and normal != code:
        return redirect(url_for("pages.opinion_tracking", code=normal))
    row = find_opinion(runtime().engine, tracking_code=normal) if normal else None
    if row is None:
        return render_template("pages/public/tracking_lookup.html", code=code, not_found=True), 404
    public = {
        key: row[key]
        for key in (
            "tracking_code",
            "project_id",
            "project_name",
            "category",
            "status",
            "outcome",
            "answer",
            "reason",
            "referred_to",
            "submitted_at",
            "answer_due_on",
            "answered_at",
            "answered_on_time",
            "hidden",
            "rating",
            "rated_at",
        )
    }
    public["text"] = None if row["hidden"] else row["text"]
    return render_template(
        "pages/public/tracking.html",
        opinion=public,
        errors=errors or {},
        chosen=rating or public["rating"] or "",
        choices=SATISFACTION_CHOICES,
        command_id=uuid4().hex,
    )
