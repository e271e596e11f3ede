"""Lift retrofits (既有住宅加装电梯) on the pages: the unit's public notice page with its votes,
arithmetic, dates, objection and voting forms; the staff pages that propose a lift, enter
paper votes, close the poll, move the retrofit on and answer objections.

Public pages show what a notice posted in the stairwell shows (flat numbers, votes, the
art. 278 table), never owners' references, objection texts or who lodged them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.domain import lifts as lift_rules
from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.cost_shares import CostShareError
from renovation.domain.errors import DomainError, InvalidProjectDataError, StageGateError
from renovation.domain.lifts import MOVES, ORDER, REQUIRED_DETAILS, LiftStage
from renovation.domain.project import RenovationProject
from renovation.web import runtime
from renovation.web.auth import actor_for, limiter
from renovation.web.i18n import current_language, label, refusal_message, refusal_problems
from renovation.web.links import public_write_limit
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    MAX_CODE_INPUT,
    RESIDENT_WEB,
    code_problem,
    local_moment,
    now,
    project_info,
    staff_project,
    today,
)
from renovation.web.pages.staff import command_id, staff_page

OPTIONAL_DETAILS = {LiftStage.AGREEMENT_SIGNED: ("subsidy", "compensation")}
MONEY_DETAILS = ("budget", "subsidy")
MAX_OBJECTION_INPUT = lift_rules.MAX_OBJECTION


# ---- reading a lift --------------------------------------------------------------------------


def find_lift(project_id: UUID, lift_id: str) -> dict[str, Any]:
    """lift_view, or 404."""
    try:
        return runtime().app.lift_view(project_id, lift_id)
    except lift_rules.UnknownLiftError:
        abort(404)


def cost_shares(project_id: UUID, lift_id: str) -> dict[str, Any] | None:
    try:
        return runtime().app.lift_cost_shares(project_id, lift_id)
    except CostShareError:
        return None


def poll_status(lift: dict[str, Any]) -> str:
    """open, upcoming or closed: the willingness poll's state now."""
    at = now()
    if lift["poll_closed"] or lift["stage"] != LiftStage.WILLINGNESS_POLL:
        return "closed"
    if at >= lift["poll_closes_at"]:
        return "closed"
    return "open" if at >= lift["poll_opens_at"] else "upcoming"


def objections_open(lift: dict[str, Any]) -> bool:
    stage = lift["stage"]
    return stage == LiftStage.PUBLIC_NOTICE or (
        stage == LiftStage.OBJECTION_WINDOW
        and lift["objections_end_on"] is not None
        and today() <= lift["objections_end_on"]
    )


def steps(stage: str) -> list[dict[str, str]]:
    """ORDER with each step done, current or later (abandoned: every step after is later)."""
    if stage == LiftStage.ABANDONED:
        return [{"stage": s.value, "state": "later"} for s in ORDER]
    index = ORDER.index(LiftStage(stage))
    return [
        {
            "stage": s.value,
            "state": "done" if i < index else "current" if i == index else "later",
        }
        for i, s in enumerate(ORDER)
    ]


def flat_number(flat_id: str, lift: dict[str, Any]) -> str:
    return flat_id.removeprefix(f"{lift['building']}-{lift['unit']}-")


def tally(lift: dict[str, Any]) -> dict[str, int]:
    counts = {"agree": 0, "disagree": 0, "abstain": 0, "none": 0}
    for f in lift["flats"]:
        counts[f["vote"] or "none"] += 1
    return counts


def public_values(project_id: UUID, lift: dict[str, Any]) -> dict[str, Any]:
    """What the public page shows: no owner references, no objection texts or flats."""
    shares = cost_shares(project_id, lift["lift_id"])
    return {
        "lift": {
            k: lift[k]
            for k in (
                "lift_id",
                "building",
                "unit",
                "stage",
                "poll_opens_at",
                "poll_closes_at",
                "poll_closed",
                "notice_ends_on",
                "objections_end_on",
                "consent",
                "deadlines",
                "today",
            )
        },
        "flats": [dict(f, number=flat_number(f["flat_id"], lift)) for f in lift["flats"]],
        "objections": [
            {"outcome": o["outcome"], "lodged_at": o.get("lodged_at")} for o in lift["objections"]
        ],
        "tally": tally(lift),
        "steps": steps(lift["stage"]),
        "poll_status": poll_status(lift),
        "objections_open": objections_open(lift),
        "shares": [
            dict(s, number=flat_number(s["flat_id"], lift))
            for s in (shares or {}).get("shares", [])
        ],
        "share_totals": shares,
        "notice_pdf": f"/api/projects/{project_id}/lifts/{lift['lift_id']}/notice.pdf"
        f"?lang={current_language()}",
    }


