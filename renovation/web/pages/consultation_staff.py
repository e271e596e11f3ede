"""Consultations in the staff console: open a consultation, its live result, paper votes and
closing it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import DomainError, InvalidProjectDataError
from renovation.domain.rulesets import Matter
from renovation.reports.contexts import local_time
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import label, refusal_message, refusal_problems, words
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    add_problems,
    flat_label,
    local_moment,
    now,
    project_info,
    run_command,
    staff_project,
    today,
)
from renovation.web.pages.confirming import confirm_page, unconfirmed
from renovation.web.pages.consultations import answers_from, flat_of, rounds_of, shown
from renovation.web.pages.round_builder import (
    apply_action,
    blank_question,
    builder_questions,
    preview_of,
    question_field,
    question_payload,
    question_types,
)
from renovation.web.pages.staff import command_id, staff_page, web_command_id

# ---- staff: consultation rounds ---------------------------------------------------------------

ROUND_FIELDS = (
    "kind",
    "title",
    "opens_at",
    "closes_at",
    "level",
    "building",
    "unit",
    "intent_vote",
    "matter",
    "command_id",
)


def round_defaults() -> dict[str, str]:
    start = now().astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    return dict(
        dict.fromkeys(ROUND_FIELDS, ""),
        kind="needs",
        level="community",
        matter="alteration",
        opens_at=start.strftime("%Y-%m-%dT%H:%M"),
        closes_at=(start + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        command_id=uuid4().hex,
    )


def round_payload(values: dict[str, str], questions: list[dict], errors: dict) -> dict[str, Any]:
    opens_at, closes_at = local_moment(values["opens_at"]), local_moment(values["closes_at"])
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if moment is None:
            errors.setdefault(name, []).append(_("Give a date and time, e.g. 2026-12-01 09:00."))
    level = values["level"]
    intent = values["intent_vote"] == "1"
    return {
        "kind": values["kind"],
        "title": values["title"],
        "questions": question_payload(questions),
        "opens_at": opens_at,
        "closes_at": closes_at,
        "scope": {
            "level": level,
            "building": values["building"] if level in ("building", "unit") else None,
            "unit": values["unit"] if level == "unit" else None,
        },
        "intent_vote": intent,
        "matter": values["matter"] if intent else None,
    }


SCOPE_FIELDS = {"scope.level": "level", "scope.building": "building", "scope.unit": "unit"}


@bp.get("/staff/projects/<uuid:project_id>/consultations")
@access(STAFF)
@staff_page
def staff_consultations(project_id: UUID):
    """The project's rounds with their ballots so far; open a new one, print household codes."""
    _user, project = staff_project(project_id)
    return render_template(
        "pages/staff/rounds.html",
        project=project_info(project, project_id),
        rounds=rounds_of(project),
    )


@bp.route("/staff/projects/<uuid:project_id>/consultations/new", methods=["GET", "POST"])
@access(STAFF)
@staff_page
def staff_consultation_new(project_id: UUID):
    """Open a consultation round, its questions made with the builder's buttons."""
    user, project = staff_project(project_id)
    values = round_defaults()
    questions = [blank_question()]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ROUND_FIELDS}
        action = request.form.get("action", "")
        questions = apply_action(builder_questions(request.form), action)
        data = round_payload(values, questions, {} if action != "open" else errors)
        if action == "open" and not errors:
            try:
                result = runtime().app.open_consultation(
                    project_id,
                    data,
                    actor=actor_for(user, "web"),
                    command_id=web_command_id("round", command_id(values["command_id"])),
                )
            except InvalidProjectDataError as error:
                add_problems(
                    errors, error, rename=lambda p: SCOPE_FIELDS.get(p) or question_field(p)
                )
            except DomainError as error:
                errors.setdefault(error.field or "form", []).append(refusal_message(error))
            except ConcurrencyError:
                errors["form"] = [_("The project is busy; please try again in a moment.")]
            else:
                runtime().catch_up()
                flash(_("The round “%(title)s” is open.", title=data["title"]), "success")
                return redirect(
                    url_for(
                        "pages.staff_consultation",
                        project_id=project_id,
                        consultation_id=result.value["consultation_id"],
                    )
                )
    return render_template(
        "pages/staff/round_new.html",
        project=project_info(project, project_id),
        values=values,
        errors=errors,
        kinds=[(k, label("consultation_kind", k)) for k in rules.ROUND_KINDS],
        levels=[(s, label("scope_level", s)) for s in rules.SCOPE_LEVELS],
        matters=[(m.value, label("matter", m)) for m in Matter],
        buildings=[b["code"] for b in project.buildings],
        questions=questions,
        types=question_types(),
        preview=preview_of(questions),
    ), (422 if errors else 200)


@bp.get("/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>")
@access(STAFF)
@staff_page
def staff_consultation(project_id: UUID, consultation_id: str):
    """A round's live result, the paper-ballot form and, after the window, the close button."""
    _user, project = staff_project(project_id)
    round_ = project.rounds.get(consultation_id)
    if round_ is None:
        abort(404)
    flats = [
        dict(f, flat_id=rules.flat_id(f["building"], f["unit"], f["number"]))
        for f in project.flats()
        if rules.in_scope(round_["scope"], f)
    ]
    return render_template(
        "pages/staff/round.html",
        project=project_info(project, project_id),
        round=shown(round_),
        result=runtime().app.round_result(project_id, consultation_id),
        flats=flats,
        voted=set(round_["ballots"]),
        closable=not round_["closed"] and now() >= round_["closes_at"],
        today=today().isoformat(),
        command_id=uuid4().hex,
    )


