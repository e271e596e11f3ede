"""Consultations on the pages: the public list and page of each consultation, household voting
with the code on the letter, and the former addresses of these pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Response, abort, make_response, redirect, render_template, request
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.domain import participation as rules
from renovation.domain.errors import DomainError, InvalidProjectDataError
from renovation.domain.project import RenovationProject
from renovation.web import runtime
from renovation.web.access import PUBLIC, RESIDENT, access
from renovation.web.i18n import refusal_message
from renovation.web.limits import ballot_writes, household_code_checks
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    MAX_CODE_INPUT,
    RESIDENT_WEB,
    add_problems,
    code_problem,
    now,
    project_info,
    scope_label,
)


def consultation_status(round_: dict[str, Any], at: datetime | None = None) -> str:
    return rules.round_status(round_, at or now())


def shown(round_: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """A consultation as the pages show it: its status now, its id under the API's name."""
    return dict(round_, status=consultation_status(round_, at), consultation_id=round_["round_id"])


def rounds_of(project: RenovationProject) -> list[dict[str, Any]]:
    """The project's rounds, open first, then upcoming, then closed (newest first)."""
    at = now()
    order = {"open": 0, "upcoming": 1, "closed": 2}
    rounds = [shown(r, at) for r in project.rounds.values()]
    rounds.sort(key=lambda r: r["closes_at"], reverse=True)
    rounds.sort(key=lambda r: order[r["status"]])
    return rounds


@bp.app_context_processor
def _consultation_globals() -> dict[str, Any]:
    return {"open_rounds": open_rounds}


def open_rounds(project_id: str | UUID) -> list[dict[str, Any]]:
    """The rounds a household can vote in now (for the project page's buttons)."""
    try:
        project = runtime().app.get_project(UUID(str(project_id)))
    except Exception:  # a page must not fail for want of its voting buttons
        return []
    return [r for r in rounds_of(project) if r["status"] == "open"]


# ---- voting ----------------------------------------------------------------------------------


@bp.get("/projects/<uuid:project_id>/consultations")
@access(PUBLIC)
def consultations(project_id: UUID):
    """The project's consultation rounds: open, upcoming and closed, in Beijing time."""
    project = runtime().app.get_project(project_id)
    return render_template(
        "pages/public/rounds.html",
        project=project_info(project, project_id),
        rounds=rounds_of(project),
    )


@bp.get("/projects/<uuid:project_id>/consultations/<string:consultation_id>")
@access(PUBLIC)
def consultation(project_id: UUID, consultation_id: str):
    """One round: its questions and window, and its result once it is closed."""
    project = runtime().app.get_project(project_id)
    round_ = project.rounds.get(consultation_id)
    if round_ is None:
        abort(404)
    return render_template(
        "pages/public/round.html",
        project=project_info(project, project_id),
        round=shown(round_),
        result=round_["result"],
    )


def answers_from(form, round_: dict[str, Any]) -> dict[str, Any]:
    """The ballot's answers from the form fields ``q-<question id>``; unanswered ones left out."""
    answers: dict[str, Any] = {}
    for question in round_["questions"]:
        key = f"q-{question['id']}"
        if question["type"] == "multiple":
            values = [v for v in form.getlist(key) if v.strip()]
            if values:
                answers[question["id"]] = values
            continue
        value = form.get(key, "").replace("\r\n", "\n").strip()
        if not value:
            continue
        if question["type"] == "rating":
            answers[question["id"]] = int(value) if value.isdigit() else value
        else:
            answers[question["id"]] = value
    return answers


def ballot_field(path: str) -> str:
    """``answers.q2`` → the form's ``q-q2``; other fields keep their names."""
    return f"q-{path.removeprefix('answers.')}" if path.startswith("answers.") else path


def flat_of(project: RenovationProject, flat_id: str) -> dict[str, Any] | None:
    try:
        return project.find_flat(flat_id)
    except DomainError:
        return None


@access(PUBLIC)
def former_address(project_id: UUID, rest: str = ""):
    """Addresses of earlier releases (bookmarks, printed pages) lead to today's: public, the
    page it leads to checks who may see it."""
    path = request.path.replace("/rounds", "/consultations", 1).replace(
        "/codes", "/household-codes", 1
    )
    query = request.query_string.decode()
    return redirect(path + (f"?{query}" if query else ""), 301)


FORMER_ADDRESSES = (
    "/projects/<uuid:project_id>/rounds",
    "/projects/<uuid:project_id>/rounds/<path:rest>",
    "/staff/projects/<uuid:project_id>/rounds",
    "/staff/projects/<uuid:project_id>/rounds/<path:rest>",
    "/staff/projects/<uuid:project_id>/codes",
)
for _number, _rule in enumerate(FORMER_ADDRESSES):
    bp.add_url_rule(_rule, f"former_address_{_number}", former_address, methods=["GET"])


