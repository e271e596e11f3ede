"""Residents' voice on the pages: opinions and their tracking, household voting, and the staff
console's opinion queue, consultation rounds and household-code sheets.

Residents' pages are plain forms for a phone (no JavaScript); every POST carries the CSRF token
(checked by CSRFProtect for the whole app). Personal data (flat, contact) is shown only to staff
of the project's district on the single-opinion page, and each such read is logged.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from renovation import answer_templates
from renovation.accounts import User
from renovation.application.errors import ConcurrencyError
from renovation.application.participation import code_digest, normalise_code
from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import DomainError, InvalidProjectDataError
from renovation.domain.project import Actor, RenovationProject
from renovation.domain.rulesets import Matter
from renovation.projections.opinions import opinion_figures
from renovation.projections.store import find_opinion, list_opinions, opinion_rows
from renovation.reports.contexts import household_code_sheet_context
from renovation.reports.household_codes import render_household_code_sheet
from renovation.web import runtime
from renovation.web.auth import actor_for, check_district, limiter, page_user
from renovation.web.i18n import label, refusal_message, refusal_problems, words
from renovation.web.links import public_write_limit, vote_url
from renovation.web.pages.blueprint import bp, query_url
from renovation.web.pages.staff import command_id, staff_page
from renovation.web.pages.views import pagination

RESIDENT_WEB = Actor(id="resident", role="resident", channel="web")
PER_PAGE = 20
MAX_FLAT = 20
MAX_CONTACT = 100
MAX_CODE_INPUT = 40
personal_log = logging.getLogger("renovation.personal_data")


def flat_label(building: str, unit: str, number: str) -> str:
    return _(
        "Building %(building)s, unit %(unit)s, flat %(number)s",
        building=building,
        unit=unit,
        number=number,
    )


def scope_label(scope: dict[str, Any]) -> str:
    if scope.get("level") == "unit":
        return _(
            "Building %(building)s, unit %(unit)s", building=scope["building"], unit=scope["unit"]
        )
    if scope.get("level") == "building":
        return _("Building %(building)s", building=scope["building"])
    return label("scope_level", "community")


def now() -> datetime:
    """The application's clock (tests move it to close a round)."""
    return runtime().app.clock()


def today() -> date:
    return now().astimezone(LOCAL_TZ).date()


def round_status(round_: dict[str, Any], at: datetime | None = None) -> str:
    at = at or now()
    if round_["closed"] or at >= round_["closes_at"]:
        return "closed"
    return "open" if at >= round_["opens_at"] else "upcoming"


def shown(round_: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """A consultation as the pages show it: its status now, its id under the API's name."""
    return dict(round_, status=round_status(round_, at), consultation_id=round_["round_id"])


def rounds_of(project: RenovationProject) -> list[dict[str, Any]]:
    """The project's rounds, open first, then upcoming, then closed (newest first)."""
    at = now()
    order = {"open": 0, "upcoming": 1, "closed": 2}
    rounds = [shown(r, at) for r in project.rounds.values()]
    rounds.sort(key=lambda r: r["closes_at"], reverse=True)
    rounds.sort(key=lambda r: order[r["status"]])
    return rounds


@bp.app_context_processor
def _participation_globals() -> dict[str, Any]:
    return {
        "scope_label": scope_label,
        "flat_label": flat_label,
        "open_rounds": open_rounds,
    }


def open_rounds(project_id: str | UUID) -> list[dict[str, Any]]:
    """The rounds a household can vote in now (for the project page's buttons)."""
    try:
        project = runtime().app.get_project(UUID(str(project_id)))
    except Exception:  # a page must not fail for want of its voting buttons
        return []
    return [r for r in rounds_of(project) if r["status"] == "open"]


def add_problems(errors: dict[str, list[str]], error: DomainError, rename=None) -> None:
    """A refusal's reasons by form field, in the visitor's words."""
    for field, messages in refusal_problems(error).items():
        name = rename(field) if rename else field
        errors.setdefault(name, []).extend(messages)


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
@limiter.limit(public_write_limit, methods=["POST"])
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
            try:
                result = rt.app.submit_opinion(
                    project_id,
                    {name: values[name] for name in OPINION_FIELDS},
                    actor=RESIDENT_WEB,
                    command_id=f"web-opinion-{command_key}" if command_key else None,
                )
            except InvalidProjectDataError as error:
                add_problems(errors, error)
            except DomainError as error:
                errors.setdefault(error.field or "form", []).append(refusal_message(error))
            except ConcurrencyError:
                errors["form"] = [_("The service is busy; please send the form again.")]
            else:
                rt.catch_up()
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


def project_info(project: RenovationProject, project_id: UUID) -> dict[str, Any]:
    community = project.community
    return {
        "id": str(project_id),
        "name": community["name"],
        "district": community["district"],
        "street": community.get("street") or "",
    }


@bp.get("/opinions/track")
def opinion_lookup():
    """Find an opinion by its tracking code: lower case, spaces and dashes are forgiven."""
    raw = request.args.get("code", "")[:MAX_CODE_INPUT]
    if raw.strip():
        code = normalise_code(raw)
        if code:
            return redirect(url_for("pages.opinion_tracking", code=code))
    return render_template("pages/public/tracking_lookup.html", code=raw, not_found=False)


@bp.get("/opinions/<string:code>")
def opinion_tracking(code: str):
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
        )
    }
    public["text"] = None if row["hidden"] else row["text"]
    return render_template("pages/public/tracking.html", opinion=public)