@bp.post("/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>/paper-votes")
@access(STAFF)
@staff_page
def staff_paper_vote(project_id: UUID, consultation_id: str):
    """Enter a household's paper ballot; the event names the clerk and the channel "paper"."""
    user, project = staff_project(project_id)
    round_ = project.rounds.get(consultation_id)
    if round_ is None:
        abort(404)
    back = (
        url_for("pages.staff_consultation", project_id=project_id, consultation_id=consultation_id)
        + "#paper"
    )
    flat_id = request.form.get("flat_id", "")
    effective_text = request.form.get("effective_on", "").strip()
    effective_on = None
    if effective_text:
        try:
            effective_on = date.fromisoformat(effective_text)
        except ValueError:
            flash(_("The date on the paper must be a date (YYYY-MM-DD)."), "error")
            return redirect(back)
        if effective_on > today():
            flash(_("The date on the paper cannot be in the future."), "error")
            return redirect(back)
    flat = flat_of(project, flat_id)
    if flat is None:
        flash(_("Choose the household whose paper ballot this is."), "error")
        return redirect(back)
    command_key = command_id(request.form.get("command_id"))
    try:
        runtime().app.cast_paper_vote(
            project_id,
            consultation_id,
            flat_id=flat_id,
            answers=answers_from(request.form, round_),
            consent=request.form.get("consent") or None,
            actor=actor_for(user, "paper"),
            effective_on=effective_on,
            command_id=web_command_id("paper", command_key),
        )
    except InvalidProjectDataError as error:
        questions = {f"answers.{q['id']}": q["text"] for q in round_["questions"]}
        for path, messages in refusal_problems(error).items():
            where = questions.get(path) or (_("Consent") if path == "consent" else path)
            for message in messages:
                flash(_("%(column)s: %(message)s", column=where, message=message), "error")
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(
            _(
                "The paper ballot of %(flat)s is recorded.",
                flat=flat_label(flat["building"], flat["unit"], flat["number"]),
            ),
            "success",
        )
    return redirect(back)


@bp.post("/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>/close")
@access(STAFF)
@staff_page
def staff_close_consultation(project_id: UUID, consultation_id: str):
    """Close a round after its window; its result is stored (and an intent vote decides)."""
    user, project = staff_project(project_id)
    if consultation_id not in project.rounds:
        abort(404)
    command_key = command_id(request.form.get("command_id"))
    refused = unconfirmed(
        f"close:{consultation_id}",
        project_id,
        project,
        url_for(
            "pages.confirm_close_consultation",
            project_id=project_id,
            consultation_id=consultation_id,
        ),
        replay_of=web_command_id("close", command_key),
    )
    if refused is not None:
        return refused
    done = run_command(
        lambda: runtime().app.close_consultation(
            project_id,
            consultation_id,
            actor=actor_for(user, "web"),
            command_id=web_command_id("close", command_key),
        ),
    )
    if done is not None:
        flash(_("The round is closed and its result is published."), "success")
    return redirect(
        url_for("pages.staff_consultation", project_id=project_id, consultation_id=consultation_id)
    )


@bp.get("/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>/close/confirm")
@access(STAFF)
@staff_page
def confirm_close_consultation(project_id: UUID, consultation_id: str):
    """What closing a round does (its result published, no more votes) and what is checked."""
    _user, project = staff_project(project_id)
    round_ = project.rounds.get(consultation_id)
    if round_ is None:
        abort(404)
    in_scope = [f for f in project.flats() if rules.in_scope(round_["scope"], f)]
    what = _(
        "“%(title)s” closes: its result is stored and published, and no more votes are taken.",
        title=round_["title"],
    )
    if round_["intent_vote"]:
        what += " " + _("This intent vote also moves the project on, by its result.")
    window_over = now() >= round_["closes_at"]
    checks = [
        {
            "ok": window_over and not round_["closed"],
            "text": _("The round is closed already.")
            if round_["closed"]
            else _("Voting ended %(at)s.", at=local_time(round_["closes_at"]))
            if window_over
            else words().refusal(
                "consultation_still_open", {"closes_at": round_["closes_at"].isoformat()}
            ),
        },
        {
            "ok": None,
            "text": _(
                "%(voted)s of %(flats)s households have voted.",
                voted=len(round_["ballots"]),
                flats=len(in_scope),
            ),
        },
    ]
    back = url_for(
        "pages.staff_consultation", project_id=project_id, consultation_id=consultation_id
    )
    return confirm_page(
        project_id,
        project,
        action=f"close:{consultation_id}",
        title=_("Close “%(title)s”?", title=round_["title"]),
        what=what,
        checks=checks,
        post_to=url_for(
            "pages.staff_close_consultation",
            project_id=project_id,
            consultation_id=consultation_id,
        ),
        fields={"command_id": uuid4().hex},
        button=_("Close the round and publish the result"),
        cancel=back,
    )