def render_public(
    project: RenovationProject,
    project_id: UUID,
    lift: dict[str, Any],
    *,
    vote_errors: dict[str, list[str]] | None = None,
    objection_errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
):
    return render_template(
        "pages/public/lift.html",
        project=project_info(project, project_id),
        vote_errors=vote_errors or {},
        objection_errors=objection_errors or {},
        values=values or {},
        max_objection=MAX_OBJECTION_INPUT,
        **public_values(project_id, lift),
    ), status


# ---- public pages ----------------------------------------------------------------------------


@bp.get("/projects/<uuid:project_id>/lifts")
def lifts(project_id: UUID):
    """The project's lift retrofits, one per unit, with their stage."""
    project = runtime().app.get_project(project_id)
    items = sorted(project.lifts.values(), key=lambda lift: lift["lift_id"])
    return render_template(
        "pages/public/lifts.html",
        project=project_info(project, project_id),
        lifts=[
            {k: lift[k] for k in ("lift_id", "building", "unit", "stage", "poll_closes_at")}
            for lift in items
        ],
    )


@bp.get("/projects/<uuid:project_id>/lifts/<string:lift_id>")
def lift(project_id: UUID, lift_id: str):
    """A unit's lift retrofit as its public notice: stage, votes, arithmetic, dates, forms."""
    project = runtime().app.get_project(project_id)
    return render_public(project, project_id, find_lift(project_id, lift_id))


@bp.post("/projects/<uuid:project_id>/lifts/<string:lift_id>/vote")
@limiter.limit(public_write_limit, methods=["POST"])
def lift_vote(project_id: UUID, lift_id: str):
    """A household's consent with the code on its letter; the last vote before the close counts."""
    rt = runtime()
    project = rt.app.get_project(project_id)
    view = find_lift(project_id, lift_id)
    code = request.form.get("code", "")[:MAX_CODE_INPUT].strip()
    choice = request.form.get("choice", "")
    values = {"code": code, "choice": choice}
    errors: dict[str, list[str]] = {}
    status = 422
    if not code:
        errors["code"] = [_("Please enter the household code from your letter.")]
    if choice not in lift_rules.LIFT_CHOICES:
        errors["choice"] = [_("Please choose agree, disagree or abstain.")]
    if not errors:
        try:
            result = rt.app.cast_lift_vote(
                project_id, lift_id, choice=choice, code=code, actor=RESIDENT_WEB
            )
        except rules.UnknownHouseholdCodeError:
            errors["code"] = [code_problem()]
        except rules.OutOfScopeError:
            errors["code"] = [
                _(
                    "Your home is not in this vote: it is only for building %(building)s, "
                    "unit %(unit)s.",
                    building=view["building"],
                    unit=view["unit"],
                )
            ]
        except rules.RoundClosedError as error:
            errors["form"] = [refusal_message(error)]
            status = 409
        except DomainError as error:
            field = error.field if error.field in ("code", "choice") else "form"
            errors.setdefault(field, []).append(refusal_message(error))
        except ConcurrencyError:
            errors["form"] = [_("The service is busy; please send the form again.")]
            status = 503
        else:
            rt.catch_up()
            flash(
                _(
                    "Your vote for flat %(flat)s is recorded: %(choice)s. You may vote again "
                    "before the poll closes; the last vote counts.",
                    flat=flat_number(result.value["flat_id"], view),
                    choice=label("vote_choice", choice),
                ),
                "success",
            )
            return redirect(
                url_for("pages.lift", project_id=project_id, lift_id=lift_id) + "#votes"
            )
    return render_public(
        project, project_id, view, vote_errors=errors, values=values, status=status
    )


