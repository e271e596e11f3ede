"""Errors raised when a command breaks a rule of the trade.

A refusal is a *code* and its *parameters*, never a sentence: ``DomainError("gate_closed",
field="to_stage", gate="construction_finished")``. The words — in Chinese or English — live
in one catalogue (``renovation/vocabulary/refusals.py`` and the gettext catalogue), which
pages, PDFs and the API render with the parameters. Nothing parses a message back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One reason a value was refused: a catalogue code and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return _plain(self.code, self.params)


def add_problem(problems: dict[str, list[Problem]], field: str, code: str, **params: Any) -> None:
    """Note one problem of a field while checking a whole input (see InvalidProjectDataError)."""
    problems.setdefault(field, []).append(Problem(code, params))


def _plain(code: str, params: Mapping[str, Any]) -> str:
    """For logs and tracebacks only; people read the catalogue's words."""
    if not params:
        return code
    return f"{code} ({', '.join(f'{k}={v!r}' for k, v in params.items())})"


class DomainError(Exception):
    """A command was refused by a rule; nothing was recorded.

    ``code`` names the kind of refusal (a key of the refusal catalogue), ``field`` the input
    to blame, if one is, and ``params`` what the message needs (plain values: text, numbers,
    ISO dates and times, ids with their names beside them).
    """

    code = "rule_violated"

    def __init__(self, code: str | None = None, *, field: str | None = None, **params: Any):
        self.code = code or type(self).code
        self.field = field
        self.params: dict[str, Any] = params
        super().__init__(_plain(self.code, params))

    @property
    def problem(self) -> Problem:
        return Problem(self.code, self.params)

    def problems(self) -> dict[str, list[Problem]]:
        """The refused fields and why; ``_request`` when no one field is to blame."""
        return {self.field or "_request": [self.problem]}


class InvalidProjectDataError(DomainError):
    """The data describing the community, its flats or its plan is not acceptable.

    ``problems`` gathers every problem of the input at once, by field path.
    """

    code = "invalid_data"

    def __init__(self, problems: dict[str, list[Problem]]) -> None:
        first_field = next(iter(problems))
        super().__init__(self.code, field=first_field, fields=sorted(problems))
        self._problems = problems

    def problems(self) -> dict[str, list[Problem]]:
        return self._problems


class StageGateError(DomainError):
    """A stage move was refused; ``gate`` names the rule that holds it back."""

    code = "gate_closed"

    def __init__(
        self, code: str | None = None, *, gate: str, from_stage: str, to_stage: str, **params: Any
    ) -> None:
        super().__init__(
            code or self.code,
            field="to_stage",
            gate=gate,
            from_stage=from_stage,
            to_stage=to_stage,
            **params,
        )
        self.gate = gate
        self.from_stage = from_stage
        self.to_stage = to_stage


class NotFoundError(DomainError):
    """A command named something the project does not have (answered 404 by the API)."""

    code = "not_found"


class ForbiddenError(DomainError):
    """The caller may act, but not on this: a supervisor outside their project (403)."""

    code = "forbidden"


class ConflictError(DomainError):
    """A command came at the wrong time: the round, poll or window is closed (409)."""

    code = "conflict"


class UnknownContentItemError(DomainError):
    """A body field names a content item the plan does not have (422, not 404)."""

    code = "unknown_content_item"
