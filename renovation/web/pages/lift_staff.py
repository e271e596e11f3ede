"""Lift retrofits (既有住宅加装电梯) in the staff console: propose a lift, enter paper votes,
close the poll, move the retrofit on and answer objections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.domain import lifts as lift_rules
from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import DomainError, InvalidProjectDataError, StageGateError
from renovation.domain.lifts import MOVES, ORDER, REQUIRED_DETAILS, LiftStage
from renovation.domain.project import RenovationProject
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import label, refusal_message, refusal_problems
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    local_moment,
    now,
    project_info,
    run_command,
    staff_project,
    today,
)
from renovation.web.pages.confirming import unconfirmed
from renovation.web.pages.lifts import (
    FLOOR_DETAILS,
    MONEY_DETAILS,
    OPTIONAL_DETAILS,
    cost_shares,
    find_lift,
    flat_number,
    floor_detail,
    poll_status,
    steps,
    tally,
)
from renovation.web.pages.staff import command_id, staff_page, web_command_id

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
@access(STAFF)
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
@access(STAFF)
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
                    command_id=web_command_id("lift", command_key),
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
@access(STAFF)
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
        all_stages=[s.value for s in ORDER if s is not LiftStage.WILLINGNESS_POLL],
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
@access(STAFF)
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
    done = run_command(
        lambda: runtime().app.cast_lift_vote(
            project_id,
            lift_id,
            flat_id=flat_id,
            choice=choice,
            actor=actor_for(user, "paper"),
            effective_on=effective_on if isinstance(effective_on, date) else None,
            command_id=web_command_id("lift-paper", command_key),
        ),
    )
    if done is not None:
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
@access(STAFF)
@staff_page
def staff_lift_close_poll(project_id: UUID, lift_id: str):
    """Count the poll after its window; a pass moves the lift to consent_passed."""
    user, project = staff_project(project_id)
    find_lift(project_id, lift_id)
    command_key = command_id(request.form.get("command_id"))
    refused = unconfirmed(
        f"lift-close:{lift_id}",
        project_id,
        project,
        url_for("pages.confirm_close_lift_poll", project_id=project_id, lift_id=lift_id),
        replay_of=web_command_id("lift-close", command_key),
    )
    if refused is not None:
        return refused
    result = run_command(
        lambda: runtime().app.close_lift_poll(
            project_id,
            lift_id,
            actor=actor_for(user, "web"),
            command_id=web_command_id("lift-close", command_key),
        ),
    )
    if result is not None:
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
        if name in FLOOR_DETAILS:
            details[name], problem = floor_detail(name, value)
            problems.extend([problem] if problem else [])
        elif name in MONEY_DETAILS:
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
@access(STAFF)
@staff_page
def staff_lift_transition(project_id: UUID, lift_id: str):
    """Move the retrofit on, on a date; a refused gate is flashed by its name."""
    user, project = staff_project(project_id)
    find_lift(project_id, lift_id)
    target = request.form.get("to_stage", "")
    if target == LiftStage.ABANDONED:  # its own action, behind its confirmation page
        refused = unconfirmed(
            f"lift-abandon:{lift_id}",
            project_id,
            project,
            url_for("pages.confirm_abandon_lift", project_id=project_id, lift_id=lift_id),
            replay_of=web_command_id("lift-move", command_id(request.form.get("command_id"))),
        )
        if refused is not None:
            return refused
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
            command_id=web_command_id("lift-move", command_key),
        )
    except StageGateError as error:
        flash(
            _("%(message)s (gate %(code)s)", message=refusal_message(error), code=error.gate),
            "error",
        )
    except InvalidProjectDataError as error:
        for path, messages in refusal_problems(error).items():
            name = path.removeprefix("details.").split(".")[0]
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
@access(STAFF)
@staff_page
def staff_lift_answer(project_id: UUID, lift_id: str, objection_id: str):
    """Answer an objection: mediated, upheld (the design goes back) or dismissed, with a reason."""
    user, _project = staff_project(project_id)
    find_lift(project_id, lift_id)
    command_key = command_id(request.form.get("command_id"))
    done = run_command(
        lambda: runtime().app.answer_objection(
            project_id,
            lift_id,
            objection_id,
            outcome=request.form.get("outcome", ""),
            reason=request.form.get("reason", "").strip()[:2000],
            actor=actor_for(user, "web"),
            command_id=web_command_id("lift-answer", command_key),
        ),
        not_found=(lift_rules.UnknownObjectionError,),
    )
    if done is not None:
        flash(_("The objection is answered."), "success")
    return _back(project_id, lift_id, "objections")
