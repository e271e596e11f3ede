"""The question builder of the staff console: questions added, moved and removed with buttons
of one plain form (no JavaScript, no syntax to type), a phone-sized preview as residents will
see it, and changing the questions of a round until it opens."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from renovation.domain import participation as rules
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import label
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    now,
    project_info,
    run_command,
    staff_project,
)
from renovation.web.pages.consultations import shown
from renovation.web.pages.staff import command_id, staff_page, web_command_id

CHOICE_TYPES = ("single", "multiple")


def blank_question() -> dict[str, Any]:
    return {"type": "single", "text": "", "options": "", "required": False}


def builder_questions(form: MultiDict) -> list[dict[str, Any]]:
    """The questions as the form holds them: ``q<i>_type``, ``_text``, ``_options`` (one a
    line) and ``_required``, numbered from 0."""
    questions = []
    for index in range(rules.MAX_QUESTIONS + 1):
        qtype = form.get(f"q{index}_type")
        if qtype is None:
            break
        questions.append(
            {
                "type": qtype,
                "text": form.get(f"q{index}_text", "").strip(),
                "options": form.get(f"q{index}_options", "").replace("\r\n", "\n"),
                "required": form.get(f"q{index}_required") == "1",
            }
        )
    return questions


def apply_action(questions: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """``add``, ``up-<i>``, ``down-<i>`` or ``remove-<i>``; anything else changes nothing."""
    questions = list(questions)
    verb, _sep, number = action.partition("-")
    if verb == "add" and len(questions) < rules.MAX_QUESTIONS:
        questions.append(blank_question())
    if not number.isdigit() or int(number) >= len(questions):
        return questions
    index = int(number)
    if verb == "remove":
        del questions[index]
    elif verb == "up" and index > 0:
        questions[index - 1], questions[index] = questions[index], questions[index - 1]
    elif verb == "down" and index < len(questions) - 1:
        questions[index + 1], questions[index] = questions[index], questions[index + 1]
    return questions


def question_payload(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions as the domain takes them; options only for a choice question."""
    return [
        {
            "type": q["type"],
            "text": q["text"],
            "options": [o.strip() for o in q["options"].split("\n") if o.strip()]
            if q["type"] in CHOICE_TYPES
            else [],
            "required": q["required"],
        }
        for q in questions
    ]


def preview_of(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """A round-like value for the residents' ballot fields (``_ballot_fields.html``)."""
    return {
        "questions": [
            dict(q, id=f"q{index + 1}", text=q["text"] or _("(no question text yet)"))
            for index, q in enumerate(question_payload(questions))
        ]
    }


def question_field(path: str) -> str:
    """A domain problem's path as the builder's field: ``questions.2.options`` → ``q2_options``."""
    parts = path.split(".")
    if parts[0] == "questions" and len(parts) == 3:
        return f"q{parts[1]}_{parts[2]}"
    return path


def question_types() -> list[tuple[str, str]]:
    """The types the builder offers; the satisfaction question belongs in an evaluation round
    (the domain says so by the field when it is asked elsewhere)."""
    return [(t, label("question_type", t)) for t in rules.QUESTION_TYPES]


def stored_questions(round_: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "type": q["type"],
            "text": q["text"],
            "options": "\n".join(q["options"]) if q["type"] in CHOICE_TYPES else "",
            "required": q["required"],
        }
        for q in round_["questions"]
    ]


@bp.route(
    "/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>/questions",
    methods=["GET", "POST"],
)
@access(STAFF)
@staff_page
def staff_round_questions(project_id: UUID, consultation_id: str):
    """Change the questions of a round that has not opened; from its opening they are fixed."""
    user, project = staff_project(project_id)
    round_ = project.rounds.get(consultation_id)
    if round_ is None:
        abort(404)
    fixed = round_["closed"] or now() >= round_["opens_at"]
    questions = stored_questions(round_)
    errors: dict[str, list[str]] = {}
    status = 200
    key = uuid4().hex
    if request.method == "POST":
        questions = builder_questions(request.form)
        action = request.form.get("action", "")
        key = request.form.get("command_id", key)
        questions = apply_action(questions, action)
        if action == "save":
            done = run_command(
                lambda: runtime().app.revise_consultation_questions(
                    project_id,
                    consultation_id,
                    question_payload(questions),
                    actor=actor_for(user, "web"),
                    command_id=web_command_id("questions", command_id(key)),
                ),
                errors=errors,
            )
            if done is not None:
                flash(_("The questions are saved."), "success")
                return redirect(
                    url_for(
                        "pages.staff_consultation",
                        project_id=project_id,
                        consultation_id=consultation_id,
                    )
                )
            errors = {question_field(k): v for k, v in errors.items()}
            status = 409 if fixed else 422
    return render_template(
        "pages/staff/round_questions.html",
        project=project_info(project, project_id),
        round=shown(round_),
        fixed=fixed,
        questions=questions,
        errors=errors,
        types=question_types(),
        preview=preview_of(questions),
        command_id=key,
    ), status
