"""The project's progress figure in the project report: one line, with its weighting stated.

:func:`progress_values` works the figure out from the summary row and the milestone rows the
report shows (now, or as of a past time), so the figure and the milestones' table agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from renovation.projections.progress import progress_of
from renovation.reports.rendering import report_words, translated
from renovation.vocabulary.markers import N_

MESSAGES: dict[str, str] = {
    "title": N_("Overall progress"),
    "none": N_("No milestones planned yet"),
}


def progress_values(
    summary: Mapping[str, Any], milestones: Iterable[Mapping[str, Any]] | None, lang: str
) -> dict[str, Any]:
    """The section's values: its words, and the figure with its basis (None: no milestone)."""
    v = report_words(lang)
    progress = progress_of(summary, milestones or [])
    values: dict[str, Any] = {"words": translated(MESSAGES, lang), "percent": None}
    if progress is not None:
        values.update(
            percent=format(progress.percent, "f"),
            basis=progress.basis,
            basis_label=v.label("progress_basis", progress.basis),
            explanation=v.label("progress_basis_explanation", progress.basis),
        )
    return values