@bp.post("/projects/<uuid:project_id>/lifts/<string:lift_id>/objections")
@limiter.limit(public_write_limit, methods=["POST"])
def lift_objection(project_id: UUID, lift_id: str):
    """An objection during the public notice or the objection window; a code is optional."""
    rt = runtime()
    project = rt.app.get_project(project_id)
    view = find_lift(project_id, lift_id)
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    code = request.form.get("objection_code", "")[:MAX_CODE_INPUT].strip()
    values = {"text": text, "objection_code": code}
    errors: dict[str, list[str]] = {}
    status = 422
    if not text:
        errors["text"] = [_("Please write your objection.")]
    elif len(text) > MAX_OBJECTION_INPUT:
        errors["text"] = [_("At most %(max)s characters.", max=MAX_OBJECTION_INPUT)]
    if not errors:
        try:
            rt.app.lodge_objection(
                project_id, lift_id, text=text, code=code or None, actor=RESIDENT_WEB
            )
        except rules.UnknownHouseholdCodeError:
            errors["objection_code"] = [code_problem()]
        except rules.RoundClosedError as error:
            errors["objection_form"] = [refusal_message(error)]
            status = 409
        except DomainError as error:
            field = "text" if error.field == "text" else "objection_form"
            errors.setdefault(field, []).append(refusal_message(error))
        except ConcurrencyError:
            errors["objection_form"] = [_("The service is busy; please send the form again.")]
            status = 503
        else:
            rt.catch_up()
            flash(
                _("Your objection is recorded. The bureau answers it before the lift moves on."),
                "success",
            )
            return redirect(
                url_for("pages.lift", project_id=project_id, lift_id=lift_id) + "#objections"
            )
    # The page reloads at its top: the refusal shows there as a banner and beside its field.
    for messages in errors.values():
        for message in messages:
            flash(message, "error")
    return render_public(
        project, project_id, view, objection_errors=errors, values=values, status=status
    )


# ---- staff pages -----------------------------------------------------------------------------


def unit_choices(project: RenovationProject) -> list[dict[str, Any]]:
    """Every unit of the project with its flats, for the proposal form."""
    units: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in project.flats():
        units.setdefault((f["building"], f["unit"]), []).append(
            dict(f, flat_id=rules.flat_id(f["building"], f["unit"], f["number"]))
        )
    return [
        {"building": b, "unit": u, "flats": sorted(fs, key=lambda f: (f["floor"], f["number"]))}
        for (b, u), fs in units.items()
    ]


LIFT_FIELDS = ("building", "unit", "opens_at", "closes_at", "command_id")


def lift_defaults() -> dict[str, Any]:
    start = now().astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    return {
        "building": "",
        "unit": "",
        "opens_at": start.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (start + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        "command_id": uuid4().hex,
        "veto_flats": [],
    }


@bp.get("/staff/projects/<uuid:project_id>/lifts")
@staff_page
def staff_lifts(project_id: UUID):
    """The project's lift retrofits for staff, and the button to propose one."""
    _user, project = staff_project(project_id)
    items = sorted(project.lifts.values(), key=lambda lift: lift["lift_id"])
    return render_template(
        "pages/public/lifts.html",
        project=project_info(project, project_id),
        lifts=[
            {k: lift[k] for k in ("lift_id", "building", "unit", "stage", "poll_closes_at")}
            for lift in items
        ],
        staff=True,
    )


@bp.route("/staff/projects/<uuid:project_id>/lifts/new", methods=["GET", "POST"])
@staff_page
def staff_lift_new(project_id: UUID):
    """Propose a unit's lift retrofit: the unit, the flats holding a veto, the poll window."""
    user, project = staff_project(project_id)
    values = lift_defaults()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in LIFT_FIELDS}
        values["veto_flats"] = request.form.getlist("veto_flats")
        opens_at, closes_at = local_moment(values["opens_at"]), local_moment(values["closes_at"])
        for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
            if moment is None:
                errors[name] = [_("Give a date and time, e.g. 2026-12-01 09:00.")]
        if not values["building"]:
            errors["building"] = [_("Choose a building.")]
        if not values["unit"]:
            errors["unit"] = [_("Choose the unit (stairwell).")]
        if not errors:
            command_key = command_id(values["command_id"])
            try:
                result = runtime().app.propose_lift(
                    project_id,
                    {
                        "building": values["building"],
                        "unit": values["unit"],
                        "veto_flats": values["veto_flats"],
                        "poll_opens_at": opens_at,
                        "poll_closes_at": closes_at,
                    },
                    actor=actor_for(user, "web"),
                    command_id=f"web-lift-{command_key}" if command_key else None,
                )
            except DomainError as error:
                # Beside its field, and as a banner at the top unless the form's own shows it.
                field = {"poll_closes_at": "closes_at", "poll_opens_at": "opens_at"}.get(
                    error.field or "", error.field or "form"
                )
                if field not in ("building", "unit", "veto_flats", "opens_at", "closes_at"):
                    field = "form"
                errors.setdefault(field, []).append(refusal_message(error))
                if field != "form":
                    flash(refusal_message(error), "error")
            except ConcurrencyError:
                errors["form"] = [_("The project is busy; please try again in a moment.")]
            else:
                runtime().catch_up()
                lift_id = result.value["lift_id"]
                flash(
                    _("The willingness poll of unit %(lift_id)s is open.", lift_id=lift_id),
                    "success",
                )
                return redirect(url_for("pages.staff_lift", project_id=project_id, lift_id=lift_id))
    return render_template(
        "pages/staff/lift_new.html",
        project=project_info(project, project_id),
        values=values,
        errors=errors,
        buildings=[b["code"] for b in project.buildings],
        unit_codes=sorted({u["unit"] for u in unit_choices(project)}),
        units=unit_choices(project),
    ), (422 if errors else 200)


