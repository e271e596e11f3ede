"""Confirming what cannot be undone: a stage move, closing a round or a lift poll, abandoning a
lift retrofit, issuing household codes anew.

The button of such a step opens a confirmation page (a plain GET, no JavaScript) that says what
will happen and what is checked; its form posts to the step's own address with a confirmation
token. The token is signed by the server and names the step, the project, the staff member, the
form's one-time command id and the project's version as it was shown: once the step is done the
version moves on, so a token serves once; a token of an older page, another step or none at
all is refused with its code, and nothing is written.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, current_app, make_response, render_template, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from renovation.domain.project import RenovationProject
from renovation.web.auth import page_user
from renovation.web.i18n import words
from renovation.web.pages.common import project_info

FIELD = "confirmation"
MAX_AGE = 30 * 60  # seconds: a confirmation page left open longer is shown again
_SALT = "renovation-confirmation"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _claims(action: str, project_id: UUID, version: int, form_id: str | None) -> dict[str, Any]:
    return {
        "action": action,
        "project": str(project_id),
        "version": version,
        "user": page_user().id,
        "form": form_id,
    }


def confirmation_token(
    action: str, project_id: UUID, project: RenovationProject, form_id: str | None = None
) -> str:
    """The token a confirmation page's form carries for ``action`` on the project as it is;
    ``form_id`` is the form's one-time command id, which the token vouches for."""
    return _signer().dumps(_claims(action, project_id, project.version, form_id))


def refusal_code(
    action: str, project_id: UUID, project: RenovationProject, replay_of: str | None = None
) -> str | None:
    """None when the form carries a good token for ``action``; else why not, as a code.

    A form sent twice (a double click) carries a token of the version before its own change:
    it passes when ``replay_of``, the command id the step runs under, is one the project has
    done already, so the step replays (and changes nothing) instead of being refused.
    """
    token = request.form.get(FIELD, "")
    if not token:
        return "confirmation_missing"
    try:
        claims = _signer().loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        return "confirmation_stale"
    except BadSignature:
        return "confirmation_missing"
    if not isinstance(claims, dict) or not isinstance(claims.get("version"), int):
        return "confirmation_missing"
    form_id = request.form.get("command_id") or None
    if claims != _claims(action, project_id, claims["version"], form_id):
        return "confirmation_missing"  # another step's, project's, person's or form's token
    if claims["version"] != project.version:
        if form_id is not None and replay_of in project.command_ids:
            return None
        return "confirmation_stale"  # used already, or the project changed since
    return None


def unconfirmed(
    action: str,
    project_id: UUID,
    project: RenovationProject,
    confirm_url: str,
    *,
    replay_of: str | None = None,
) -> Response | None:
    """None when the step is confirmed; else its refusal page (400 without a token, 409 with
    an outdated one), which links to the confirmation page. Call before writing anything."""
    code = refusal_code(action, project_id, project, replay_of)
    if code is None:
        return None
    html = render_template(
        "pages/staff/confirm_refused.html",
        project=project_info(project, project_id),
        code=code,
        message=words().refusal(code, {}),
        confirm_url=confirm_url,
    )
    return make_response(html, 400 if code == "confirmation_missing" else 409)


def confirm_page(
    project_id: UUID,
    project: RenovationProject,
    *,
    action: str,
    title: str,
    what: str,
    checks: list[dict[str, Any]],
    post_to: str,
    fields: dict[str, Any],
    button: str,
    cancel: str,
    voided: list[str] | None = None,
    working: str | None = None,
) -> str:
    """A confirmation page: what will happen, what is checked (``{"ok": bool, "text": …}``;
    a failed check withholds the button), and a form posting ``fields`` with the token.
    ``working`` is shown once the button is pressed, for an answer that takes a while."""
    blocked = any(check["ok"] is False for check in checks)
    token = confirmation_token(action, project_id, project, fields.get("command_id"))
    return render_template(
        "pages/staff/confirm.html",
        project=project_info(project, project_id),
        title=title,
        what=what,
        checks=checks,
        blocked=blocked,
        post_to=post_to,
        fields={**fields, FIELD: token},
        button=button,
        cancel=cancel,
        voided=voided,
        working=working,
    )
