"""Lift retrofits: the steps that cannot be undone, each behind its confirmation page —
closing the willingness poll, and abandoning the retrofit (its own action, not a stage in the
"move on" form)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from renovation.domain.lifts import LiftStage
from renovation.reports.contexts import local_time
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.auth import actor_for
from renovation.web.i18n import label
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import now, run_command, staff_project
from renovation.web.pages.confirming import confirm_page, unconfirmed
from renovation.web.pages.lifts import find_lift, tally
from renovation.web.pages.staff import command_id, staff_page, web_command_id

MAX_REASON = 500


def _lift_url(project_id: UUID, lift_id: str, anchor: str | None = None) -> str:
    return url_for("pages.staff_lift", project_id=project_id, lift_id=lift_id, _anchor=anchor)


def _facts(view: dict[str, Any]) -> list[dict[str, Any]]:
    """What a lift's confirmation pages state: its votes and the notice's dates."""
    votes = tally(view)
    facts = [
        {
            "ok": None,
            "text": _(
                "Agree %(agree)s · disagree %(disagree)s · abstain %(abstain)s · not voted "
                "%(none)s",
                **votes,
            ),
        }
    ]
    if view["notice_ends_on"]:
        facts.append(
            {
                "ok": None,
                "text": _("Public notice runs until %(day)s", day=view["notice_ends_on"]),
            }
        )
    if view["objections_end_on"]:
        facts.append(
            {
                "ok": None,
                "text": _("Objections until %(day)s", day=view["objections_end_on"]),
            }
        )
    return facts


@bp.get("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/close-poll/confirm")
@access(STAFF)
@staff_page
def confirm_close_lift_poll(project_id: UUID, lift_id: str):
    """What closing the willingness poll does and what is checked, then the button."""
    _user, project = staff_project(project_id)
    view = find_lift(project_id, lift_id)
    window_over = now() >= view["poll_closes_at"]
    open_poll = view["stage"] == LiftStage.WILLINGNESS_POLL and not view["poll_closed"]
    return confirm_page(
        project_id,
        project,
        action=f"lift-close:{lift_id}",
        title=_(
            "Close the poll of building %(building)s, unit %(unit)s?",
            building=view["building"],
            unit=view["unit"],
        ),
        what=_(
            "The willingness poll closes and is counted under the Civil Code art. 278; no more "
            "votes are taken. If it passes, the retrofit moves to “%(stage)s”.",
            stage=label("lift_stage", LiftStage.CONSENT_PASSED.value),
        ),
        checks=[
            {
                "ok": window_over and open_poll,
                "text": _("Voting window ends %(at)s", at=local_time(view["poll_closes_at"]))
                if open_poll
                else _("The poll is closed already."),
            },
            *_facts(view),
        ],
        post_to=url_for("pages.staff_lift_close_poll", project_id=project_id, lift_id=lift_id),
        fields={"command_id": uuid4().hex},
        button=_("Close the poll and count it"),
        cancel=_lift_url(project_id, lift_id),
    )


@bp.get("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/abandon/confirm")
@access(STAFF)
@staff_page
def confirm_abandon_lift(project_id: UUID, lift_id: str):
    """What abandoning the retrofit does, with the reason given on the lift page."""
    _user, project = staff_project(project_id)
    view = find_lift(project_id, lift_id)
    reason = request.args.get("reason", "").strip()[:MAX_REASON]
    if not reason:
        flash(_("Say why the retrofit is abandoned."), "error")
        return redirect(_lift_url(project_id, lift_id, "abandon"))
    return confirm_page(
        project_id,
        project,
        action=f"lift-abandon:{lift_id}",
        title=_(
            "Abandon the lift retrofit of building %(building)s, unit %(unit)s?",
            building=view["building"],
            unit=view["unit"],
        ),
        what=_(
            "The retrofit stops at “%(stage)s” for good: no further step can be recorded. "
            "Reason: %(reason)s",
            stage=label("lift_stage", view["stage"]),
            reason=reason,
        ),
        checks=[
            {
                "ok": view["stage"] != LiftStage.ABANDONED,
                "text": _("Stage now: %(stage)s", stage=label("lift_stage", view["stage"])),
            },
            *_facts(view),
        ],
        post_to=url_for("pages.staff_abandon_lift", project_id=project_id, lift_id=lift_id),
        fields={"command_id": uuid4().hex, "reason": reason},
        button=_("Abandon the retrofit"),
        cancel=_lift_url(project_id, lift_id),
    )


@bp.post("/staff/projects/<uuid:project_id>/lifts/<string:lift_id>/abandon")
@access(STAFF)
@staff_page
def staff_abandon_lift(project_id: UUID, lift_id: str):
    """Abandon the retrofit, once confirmed; the reason is kept with the move."""
    user, project = staff_project(project_id)
    find_lift(project_id, lift_id)
    reason = request.form.get("reason", "").strip()[:MAX_REASON]
    command_key = command_id(request.form.get("command_id"))
    refused = unconfirmed(
        f"lift-abandon:{lift_id}",
        project_id,
        project,
        url_for(
            "pages.confirm_abandon_lift", project_id=project_id, lift_id=lift_id, reason=reason
        ),
        replay_of=web_command_id("lift-abandon", command_key),
    )
    if refused is not None:
        return refused
    done = run_command(
        lambda: runtime().app.transition_lift(
            project_id,
            lift_id,
            LiftStage.ABANDONED.value,
            details={"reason": reason},
            actor=actor_for(user, "web"),
            command_id=web_command_id("lift-abandon", command_key),
        )
    )
    if done is not None:
        flash(_("The lift retrofit is abandoned."), "success")
    return redirect(_lift_url(project_id, lift_id))