def next_moves(stage: str) -> list[str]:
    if stage == LiftStage.ABANDONED:
        return []
    return [s.value for s in MOVES.get(LiftStage(stage), ())]


@bp.get("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>")
@staff_page
def staff_lift(project_id: UUID, lift_id: str):
    """A lift for staff: paper votes, closing the poll, moving on, answering objections."""
    _user, project = staff_project(project_id)
    view = find_lift(project_id, lift_id)
    moves = next_moves(view["stage"])
    detail_fields: list[str] = []
    for stage in moves:
        for name in REQUIRED_DETAILS.get(LiftStage(stage), ()) + OPTIONAL_DETAILS.get(
            LiftStage(stage), ()
        ):
            if name not in detail_fields:
                detail_fields.append(name)
    status = poll_status(view)
    return render_template(
        "pages/staff/lift.html",
        project=project_info(project, project_id),
        lift=view,
        flats=[dict(f, number=flat_number(f["flat_id"], view)) for f in view["flats"]],
        tally=tally(view),
        steps=steps(view["stage"]),
        poll_status=status,
        closable=view["stage"] == LiftStage.WILLINGNESS_POLL
        and not view["poll_closed"]
        and now() >= view["poll_closes_at"],
        moves=moves,
        all_stages=[s.value for s in ORDER if s is not LiftStage.WILLINGNESS_POLL]
        + [LiftStage.ABANDONED.value],
        detail_fields=detail_fields,
        required={s: REQUIRED_DETAILS.get(LiftStage(s), ()) for s in moves},
        shares=cost_shares(project_id, lift_id),
        today=today().isoformat(),
        command_id=uuid4().hex,
        outcomes=list(lift_rules.OBJECTION_OUTCOMES),
    )


def _back(project_id: UUID, lift_id: str, anchor: str = "") -> Any:
    return redirect(
        url_for("pages.staff_lift", project_id=project_id, lift_id=lift_id)
        + (f"#{anchor}" if anchor else "")
    )


def _form_day(name: str) -> date | str | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return "bad"


@bp.post("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/paper-votes")
@staff_page
def staff_lift_paper_vote(project_id: UUID, lift_id: str):
    """A household's paper vote; the event names the clerk and the channel "paper"."""
    user, _project = staff_project(project_id)
    view = find_lift(project_id, lift_id)
    flat_id = request.form.get("flat_id", "")
    choice = request.form.get("choice", "")
    effective_on = _form_day("effective_on")
    if effective_on == "bad":
        flash(_("The date on the paper must be a date (YYYY-MM-DD)."), "error")
        return _back(project_id, lift_id, "paper")
    if isinstance(effective_on, date) and effective_on > today():
        flash(_("The date on the paper cannot be in the future."), "error")
        return _back(project_id, lift_id, "paper")
    if flat_id not in {f["flat_id"] for f in view["flats"]}:
        flash(_("Choose the household whose paper vote this is."), "error")
        return _back(project_id, lift_id, "paper")
    command_key = command_id(request.form.get("command_id"))
    try:
        runtime().app.cast_lift_vote(
            project_id,
            lift_id,
            flat_id=flat_id,
            choice=choice,
            actor=actor_for(user, "paper"),
            effective_on=effective_on if isinstance(effective_on, date) else None,
            command_id=f"web-lift-paper-{command_key}" if command_key else None,
        )
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(
            _(
                "The paper vote of flat %(flat)s is recorded: %(choice)s.",
                flat=flat_number(flat_id, view),
                choice=label("vote_choice", choice),
            ),
            "success",
        )
    return _back(project_id, lift_id, "paper")


