"""The staff console: projects of one's districts, moving them on, registering new ones."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID, uuid4

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from renovation.accounts import User
from renovation.application.errors import ConcurrencyError, StaleVersionError
from renovation.application.flat_import import (
    MAX_FILE_BYTES,
    FlatImportFileError,
    with_register_file,
)
from renovation.domain.errors import DomainError, InvalidProjectDataError
from renovation.domain.errors import Problem as DomainProblem
from renovation.domain.parts.flat_register import FlatImportRefusedError
from renovation.domain.stages import next_stages
from renovation.projections.progress import progress_of
from renovation.projections.queries import districts, list_summaries
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.api import flatten_errors
from renovation.web.api.acceptance import acceptance_body
from renovation.web.api.schemas import ProjectCreateSchema
from renovation.web.auth import actor_for, page_user, require_role
from renovation.web.i18n import label, refusal_message, words
from renovation.web.pages.blueprint import bp, safe_next
from renovation.web.pages.common import import_report, staff_project
from renovation.web.pages.confirming import confirm_page, unconfirmed
from renovation.web.pages.forms import MoveForm, ProjectForm
from renovation.web.pages.labels import FIELD_LABELS, stage_label
from renovation.web.pages.paste import (
    CellProblem,
    Pasted,
    locate,
    parse_budget,
    parse_content_items,
    parse_flats,
)
from renovation.web.pages.views import STAGES, list_filters, milestone_rows, pagination

STAFF_ROLES = ("staff", "admin")
PER_PAGE = 20
CHANNEL = "web"
_COMMAND_ID = re.compile(r"^[0-9a-f]{32}$")


def staff_page(view):
    """Signed in (else off to the login page), and staff or admin (else 403)."""
    return login_required(require_role(*STAFF_ROLES, source=page_user)(view))


def scope_of(user: User) -> list[str] | None:
    """The districts a staff member works in; None means every district."""
    return list(user.districts) if user.role == "staff" and user.districts else None


def scoped_summaries(
    scope: list[str] | None, *, district: str, stage: str, q: str, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the projects in ``scope`` (every district when ``scope`` is None)."""
    return list_summaries(
        runtime().engine,
        district=district or None,
        stage=stage or None,
        q=q or None,
        page=page,
        per_page=per_page,
        districts=sorted(scope) if scope else None,
    )


def command_id(value: str | None) -> str | None:
    """The form's one-time id, so a double-clicked button changes the project once."""
    return value if value and _COMMAND_ID.match(value) else None


def web_command_id(kind: str, key: str | None) -> str | None:
    """The command id of a page's write, ``web-<kind>-<the form's one-time id>``: a form
    sent twice makes one change. None when the form carried no well-formed id."""
    return f"web-{kind}-{key}" if key else None


@bp.get("/staff")
@access(STAFF)
@staff_page
def staff_console():
    """The projects a staff member may move, each with a button per allowed next stage."""
    user = page_user()
    scope = scope_of(user)
    filters = list_filters()
    if scope is not None and filters["district"] not in scope:
        filters["district"] = ""
    rows, total = scoped_summaries(
        scope,
        district=filters["district"],
        stage=filters["stage"],
        q=filters["q"],
        page=filters["page"],
        per_page=PER_PAGE,
    )
    back = request.full_path.rstrip("?")
    for row in rows:
        alerts = runtime().app.lift_alerts(UUID(row["id"]))
        row["lift_overdue"] = sum(1 for a in alerts if a["status"] == "overdue")
        row["lift_due_soon"] = len(alerts) - row["lift_overdue"]
        milestones = milestone_rows(UUID(row["id"]))
        row["milestones_overdue"] = sum(1 for m in milestones if m["overdue"])
        row["progress"] = progress_of(row, milestones)
        acceptance = acceptance_body(row["id"])[0]
        row["items_overdue"] = len(acceptance["overdue_items"])
        row["items_open"] = len(acceptance["open_items"])
        row["filing_overdue"] = acceptance["filing_overdue"]
        row["moves"] = [{"to_stage": s, "label": stage_label(s)} for s in next_stages(row["stage"])]
    return render_template(
        "pages/staff/console.html",
        projects=rows,
        filters=filters,
        districts=scope if scope is not None else districts(runtime().engine),
        stages=[(s, stage_label(s)) for s in STAGES],
        pager=pagination("/staff", filters, total, PER_PAGE),
        back=back,
    )


