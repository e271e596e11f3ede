"""The project's progress figure, worked out when read from read-model rows only.

The figure is a pure function (:func:`renovation.domain.progress.project_progress`) of the
summary row's content items and the project's milestone rows, so it is never stored: the live
read model, a rebuild and a replay as of a past time give the same figure from the same rows,
and no request loads events for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from renovation.domain.progress import Progress, project_progress


def progress_of(
    summary: Mapping[str, Any], milestone_rows: Iterable[Mapping[str, Any]]
) -> Progress | None:
    """The figure from one project's summary row and its milestone rows (None: no milestone)."""
    return project_progress(summary["content_items"], milestone_rows)
