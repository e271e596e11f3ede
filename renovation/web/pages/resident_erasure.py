"""Erasing a resident's personal data from the staff console (admins; PIPL).

On an opinion's page an admin gives the reason (the resident's request, say); a confirmation
page says whose details go: the key of the opinion's sender is destroyed, and with it the
details of every opinion sealed with it (one key per resident: their household's opinions).
The opinions and the history stay, and the erasure event names no one.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from renovation.domain import participation as rules
from renovation.projections.personal import sealed_personal_data
from renovation.projections.queries import find_opinion
from renovation.web import runtime
from renovation.web.access import ADMIN, access
from renovation.web.auth import actor_for
from renovation.web.pages.blueprint import bp
from renovation.web.pages.common import run_command, staff_project
from renovation.web.pages.confirming import confirm_page, unconfirmed
from renovation.web.pages.staff import command_id, staff_page, web_command_id

MAX_REASON = 200


def _opinion(project_id: UUID, opinion_id: str) -> dict:
    row = find_opinion(runtime().engine, opinion_id=opinion_id)
    if row is None or row["project_id"] != str(project_id):
        abort(404)
    return row


def _opinion_url(project_id: UUID, opinion_id: str, anchor: str | None = None) -> str:
    return url_for(
        "pages.staff_opinion", project_id=project_id, opinion_id=opinion_id, _anchor=anchor
    )


def _action(opinion_id: str) -> str:
    return f"erase-sender:{opinion_id}"


@bp.get("/staff/projects/<uuid:project_id>/opinions/<string:opinion_id>/erasure/confirm")
@access(ADMIN)
@staff_page
def confirm_erase_sender(project_id: UUID, opinion_id: str):
    """Whose details an erasure destroys (how many opinions), with the reason, then the button."""
    _user, project = staff_project(project_id)
    row = _opinion(project_id, opinion_id)
    reason = request.args.get("reason", "").strip()[:MAX_REASON]
    if not reason:
        flash(_("Say why the details are erased (the resident's request, say)."), "error")
        return redirect(_opinion_url(project_id, opinion_id, "erasure"))
    key = row["personal_key_id"]
    sealed_with_it = sum(
        1
        for r in sealed_personal_data(runtime().engine, str(project_id))
        if key and r["personal_key_id"] == key
    )
    return confirm_page(
        project_id,
        project,
        action=_action(opinion_id),
        title=_("Erase the sender's personal details?"),
        what=_(
            "The key of this opinion's sender is destroyed: the flat and contact they gave, "
            "with this opinion and with every other opinion of theirs, can no longer be read by "
            "anyone. The opinions and the history stay. Reason: %(reason)s",
            reason=reason,
        ),
        checks=[
            {
                "ok": bool(key),
                "text": _("Opinions whose details go: %(count)s", count=sealed_with_it)
                if key
                else _("This opinion holds no personal details (or they were erased already)."),
            }
        ],
        post_to=url_for("pages.staff_erase_sender", project_id=project_id, opinion_id=opinion_id),
        fields={"command_id": uuid4().hex, "reason": reason},
        button=_("Erase the details"),
        cancel=_opinion_url(project_id, opinion_id),
    )


@bp.post("/staff/projects/<uuid:project_id>/opinions/<string:opinion_id>/erasure")
@access(ADMIN)
@staff_page
def staff_erase_sender(project_id: UUID, opinion_id: str):
    """Erase the sender's details, once confirmed."""
    user, project = staff_project(project_id)
    _opinion(project_id, opinion_id)
    reason = request.form.get("reason", "").strip()[:MAX_REASON]
    command_key = command_id(request.form.get("command_id"))
    refused = unconfirmed(
        _action(opinion_id),
        project_id,
        project,
        url_for(
            "pages.confirm_erase_sender",
            project_id=project_id,
            opinion_id=opinion_id,
            reason=reason,
        ),
        replay_of=web_command_id("erase-sender", command_key),
    )
    if refused is not None:
        return refused
    done = run_command(
        lambda: runtime().app.erase_opinion_personal_data(
            project_id,
            opinion_id,
            reason=reason,
            actor=actor_for(user, "web"),
            command_id=web_command_id("erase-sender", command_key),
        ),
        not_found=(rules.UnknownOpinionError,),
    )
    if done is not None:
        flash(_("The sender's personal details are erased."), "success")
    return redirect(_opinion_url(project_id, opinion_id))