# ---- voting ----------------------------------------------------------------------------------


@bp.get("/projects/<uuid:project_id>/consultations")
def consultations(project_id: UUID):
    """The project's consultation rounds: open, upcoming and closed, in Beijing time."""
    project = runtime().app.get_project(project_id)
    return render_template(
        "pages/public/rounds.html",
        project=project_info(project, project_id),
        rounds=rounds_of(project),
    )


@bp.get("/projects/<uuid:project_id>/consultations/<string:consultation_id>")
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
@limiter.limit(public_write_limit, methods=["POST"])
def vote(project_id: UUID):
    """A household votes with the code on its letter (the QR code fills it in)."""
    rt = runtime()
    project = rt.app.get_project(project_id)
    info = project_info(project, project_id)
    source = request.form if request.method == "POST" else request.args
    code = source.get("code", "")[:MAX_CODE_INPUT].strip()
    open_now = [r for r in rounds_of(project) if r["status"] == "open"]
    wanted = source.get("consultation") or source.get("round", "")  # "round": older links
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        chosen = project.rounds.get(wanted)
        if chosen is None:
            abort(404)
        chosen = shown(chosen)
    else:
        chosen = next((r for r in open_now if r["consultation_id"] == wanted), None)
        if chosen is None and len(open_now) == 1:
            chosen = open_now[0]
    if chosen is None:
        return render_template(
            "pages/public/vote.html",
            project=info,
            rounds=open_now,
            code=code,
            round=None,
            errors={},
            answers={},
            consent=None,
            household=None,
        )
    answers = answers_from(source, chosen) if request.method == "POST" else {}
    consent = source.get("consent") or None
    household = None
    if code:
        flat = project.household_codes.get(code_digest(project_id, code))
        household = flat_of(project, flat) if flat else None
    if request.method == "GET":
        if code and household is None:
            errors["code"] = [code_problem()]
        elif household is not None and not rules.in_scope(chosen["scope"], household):
            errors["code"] = [scope_problem(chosen)]
    else:
        if not code:
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
    return render_template(
        "pages/public/vote.html",
        project=info,
        rounds=open_now,
        code=code,
        round=chosen,
        errors=errors,
        answers=answers,
        consent=consent,
        household=household,
    ), status


def code_problem() -> str:
    return words().refusal(rules.UnknownHouseholdCodeError.code)


def scope_problem(round_: dict[str, Any]) -> str:
    return _(
        "Your home is not in this vote: it is only for %(scope)s.",
        scope=scope_label(round_["scope"]),
    )


# ---- staff: the opinion queue ---------------------------------------------------------------


