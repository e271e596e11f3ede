"""The resident supervisor's own page (居民监督员), made for a phone: the rectification items
they co-approve, with sign-off and send-back, and their inspection notes. The account acts for
one project and one appointed supervisor; it sees nothing else staff see."""

from __future__ import annotations

from functools import wraps
from typing import Any
from uuid import UUID, uuid4

from flask import abort, redirect, render_template, url_for
from flask_login import login_required

from renovation.accounts import User
from renovation.projections.queries import get_summary
from renovation.web import runtime
from renovation.web.access import SUPERVISOR, access
from renovation.web.api.acceptance import acceptance_body
from renovation.web.auth import actor_for, page_user, require_role
from renovation.web.pages.acceptance_forms import ACTIONS, DONE, submit
from renovation.web.pages.blueprint import bp

# ---- the resident supervisor's page ------------------------------------------------------------


def supervisor_page(view):
    """Signed in (else off to the login page) with a resident supervisor's account (else 403)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(page_user(), *args, **kwargs)

    return login_required(require_role("supervisor", source=page_user)(wrapped))


def render_supervisor(
    user: User,
    *,
    failed: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    view, _version = acceptance_body(user.project_id)
    summary_name = get_summary(runtime().engine, user.project_id)["name"]
    mine = [i for i in view["items"] if user.supervisor_id in i["co_approvers"]]
    keys = ["note"] + [f"{s}-{i['item_id']}" for i in mine for s in ("approve", "reopen")]
    return render_template(
        "pages/supervisor/home.html",
        project={"id": user.project_id, "name": summary_name},
        view=view,
        me=view["supervisors"].get(user.supervisor_id, {}),
        mine=mine,
        waiting=[
            i
            for i in mine
            if i["status"] == "ready_for_review" and user.supervisor_id not in i["approved_by"]
        ],
        others=[i for i in view["items"] if user.supervisor_id not in i["co_approvers"]],
        my_notes=[n for n in view["notes"] if n["supervisor_id"] == user.supervisor_id],
        supervisor_id=user.supervisor_id,
        labels={a: spec.labels for a, spec in ACTIONS.items()},
        failed=failed,
        values=values or {},
        errors=errors or {},
        today=runtime().app.today().isoformat(),
        command_ids={k: uuid4().hex for k in keys},
    ), status


@bp.get("/supervise")
@access(SUPERVISOR)
@supervisor_page
def supervise(user: User):
    """A resident supervisor's page: the items they sign off, and their inspection notes."""
    return render_supervisor(user)


@bp.post("/supervise/items/<string:item_id>/<string:step>")
@access(SUPERVISOR)
@supervisor_page
def supervise_item(user: User, item_id: str, step: str):
    """The supervisor signs an item off, or sends it back with a reason."""
    if step not in ("approve", "reopen"):
        abort(404)
    project_id = UUID(user.project_id)
    view, _version = acceptance_body(project_id)
    if item_id not in {i["item_id"] for i in view["items"]}:
        abort(404)

    def command(data: dict[str, Any], key: str | None):
        data.pop("approver", None)
        return runtime().app.rectification_step(
            project_id,
            item_id,
            step,
            data,
            actor=actor_for(user, "web"),
            command_id=key,
            approver=user.supervisor_id,
        )

    answer = submit(
        step,
        f"{step}-{item_id}",
        command,
        lambda **kw: render_supervisor(user, **kw),
        lambda _result: str(DONE[step]),
    )
    return answer or redirect(url_for("pages.supervise") + f"#item-{item_id}")


@bp.post("/supervise/notes")
@access(SUPERVISOR)
@supervisor_page
def supervise_note(user: User):
    """The supervisor's own inspection note."""

    def command(data: dict[str, Any], key: str | None):
        data.pop("supervisor_id", None)
        return runtime().app.record_inspection_note(
            UUID(user.project_id),
            data,
            supervisor_id=user.supervisor_id,
            actor=actor_for(user, "web"),
            command_id=key,
        )

    answer = submit(
        "note",
        "note",
        command,
        lambda **kw: render_supervisor(user, **kw),
        lambda _result: str(DONE["note"]),
    )
    return answer or redirect(url_for("pages.supervise") + "#notes")