@bp.post("/staff/projects/<uuid:project_id>/transitions")
@access(STAFF)
@staff_page
def transition_project(project_id: UUID):
    """Move a project on; a stale page or a closed gate comes back as a message, not an error."""
    user = page_user()
    form = MoveForm()
    back = safe_next(form.back.data) or url_for("pages.staff_console")
    back = f"{back}#project-{project_id}"
    if not form.validate_on_submit() or not form.version.data.isdigit():
        flash(_("The form was incomplete; please try again."), "error")
        return redirect(back)
    to_stage = form.to_stage.data
    if to_stage not in STAGES:
        flash(_("There is no such stage."), "error")
        return redirect(back)
    rt = runtime()
    project = rt.app.get_project(project_id)
    if not user.may_write_in(project.community["district"]):
        abort(403)
    name = project.community["name"]
    refused = unconfirmed(
        f"move:{to_stage}",
        project_id,
        project,
        url_for(
            "pages.confirm_move",
            project_id=project_id,
            to_stage=to_stage,
            back=safe_next(form.back.data) or url_for("pages.staff_console"),
        ),
        replay_of=web_command_id("move", command_id(form.command_id.data)),
    )
    if refused is not None:
        return refused
    try:
        result = rt.app.transition_project(
            project_id,
            to_stage,
            actor=actor_for(user, CHANNEL),
            expected_version=int(form.version.data),
            command_id=web_command_id("move", command_id(form.command_id.data)),
        )
    except StaleVersionError as error:
        flash(
            _(
                "“%(name)s” was changed by someone else after you opened this page "
                "(you saw version %(seen)s, it is now at version %(now)s). Nothing was "
                "changed: check its stage below and try again.",
                name=name,
                seen=error.expected,
                now=error.actual,
            ),
            "error",
        )
    except DomainError as error:
        flash(_("“%(name)s”: %(refusal)s", name=name, refusal=refusal_message(error)), "error")
    except ConcurrencyError:
        flash(_("The project is busy; please try again in a moment."), "error")
    else:
        rt.catch_up()
        if result.replayed:
            flash(_("That was already done."), "info")
        else:
            flash(
                _(
                    "“%(name)s” is now at the stage “%(stage)s”.",
                    name=name,
                    stage=stage_label(to_stage),
                ),
                "success",
            )
    return redirect(back)


@bp.get("/staff/projects/<uuid:project_id>/transitions/confirm")
@access(STAFF)
@staff_page
def confirm_move(project_id: UUID):
    """What moving the project to a stage does and what its gate checks, then the button."""
    user, project = staff_project(project_id)
    if not user.may_write_in(project.community["district"]):
        abort(403)
    to_stage = request.args.get("to_stage", "")
    if to_stage not in STAGES:
        abort(404)
    back = safe_next(request.args.get("back")) or url_for("pages.staff_console")
    gate, held = project.move_check(to_stage)
    check = _("Condition: %(gate)s", gate=label("gate", gate))
    if held is not None:
        code, params = held
        params = dict(params, gate=gate, from_stage=project.stage, to_stage=to_stage)
        check = f"{check} — {words().refusal(code, params)}"
    name = project.community["name"]
    return confirm_page(
        project_id,
        project,
        action=f"move:{to_stage}",
        title=_("Move “%(name)s” to “%(stage)s”?", name=name, stage=stage_label(to_stage)),
        what=_(
            "“%(name)s” moves from the stage “%(from)s” to “%(to)s”. The history keeps "
            "the move for good; the project does not go back.",
            name=name,
            **{"from": stage_label(project.stage), "to": stage_label(to_stage)},
        ),
        checks=[{"ok": held is None, "text": check}],
        post_to=url_for("pages.transition_project", project_id=project_id),
        fields={
            "to_stage": to_stage,
            "version": project.version,
            "command_id": uuid4().hex,
            "back": back,
        },
        button=_("Move to “%(stage)s”", stage=stage_label(to_stage)),
        cancel=back,
    )


# ---- registering a project ---------------------------------------------------------------


def problem_text(problem: CellProblem) -> str:
    """A problem as the clerk reads it, with its line and column where it has them."""
    column = FIELD_LABELS.get(problem.column or "", problem.column)
    if problem.line and column:
        return _(
            "Line %(line)s, %(column)s: %(message)s",
            line=problem.line,
            column=column,
            message=problem.message,
        )
    if problem.line:
        return _("Line %(line)s: %(message)s", line=problem.line, message=problem.message)
    if column:
        return _("%(column)s: %(message)s", column=column, message=problem.message)
    return problem.message


