"""Events of a project's flat register (房屋清册), as stored.

Released event classes are never edited in place: a change of shape gets a new
``class_version`` and an upcast method (see ``events/project.py``).
"""

from __future__ import annotations

from typing import Any

from events.project import ProjectEvent


class FlatsImported(ProjectEvent):
    """Buildings, units and flats were added to the register from an imported file.

    ``buildings`` is the whole register after the import, in the shape registration records
    (building → units → flats), so a reader of this one event knows every flat; ``added``
    counts the flats the file brought, ``source`` names the file.
    """

    buildings: list[dict[str, Any]]
    added: int
    source: str


class FlatCorrected(ProjectEvent):
    """A flat's exclusive area or owner was corrected, from ``effective_on``, for a reason.

    ``area`` or ``owner_ref`` is None when that value is not changed. Polls opened on or
    after ``effective_on`` count the corrected values; earlier ones keep the registered ones.
    """

    flat_id: str
    area: Any  # Decimal | None
    owner_ref: str | None
    reason: str