@bp.post("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/close-poll")
@staff_page
def staff_lift_close_poll(project_id: UUID, lift_id: str):
    """Count the poll after its window; a pass moves the lift to consent_passed."""
    user, _project = staff_project(project_id)
    find_lift(project_id, lift_id)
    command_key = command_id(request.form.get("command_id"))
    try:
        result = runtime().app.close_lift_poll(
            project_id,
            lift_id,
            actor=actor_for(user, "web"),
            command_id=f"web-lift-close-{command_key}" if command_key else None,
        )
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(
            _("The poll is closed: passed.")
            if result.value["passed"]
            else _("The poll is closed: not passed."),
            "success" if result.value["passed"] else "info",
        )
    return _back(project_id, lift_id)


def move_details(target: str) -> tuple[dict[str, Any], list[str]]:
    """The details the target stage needs, from ``details-<name>`` fields; money as Decimal."""
    details: dict[str, Any] = {}
    problems: list[str] = []
    try:
        stage = LiftStage(target)
    except ValueError:
        return details, problems
    names = REQUIRED_DETAILS.get(stage, ()) + OPTIONAL_DETAILS.get(stage, ())
    if stage is LiftStage.ABANDONED:
        names = ("reason",)
    for name in names:
        value = request.form.get(f"details-{name}", "").strip()
        if not value:
            continue
        if name in MONEY_DETAILS:
            try:
                amount = Decimal(value.replace(",", "").replace("，", ""))
            except InvalidOperation:
                field = label("lift_detail", name)
                problems.append(_("%(field)s: write an amount in yuan, e.g. 600000", field=field))
                continue
            details[name] = amount
        else:
            details[name] = value[:500]
    return details, problems


@bp.post("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/transitions")
@staff_page
def staff_lift_transition(project_id: UUID, lift_id: str):
    """Move the retrofit on, on a date; a refused gate is flashed by its name."""
    user, _project = staff_project(project_id)
    find_lift(project_id, lift_id)
    target = request.form.get("to_stage", "")
    on = _form_day("on")
    if on == "bad":
        flash(_("The date must be a date (YYYY-MM-DD)."), "error")
        return _back(project_id, lift_id, "move")
    details, problems = move_details(target)
    if problems:
        for problem in problems:
            flash(problem, "error")
        return _back(project_id, lift_id, "move")
    command_key = command_id(request.form.get("command_id"))
    try:
        runtime().app.transition_lift(
            project_id,
            lift_id,
            target,
            on=on if isinstance(on, date) else None,
            details=details,
            actor=actor_for(user, "web"),
            command_id=f"web-lift-move-{command_key}" if command_key else None,
        )
    except StageGateError as error:
        flash(
            _("%(message)s (gate %(code)s)", message=refusal_message(error), code=error.gate),
            "error",
        )
    except InvalidProjectDataError as error:
        for path, messages in refusal_problems(error).items():
            name = path.removeprefix("details.")
            for message in messages:
                flash(
                    _("%(field)s: %(message)s", field=label("lift_detail", name), message=message),
                    "error",
                )
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(_("The lift moved to “%(stage)s”.", stage=label("lift_stage", target)), "success")
    return _back(project_id, lift_id, "move")


@bp.post(
    "/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/objections/<string:objection_id>"
)
@staff_page
def staff_lift_answer(project_id: UUID, lift_id: str, objection_id: str):
    """Answer an objection: mediated, upheld (the design goes back) or dismissed, with a reason."""
    user, _project = staff_project(project_id)
    find_lift(project_id, lift_id)
    command_key = command_id(request.form.get("command_id"))
    try:
        runtime().app.answer_objection(
            project_id,
            lift_id,
            objection_id,
            outcome=request.form.get("outcome", ""),
            reason=request.form.get("reason", "").strip()[:2000],
            actor=actor_for(user, "web"),
            command_id=f"web-lift-answer-{command_key}" if command_key else None,
        )
    except lift_rules.UnknownObjectionError:
        abort(404)
    except DomainError as error:
        flash(refusal_message(error), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        runtime().catch_up()
        flash(_("The objection is answered."), "success")
    return _back(project_id, lift_id, "objections")