def payload_from(form: ProjectForm) -> tuple[dict[str, Any], Pasted]:
    """The form as ProjectCreateSchema's input, and where each pasted row came from."""
    pasted = Pasted()
    parse_flats(form.flats.data or "", pasted)
    parse_content_items(form.content_items.data or "", pasted)
    parse_budget(form.budget.data or "", pasted)
    community: dict[str, Any] = {
        name: (getattr(form, name).data or "").strip()
        for name in ("name", "district", "city", "street", "address")
    }
    for required in ("name", "district"):  # left out, so the schema says "must be filled in"
        if not community[required]:
            del community[required]
    year = (form.year_built.data or "").strip()
    if year:
        community["year_built"] = int(year) if year.isdigit() else year
    payload = {
        "community": community,
        "buildings": pasted.buildings,
        "content_items": pasted.content_items,
        "budget": pasted.budget,
        "planned_start": (form.planned_start.data or "").strip() or None,
        "planned_finish": (form.planned_finish.data or "").strip() or None,
    }
    return payload, pasted


def problem_words(problem: object) -> str:
    """A domain problem in the catalogue's words; a schema's message is in them already."""
    return words().problem(problem) if isinstance(problem, DomainProblem) else str(problem)


def problems_at(errors: Mapping[str, Sequence[object]], pasted: Pasted) -> list[CellProblem]:
    """Problems keyed by payload path (``buildings.0.units.1.flats.2.area``) on the form."""
    problems = []
    for path, messages in errors.items():
        field, line, column = locate(path, pasted.lines)
        problems.extend(CellProblem(field, problem_words(m), line, column) for m in messages)
    return problems


def add_register_file(payload: dict[str, Any], problems: list[CellProblem]) -> list[dict] | None:
    """The register file's flats added to the buildings typed in, if a file was sent; a
    refused file is a problem of the ``register`` field, with its refused rows' report."""
    upload = request.files.get("register")
    if upload is None or not upload.filename:
        return None
    try:
        content = upload.read(MAX_FILE_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    try:
        payload["buildings"] = with_register_file(payload["buildings"], upload.filename, content)
    except FlatImportRefusedError as error:
        problems.append(CellProblem("register", refusal_message(error)))
        return import_report(error)
    except FlatImportFileError as error:
        problems.append(CellProblem("register", refusal_message(error)))
    return None


@bp.route("/staff/projects/new", methods=["GET", "POST"])
@access(STAFF)
@staff_page
def new_project():
    """Register a community from the form and three pasted tables; on errors, show each one."""
    user = page_user()
    scope = scope_of(user)
    form = ProjectForm()
    problems: list[CellProblem] = []
    report = None
    if request.method == "GET":
        form.command_id.data = uuid4().hex
        if scope and len(scope) == 1:
            form.district.data = scope[0]
    elif form.validate_on_submit():
        payload, pasted = payload_from(form)
        problems = list(pasted.problems)
        report = add_register_file(payload, problems)
        district = payload["community"].get("district")
        if district and not user.may_write_in(district):
            problems.append(
                CellProblem("district", _("Your account does not cover this district."))
            )
        try:
            data = ProjectCreateSchema().load(payload)
        except ValidationError as error:
            problems.extend(problems_at(flatten_errors(error.messages), pasted))
        if not problems:
            command_key = command_id(form.command_id.data)
            try:
                result = runtime().app.register_project(
                    data,
                    actor=actor_for(user, CHANNEL),
                    command_id=web_command_id("register", command_key),
                )
            except InvalidProjectDataError as error:
                problems.extend(problems_at(error.problems(), pasted))
            else:
                runtime().catch_up()
                flash(_("“%(name)s” is registered.", name=data["community"]["name"]), "success")
                return redirect(url_for("pages.project", project_id=result.project_id))
    else:
        flash(_("The form has expired; please send it again."), "error")
    errors: dict[str, list[str]] = {}
    for problem in sorted(problems, key=lambda p: p.line or 0):
        errors.setdefault(problem.field, []).append(problem_text(problem))
    if problems:
        flash(_("Nothing was registered: please correct the marked fields."), "error")
    return render_template(
        "pages/staff/new_project.html",
        form=form,
        errors=errors,
        district_choices=scope,
        report=report,
        max_kb=MAX_FILE_BYTES // 1024,
    ), (422 if problems else 200)
