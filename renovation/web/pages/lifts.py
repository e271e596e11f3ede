"""Lift retrofits (既有住宅加装电梯) on the public pages: the unit's notice page with its votes,
arithmetic, dates, objection and voting forms, and the helpers that read a lift (the staff
pages, in lift_staff.py, use them too).

Public pages show what a notice posted in the stairwell shows (flat numbers, votes, the
art. 278 table), never owners' references, objection texts or who lodged them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renovation.application.errors import ConcurrencyError
from renovation.domain import lifts as lift_rules
from renovation.domain import participation as rules
from renovation.domain.cost_shares import CostShareError
from renovation.domain.errors import DomainError
from renovation.domain.lifts import ORDER, LiftStage
from renovation.domain.project import RenovationProject
from renovation.web import runtime
from renovation.web.access import PUBLIC, RESIDENT, access
from renovation.web.i18n import current_language, label, refusal_message
from renovation.web.limits import household_code_checks, lift_objection_writes, lift_vote_writes
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import (
    MAX_CODE_INPUT,
    RESIDENT_WEB,
    code_problem,
    now,
    project_info,
    today,
)

OPTIONAL_DETAILS = {
    LiftStage.AGREEMENT_SIGNED: ("subsidy", "compensation", "floor_coefficients", "exempt_floors")
}
MONEY_DETAILS = ("budget", "subsidy")
FLOOR_DETAILS = ("floor_coefficients", "exempt_floors")
_FLOOR_SEPARATORS = re.compile(r"[,，;；、\s]+")


def floor_detail(name: str, value: str) -> tuple[Any, str | None]:
    """The agreement's floor table from the staff form: ``1:0, 2:0.5`` for the agreed
    coefficients, ``1, 2`` for the floors that pay nothing; else the problem, by field."""
    parts = [p for p in _FLOOR_SEPARATORS.split(value) if p]
    field = label("lift_detail", name)
    if name == "exempt_floors":
        if not all(p.isdigit() for p in parts):
            return None, _("%(field)s: write floor numbers, e.g. 1, 2", field=field)
        return [int(p) for p in parts], None
    table: dict[int, Decimal] = {}
    for part in parts:
        floor, _sep, coefficient = part.replace("：", ":").partition(":")
        try:
            number = Decimal(coefficient)
        except InvalidOperation:
            number = None
        if not floor.isdigit() or number is None or not number.is_finite():
            return None, _(
                "%(field)s: write floor:coefficient pairs, e.g. 1:0, 2:0.5, 3:1", field=field
            )
        table[int(floor)] = number
    return table, None


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
@access(PUBLIC)
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
@access(PUBLIC)
def lift(project_id: UUID, lift_id: str):
    """A unit's lift retrofit as its public notice: stage, votes, arithmetic, dates, forms."""
    project = runtime().app.get_project(project_id)
    return render_public(project, project_id, find_lift(project_id, lift_id))


@bp.post("/projects/<uuid:project_id>/lifts/<string:lift_id>/vote")
@access(RESIDENT)
@lift_vote_writes
@household_code_checks
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
@access(PUBLIC)
@lift_objection_writes
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
