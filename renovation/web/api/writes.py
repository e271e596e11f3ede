"""One contract for every write of the API: who writes, its Idempotency-Key, its If-Match.

Every write route (POST, PUT, PATCH, DELETE) is declared with ``@blp.write()``: the request's
two headers are checked before the view runs (a malformed one is a 400), and OpenAPI declares
them with the 409, 412, 422 and 429 answers. The view then takes what the application's
commands take from ``staff_write(project_id)`` or ``resident_write()``:

    result = runtime().app.transition_lift(project_id, lift_id, ..., **staff_write(pid).kwargs)

- ``Idempotency-Key``: the same key makes one change, however often the request is sent; a
  repeat answers what the first did (``replayed: true``). Residents' keys are namespaced and
  must be random enough (16 characters or more) not to meet another resident's.
- ``If-Match``: the project version the client last read (its ``ETag``, e.g. ``"7"``); a
  project changed meanwhile refuses the write with 409 ``stale_version`` and stores nothing.
  A retry with a key already used is answered as a replay before the version is compared, so
  a client that lost the first answer is not told its own change is a conflict. Where there
  is no project version to compare with (a project being registered, the common answers),
  ``*`` holds and a version never does: it is answered 412. A malformed value is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from uuid import UUID

import flask_smorest
from flask import g, request
from flask_smorest import abort
from flask_smorest.utils import resolve_schema_instance

from renovation.application.base import CommandResult
from renovation.domain.errors import ForbiddenError
from renovation.domain.project import Actor, RenovationProject
from renovation.web import runtime
from renovation.web.auth import actor_for, api_user, check_district

WRITE_ROLES = ("staff", "admin")
SUPERVISOR_WRITE_ROLES = (*WRITE_ROLES, "supervisor")
RESIDENT_WEB = Actor(id="resident", role="resident", channel="web")
MIN_PUBLIC_KEY = 16
MAX_VERSION_DIGITS = 18  # a version is a 64-bit integer at most

KEY_PATTERN = r"^[A-Za-z0-9._:\-]{1,200}$"
PUBLIC_KEY_PATTERN = rf"^[A-Za-z0-9._:\-]{{{MIN_PUBLIC_KEY},200}}$"
IF_MATCH_PATTERN = rf'^(\*|(W/)?"?[0-9]{{1,{MAX_VERSION_DIGITS}}}"?)$'
_KEY = re.compile(KEY_PATTERN)
_ETAG = re.compile(rf'^(?:W/)?"?([0-9]{{1,{MAX_VERSION_DIGITS}}})"?$')

# ---- the request's headers ------------------------------------------------------------------


def command_id() -> str | None:
    """The client's ``Idempotency-Key``: the same key makes one change, however often sent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.match(key):
        abort(
            400,
            message="Idempotency-Key: 1 to 200 letters, digits or . _ : -",
            messages={"header": {"Idempotency-Key": ["1 to 200 letters, digits or . _ : -"]}},
        )
    return key


def public_command_id() -> str | None:
    """A resident's Idempotency-Key; anonymous clients share one namespace, so it must be
    random enough not to collide with another resident's (a UUID, say)."""
    key = command_id()
    if key is not None and len(key) < MIN_PUBLIC_KEY:
        abort(
            400,
            message="Idempotency-Key: use a random key of 16 or more characters, e.g. a UUID",
            messages={"header": {"Idempotency-Key": ["at least 16 characters, e.g. a UUID"]}},
        )
    return f"resident:{key}" if key else None


