"""Helpers every area of the pages shares: the clock, labels of flats and scopes, the project's
heading, the staff member's project, a refusal's problems by field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from flask import abort, flash
from flask_babel import gettext as _

from renovation.accounts import User
from renovation.application.errors import ConcurrencyError
from renovation.domain import participation as rules
from renovation.domain.base import LOCAL_TZ
from renovation.domain.errors import DomainError, InvalidProjectDataError
from renovation.domain.parts.flat_register import COLUMNS, column_name
from renovation.domain.project import Actor, RenovationProject
from renovation.web import runtime
from renovation.web.auth import check_district, page_user
from renovation.web.i18n import label, refusal_message, refusal_problems, words
from renovation.web.pages.blueprint import bp

RESIDENT_WEB = Actor(id="resident", role="resident", channel="web")
MAX_CODE_INPUT = 40
T = TypeVar("T")


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


@bp.app_context_processor
def _common_globals() -> dict[str, Any]:
    return {"scope_label": scope_label, "flat_label": flat_label}


def add_problems(errors: dict[str, list[str]], error: DomainError, rename=None) -> None:
    """A refusal's reasons by form field, in the visitor's words."""
    for field, messages in refusal_problems(error).items():
        name = rename(field) if rename else field
        errors.setdefault(name, []).extend(messages)


def project_info(project: RenovationProject, project_id: UUID) -> dict[str, Any]:
    community = project.community
    return {
        "id": str(project_id),
        "name": community["name"],
        "district": community["district"],
        "street": community.get("street") or "",
    }


def staff_project(project_id: UUID) -> tuple[User, RenovationProject]:
    """The signed-in staff member and the project, which must be in one of their districts."""
    user = page_user()
    project = runtime().app.get_project(project_id)
    check_district(user, project.community["district"])
    return user, project


def local_moment(value: str) -> datetime | None:
    """``2026-12-01T09:00`` (or with a space) as Beijing time; None if it is not one."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def code_problem() -> str:
    return words().refusal(rules.UnknownHouseholdCodeError.code)


def run_command(
    command: Callable[[], T],
    *,
    errors: dict[str, list[str]] | None = None,
    busy: str | None = None,
    not_found: tuple[type[Exception], ...] = (),
) -> T | None:
    """Run a page's command for its form; its result, or None when it did not run.

    A refusal goes to ``errors`` by form field (a reason without a field under ``form``), or,
    without ``errors``, is flashed as a banner; a busy store likewise gives the busy message
    (``busy``, or the project's). ``not_found`` refusals are a 404. Once the command has run,
    the projections catch up; the caller redirects or shows what it did.
    """
    busy = busy or _("The project is busy; please try again in a moment.")
    try:
        result = command()
    except not_found:
        abort(404)
    except DomainError as error:
        if errors is None:
            flash(refusal_message(error), "error")
        elif isinstance(error, InvalidProjectDataError):
            add_problems(errors, error)
        else:
            errors.setdefault(error.field or "form", []).append(refusal_message(error))
        return None
    except ConcurrencyError:
        if errors is None:
            flash(busy, "error")
        else:
            errors["form"] = [busy]
        return None
    runtime().catch_up()
    return result


def import_report(error: Any) -> list[dict[str, Any]]:
    """A refused register file's rows as the clerk reads them: row, column, reason
    (``FlatImportRefusedError.report``, its columns named as a file names them)."""
    v = words()
    return [
        {
            "row": line["row"],
            "column": column_name(line["column"]) if line["column"] in COLUMNS else "",
            "reason": v.refusal(line["code"], line["params"]),
        }
        for line in error.report()
    ]
