"""Errors of the application layer: what is not there, and what changed meanwhile."""

from __future__ import annotations


class ProjectNotFoundError(Exception):
    code = "project_not_found"

    def __init__(self, project_id: object) -> None:
        super().__init__(f"no project {project_id}")
        self.project_id = project_id


class StaleVersionError(Exception):
    """The client's copy (If-Match) is older than the stored project."""

    code = "stale_version"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"the project is at version {actual}, not {expected}")
        self.expected = expected
        self.actual = actual


class ConcurrencyError(Exception):
    """Too many concurrent writers on one project; the command was not applied."""

    code = "busy"