def expected_version() -> int | None:
    """The project version the client last read (``If-Match``); a stale one gets 409."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if not match:
        abort(
            400,
            message='If-Match: the project version, e.g. "7"',
            messages={"header": {"If-Match": ['must be the project version, e.g. "7"']}},
        )
    return int(match.group(1))


def no_version() -> None:
    """Refuse an If-Match where there is no project version to compare it with (412)."""
    if expected_version() is not None:
        abort(
            412,
            message='If-Match: there is no version to match here; send "*" or leave it out',
            messages={"header": {"If-Match": ['there is no version to match here: "*" or none']}},
        )


# ---- what a write command takes -------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """What every command of the application takes besides its own fields."""

    actor: Actor
    command_id: str | None
    expected_version: int | None

    @property
    def kwargs(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "command_id": self.command_id,
            "expected_version": self.expected_version,
        }


def _declared() -> None:
    if not g.get("write_declared"):
        raise RuntimeError(f"{request.endpoint}: a write route needs @blp.write()")


def writable_project(project_id: UUID) -> RenovationProject:
    """The project, if the caller may write to it (staff of its district, or admin)."""
    project = runtime().app.get_project(project_id)
    check_district(api_user(), project.community["district"])
    return project


def staff_write(project_id: UUID | None, *, channel: str = "api") -> Write:
    """A signed-in caller's write: to ``project_id`` if they may write to it (its district),
    else 403; ``project_id`` None for a write to no project (the caller's own checks apply)."""
    _declared()
    if project_id is not None:
        writable_project(project_id)
    return Write(actor_for(api_user(), channel), command_id(), expected_version())


def supervisor_or_staff_write(project_id: UUID) -> Write:
    """A write by staff of the project's district, or by a resident supervisor of this very
    project (whose account acts for that project only: 403 ``not_your_project`` elsewhere)."""
    user = api_user()
    if user is not None and user.role == "supervisor":
        _declared()
        if user.project_id != str(project_id):
            raise ForbiddenError("not_your_project", field="project_id")
        return Write(actor_for(user, "api"), command_id(), expected_version())
    return staff_write(project_id)


def resident_write() -> Write:
    """An anonymous resident's write (by household code or none): the namespaced key."""
    _declared()
    return Write(RESIDENT_WEB, public_command_id(), expected_version())


def answered(result: CommandResult) -> None:
    """The command is stored: its answer carries its position (``X-Position``).

    Inline (tests, the CLI) the read models catch up first. With the projection worker nothing
    waits here: the write costs its one durable commit, and a read that must show it sends the
    position back (``X-After-Position``) and waits for the worker to pass it
    (``renovation.web.positions``). Writes whose answer is read from the read models wait
    with ``runtime().catch_up(until=result.position)`` instead.
    """
    from renovation.web.positions import carry

    carry(result.position)


def committed(result: CommandResult, status: int = 200) -> tuple[dict, int, dict]:
    """Answer a stored command with its id, version and position (see ``answered``)."""
    answered(result)
    body = {"id": result.project_id, "version": result.version, "replayed": result.replayed}
    return body, status, {"ETag": f'"{result.version}"'}


def created(result: CommandResult) -> tuple[dict, int, dict]:
    """``committed`` for a write that makes something: 201, or 200 when it is a replay."""
    return committed(result, 200 if result.replayed else 201)


# ---- the OpenAPI side ---------------------------------------------------------------------


def write_headers(*, public: bool = False, versioned: bool = True) -> list[dict[str, Any]]:
    """The two header parameters as OpenAPI declares them on a write."""
    key = (
        "a random key of 16 or more characters (a UUID, say) that makes one change, however "
        "often the request is sent; a repeat answers what the first did (replayed: true)"
        if public
        else "the same key makes one change, however often the request is sent; a repeat "
        "answers what the first did (replayed: true)"
    )
    if_match = (
        'the project version last read (its ETag, e.g. "7"); if the project has changed '
        "since, the write is refused with 409 stale_version and nothing is stored"
        if versioned
        else 'there is no project version to match here: "*" holds, a version never does (412)'
    )
    return [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "pattern": PUBLIC_KEY_PATTERN if public else KEY_PATTERN},
            "description": key,
        },
        {
            "in": "header",
            "name": "If-Match",
            "required": False,
            "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
            "description": if_match,
        },
    ]


def write_answers(*, public: bool = False, versioned: bool = True) -> dict[int, str]:
    """The refusals every write declares, each said as it applies to this write."""
    return {
        409: (
            "refused now: the project changed since the If-Match version (stale_version, "
            "with the project's version), or the request does not fit the project's stage or "
            "state (the code says which)"
            if versioned
            else "refused now: the request conflicts with what is kept (the code says which)"
        ),
        412: (
            "not sent for a project write: a stale If-Match is answered 409 stale_version"
            if versioned
            else 'an If-Match other than "*": there is no version to match here'
        ),
        422: "refused: a field is not acceptable (errors names it)",
        429: (
            "too many requests from this client address: residents' writes are limited"
            if public
            else "not sent for staff writes: only residents' writes are limited"
        ),
    }


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose write routes say so with ``@blp.write()``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_write_doc)

    def arguments(self, schema: Any, **kwargs: Any) -> Callable:
        """flask-smorest's ``arguments`` with the schema made once, here: given a class, the
        argument parser would make an instance for every request (about 4 % of a small
        write's time). An instance holds no request's state: its messages are lazy catalogue
        strings, worded in each request's language when an error is raised."""
        return super().arguments(resolve_schema_instance(schema), **kwargs)

    @staticmethod
    def write(*, public: bool = False, versioned: bool = True) -> Callable:
        """Declare a write route: check its Idempotency-Key and If-Match before the view runs
        and declare both, with the 409/412/422/429 answers, in OpenAPI.

        ``public``: anonymous residents write here (no bearer; keys of 16 or more characters).
        ``versioned``: the write is to a project, whose version If-Match names; else an
        If-Match naming a version is answered 412.
        """

        def decorator(view: Callable) -> Callable:
            @wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if public:
                    public_command_id()
                else:
                    command_id()
                if versioned:
                    expected_version()
                else:
                    no_version()
                g.write_declared = True
                return view(*args, **kwargs)

            wrapped._apidoc = dict(  # type: ignore[attr-defined]
                getattr(wrapped, "_apidoc", {}),
                write={"public": public, "versioned": versioned},
            )
            return wrapped

        return decorator

    @staticmethod
    def _prepare_write_doc(doc: dict, doc_info: dict, **_kwargs: Any) -> dict:
        write = doc_info.get("write")
        if write is None:
            return doc
        from renovation.web.api.schemas import RefusalSchema

        parameters = doc.setdefault("parameters", [])
        parameters.extend(write_headers(**write))
        responses = doc.setdefault("responses", {})
        for status, description in write_answers(**write).items():
            if status not in responses and str(status) not in responses:
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": RefusalSchema}},
                }
        if not write["public"]:
            doc.setdefault("security", [{"bearer": []}])
        return doc