def staff_project(project_id: UUID) -> tuple[User, RenovationProject]:
    """The signed-in staff member and the project, which must be in one of their districts."""
    user = page_user()
    project = runtime().app.get_project(project_id)
    check_district(user, project.community["district"])
    return user, project


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
            command_id=f"web-answer-{command_key}" if command_key else None,
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
        personal_log.info(
            "staff user %s (%s) read the personal data of opinion %s in project %s",
            user.username,
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
        overdue=row["status"] == "open" and row["answer_due_on"] < today().isoformat(),
        values=values,
        errors=errors,
        moderation_id=uuid4().hex,
        **answer_form_context(project),
    ), (422 if errors else 200)


@bp.post("/staff/projects/<uuid:project_id>/opinions/<string:opinion_id>/moderation")
@staff_page
def staff_moderate_opinion(project_id: UUID, opinion_id: str):
    """Hide abusive text from the public pages, or show it again; the history keeps it."""
    user, _project = staff_project(project_id)
    hidden = request.form.get("hidden") == "1"
    reason = request.form.get("reason", "").strip()[:500]
    command_key = command_id(request.form.get("command_id"))
    try:
        runtime().app.moderate_opinion(
            project_id,
            opinion_id,
            hidden=hidden,
            reason=reason,
            actor=actor_for(user, "web"),
            command_id=f"web-moderate-{command_key}" if command_key else None,
        )
    except rules.UnknownOpinionError:
        abort(404)
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(
            _("The text is hidden from the public pages.")
            if hidden
            else _("The text is shown on the public pages again."),
            "success",
        )
    return redirect(url_for("pages.staff_opinion", project_id=project_id, opinion_id=opinion_id))


# ---- staff: consultation rounds ---------------------------------------------------------------

QUESTION_FORMAT = "type|text|option1;option2|required"
_TYPE_WORDS = {
    "single": "single",
    "单选": "single",
    "multiple": "multiple",
    "多选": "multiple",
    "rating": "rating",
    "评分": "rating",
    "text": "text",
    "文字": "text",
    "填空": "text",
}
_REQUIRED_WORDS = {"required", "必答", "是", "yes", "y", "1"}
_OPTIONAL_WORDS = {"", "optional", "选答", "否", "no", "n", "0"}
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
    "questions",
    "command_id",
)


def parse_questions(text: str, errors: dict[str, list[str]]) -> tuple[list[dict], list[int]]:
    """``type|text|option1;option2|required`` a line; the questions and each one's line number."""
    questions: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in re.split(r"[|｜]", line)]
        problem = None
        qtype = _TYPE_WORDS.get(cells[0].lower())
        if len(cells) < 2 or len(cells) > 4:
            problem = _("write type|text|options|required, separated by |")
        elif qtype is None:
            problem = _("the type must be single, multiple, rating or text")
        elif len(cells) == 4 and cells[3].lower() not in _REQUIRED_WORDS | _OPTIONAL_WORDS:
            problem = _("write “required” at the end, or leave it empty")
        if problem:
            errors.setdefault("questions", []).append(
                _("Line %(line)s: %(message)s", line=number, message=problem)
            )
            continue
        options = re.split(r"[;；]", cells[2]) if len(cells) > 2 else []
        questions.append(
            {
                "type": qtype,
                "text": cells[1],
                "options": [o.strip() for o in options if o.strip()],
                "required": len(cells) == 4 and cells[3].lower() in _REQUIRED_WORDS,
            }
        )
        lines.append(number)
    return questions, lines


def local_moment(value: str) -> datetime | None:
    """``2026-12-01T09:00`` (or with a space) as Beijing time; None if it is not one."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


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


def round_payload(values: dict[str, str], errors: dict[str, list[str]]) -> tuple[dict, list[int]]:
    questions, lines = parse_questions(values["questions"], errors)
    opens_at, closes_at = local_moment(values["opens_at"]), local_moment(values["closes_at"])
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if moment is None:
            errors.setdefault(name, []).append(_("Give a date and time, e.g. 2026-12-01 09:00."))
    level = values["level"]
    intent = values["intent_vote"] == "1"
    data = {
        "kind": values["kind"],
        "title": values["title"],
        "questions": questions,
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
    return data, lines


def round_field(path: str, lines: list[int]) -> tuple[str, str | None]:
    """A domain problem's path as a form field, with the line of a question it names."""
    if path.startswith("questions."):
        index = int(path.split(".")[1])
        return "questions", str(lines[index]) if index < len(lines) else None
    return {"scope.level": "level", "scope.building": "building", "scope.unit": "unit"}.get(
        path, path
    ), None


