"""Errors raised when a command breaks a rule of the trade.

Each carries a stable ``code`` and, where one field or gate is to blame, its name, so the
web layer can answer with the field and the reason without knowing the rule.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused by a rule; nothing was recorded."""

    code = "rule_violated"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class InvalidProjectDataError(DomainError):
    """The data describing the community, its flats or its plan is not acceptable."""

    code = "invalid_data"

    def __init__(self, problems: dict[str, list[str]]) -> None:
        first_field, first = next(iter(problems.items()))
        super().__init__(first[0], field=first_field)
        self.problems = problems

    def errors(self) -> dict[str, list[str]]:
        return self.problems


class StageGateError(DomainError):
    """A stage transition was refused; ``gate`` names the rule that holds it back."""

    code = "gate_closed"

    def __init__(self, message: str, *, gate: str, from_stage: str, to_stage: str) -> None:
        super().__init__(message, field="to_stage")
        self.gate = gate
        self.from_stage = from_stage
        self.to_stage = to_stage


class UnknownContentItemError(DomainError):
    code = "unknown_content_item"