@bp.route("/projects/<uuid:project_id>/vote", methods=["GET", "POST"])
@access(RESIDENT)
@ballot_writes
@household_code_checks
def vote(project_id: UUID):
    """A household votes with the code on its letter (the QR code fills it in).

    With its code (the slip's ``?code=`` link, or the form sent with ``intent=check``, which the
    page's script does for a code from the slip's QR link), a household that has voted sees
    when, with its earlier choices filled in; a closed round shows its result, not a form.
    """
    rt = runtime()
    project = rt.app.get_project(project_id)
    info = project_info(project, project_id)
    source = request.form if request.method == "POST" else request.args
    code = source.get("code", "")[:MAX_CODE_INPUT].strip()
    open_now = [r for r in rounds_of(project) if r["status"] == "open"]
    wanted = source.get("consultation") or source.get("round", "")  # "round": older links
    checking = request.method == "GET" or source.get("intent") == "check"
    page = {"project": info, "rounds": open_now, "code": code, "errors": {}, "earlier": None}
    if request.method == "POST":
        chosen = project.rounds.get(wanted)
        if chosen is None:
            abort(404)
        chosen = shown(chosen)
    else:
        chosen = next((r for r in open_now if r["consultation_id"] == wanted), None)
        if chosen is None and wanted in project.rounds:
            closed = shown(project.rounds[wanted])
            chosen = closed if closed["status"] == "closed" else None  # its result, below
        if chosen is None and len(open_now) == 1:
            chosen = open_now[0]
    if chosen is None:
        return private_when_coded(
            render_template(
                "pages/public/vote.html",
                **page,
                round=None,
                answers={},
                consent=None,
                household=None,
            )
        )
    if chosen["status"] == "closed" and checking:
        return closed_vote(info, chosen, status=200)
    answers = answers_from(source, chosen) if not checking else {}
    consent = source.get("consent") or None
    household = None
    errors: dict[str, list[str]] = page["errors"]
    status = 200
    if code:
        flat = project.flat_of_code(*rt.app.household_code_digests(project_id, code))
        household = flat_of(project, flat) if flat else None
    if checking:
        if code and household is None:
            errors["code"] = [code_problem()]
            status = 422 if request.method == "POST" else 200
        elif household is not None and not rules.in_scope(chosen["scope"], household):
            errors["code"] = [scope_problem(chosen)]
            status = 422 if request.method == "POST" else 200
        elif household is not None:
            page["earlier"] = chosen["ballots"].get(
                rules.flat_id(household["building"], household["unit"], household["number"])
            )
        elif request.method == "POST":
            errors["code"] = [_("Please enter the household code from your letter.")]
            status = 422
        if page["earlier"]:
            answers = page["earlier"]["answers"]
            consent = page["earlier"]["consent"]
    elif not code:
        errors["code"] = [_("Please enter the household code from your letter.")]
        status = 422
    else:
        before = set(chosen["ballots"])
        try:
            result = rt.app.cast_vote(
                project_id,
                chosen["consultation_id"],
                code=code,
                answers=answers,
                consent=consent,
                actor=RESIDENT_WEB,
            )
        except rules.UnknownHouseholdCodeError:
            errors["code"] = [code_problem()]
            status = 422
        except rules.OutOfScopeError:
            errors["code"] = [scope_problem(chosen)]
            status = 422
        except rules.RoundClosedError as error:
            if chosen["status"] == "closed":
                return closed_vote(info, chosen, status=409, refusal=refusal_message(error))
            errors["form"] = [refusal_message(error)]
            status = 409
        except InvalidProjectDataError as error:
            add_problems(errors, error, rename=ballot_field)
            status = 422
        except DomainError as error:
            errors.setdefault(ballot_field(error.field or "form"), []).append(
                refusal_message(error)
            )
            status = 422
        except ConcurrencyError:
            errors["form"] = [_("The service is busy; please send the form again.")]
            status = 503
        else:
            rt.catch_up()
            flat_id = result.value["flat_id"]
            return render_template(
                "pages/public/vote_done.html",
                project=info,
                round=chosen,
                household=flat_of(project, flat_id),
                replaced=flat_id in before,
            )
    return private_when_coded(
        render_template(
            "pages/public/vote.html",
            **page,
            round=chosen,
            answers=answers,
            consent=consent,
            household=household,
        ),
        status,
    )


def closed_vote(
    info: dict[str, Any], round_: dict[str, Any], *, status: int, refusal: str | None = None
) -> Response:
    """A closed round on the vote page: its result (once counted) instead of a form."""
    return private_when_coded(
        render_template(
            "pages/public/vote_closed.html",
            project=info,
            round=round_,
            result=round_["result"],
            refusal=refusal,
        ),
        status,
    )


def private_when_coded(html: str, status: int = 200) -> Response:
    """An answer that carries a household code (an older slip's ``?code=`` link, or a sent
    form, which may show the household's earlier choices): kept by no cache and sent on as no
    Referer; the page's script then drops the query from the address bar
    (static/js/vote-code.js)."""
    response = make_response(html, status)
    # A sent form's answer holds the code too, and may hold the household's earlier choices.
    if request.method == "POST" or "code" in request.args:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def scope_problem(round_: dict[str, Any]) -> str:
    return _(
        "Your home is not in this vote: it is only for %(scope)s.",
        scope=scope_label(round_["scope"]),
    )