@bp.get("/staff/projects/<uuid:project_id>/consultations")
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
@staff_page
def staff_consultation_new(project_id: UUID):
    """Open a consultation round; questions pasted one a line."""
    user, project = staff_project(project_id)
    values = round_defaults()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ROUND_FIELDS}
        data, lines = round_payload(values, errors)
        if not errors:
            command_key = command_id(values["command_id"])
            try:
                result = runtime().app.open_consultation(
                    project_id,
                    data,
                    actor=actor_for(user, "web"),
                    command_id=f"web-round-{command_key}" if command_key else None,
                )
            except InvalidProjectDataError as error:
                for path, messages in refusal_problems(error).items():
                    field, line = round_field(path, lines)
                    for message in messages:
                        errors.setdefault(field, []).append(
                            _("Line %(line)s: %(message)s", line=line, message=message)
                            if line
                            else message
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
        kinds=[(k, label("round_kind", k)) for k in rules.ROUND_KINDS],
        levels=[(s, label("scope_level", s)) for s in rules.SCOPE_LEVELS],
        matters=[(m.value, label("matter", m)) for m in Matter],
        buildings=[b["code"] for b in project.buildings],
        question_format=QUESTION_FORMAT,
    ), (422 if errors else 200)


@bp.get("/staff/projects/<uuid:project_id>/consultations/<string:consultation_id>")
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
            command_id=f"web-paper-{command_key}" if command_key else None,
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
@staff_page
def staff_close_consultation(project_id: UUID, consultation_id: str):
    """Close a round after its window; its result is stored (and an intent vote decides)."""
    user, project = staff_project(project_id)
    if consultation_id not in project.rounds:
        abort(404)
    command_key = command_id(request.form.get("command_id"))
    try:
        runtime().app.close_consultation(
            project_id,
            consultation_id,
            actor=actor_for(user, "web"),
            command_id=f"web-close-{command_key}" if command_key else None,
        )
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(_("The round is closed and its result is published."), "success")
    return redirect(
        url_for("pages.staff_consultation", project_id=project_id, consultation_id=consultation_id)
    )


# ---- staff: household codes ------------------------------------------------------------------


def _flat_order(flat: dict[str, Any]) -> tuple:
    def key(text: str) -> tuple:
        return (0, int(text), "") if text.isdigit() else (1, 0, text)

    return key(flat["unit"]), flat["floor"], key(flat["number"])


@bp.route("/staff/projects/<uuid:project_id>/household-codes", methods=["GET", "POST"])
@staff_page
def staff_household_codes(project_id: UUID):
    """Issue new household codes for one building and print them (PDF, one slip a flat)."""
    user, project = staff_project(project_id)
    buildings = [b["code"] for b in project.buildings]
    info = project_info(project, project_id)
    if request.method == "POST":
        building = request.form.get("building", "")
        if building not in buildings:
            flash(_("Choose a building."), "error")
            return redirect(url_for("pages.staff_household_codes", project_id=project_id))
        try:
            result = runtime().app.issue_household_codes(
                project_id, building=building, actor=actor_for(user, "web")
            )
        except DomainError as error:
            flash(refusal_message(error), "error")
            return redirect(url_for("pages.staff_household_codes", project_id=project_id))
        runtime().catch_up()
        pdf = render_household_code_sheet(
            household_code_sheet_context(
                project_id=str(project_id),
                community=project.community,
                flats=sorted(project.flats(), key=_flat_order),
                codes=result.value,
                building=building,
                vote_url=lambda code: vote_url(project_id, code),
                lang=str(get_locale() or "zh"),
            )
        )
        response = send_file(
            io.BytesIO(pdf),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"household-codes-{info['name']}-{building}.pdf",
        )
        response.headers["Cache-Control"] = "no-store"  # the codes are secrets
        return response
    return render_template(
        "pages/staff/codes.html",
        project=info,
        buildings=buildings,
        flats_per_building={
            b["code"]: sum(len(u["flats"]) for u in b["units"]) for b in project.buildings
        },
    )
