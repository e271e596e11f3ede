"""Who a resident is, for their personal data: one key per resident (DOMAIN.md, PIPL).

Residents have no accounts. A resident is the household of the flat they name (building,
unit and flat, as typed, in one spelling), or, when they name no flat, the contact they give.
The vault seals every record of one subject with one key, so an erasure destroys it once for
all of them (renovation.vault).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from renovation.vault import normalise_subject


def normalise_contact(contact: str) -> str:
    """A phone number by its digits (spaces, dashes, brackets and a leading + dropped);
    any other contact in the vault's one spelling."""
    folded = unicodedata.normalize("NFKC", contact or "")
    digits = "".join(ch for ch in folded if ch.isdigit())
    if len(digits) >= 5 and all(ch.isdigit() or ch in " -+()" for ch in folded.strip()):
        return digits
    return normalise_subject(folded)


def household_subject(project_id: UUID | str, building: str, unit: str, flat: str) -> str:
    parts = (normalise_subject(building), normalise_subject(unit), normalise_subject(flat))
    return f"household:{project_id}:" + "/".join(parts)


def contact_subject(project_id: UUID | str, contact: str) -> str:
    return f"contact:{project_id}:{normalise_contact(contact)}"


def resident_subject(project_id: UUID | str, data: Mapping[str, Any]) -> str | None:
    """The subject whose key seals what one opinion's sender gave: the household when a flat
    is given, else the contact; None when neither is."""
    subjects = resident_subjects(project_id, data)
    return subjects[0] if subjects else None


def resident_subjects(project_id: UUID | str, wanted: Mapping[str, Any]) -> list[str]:
    """Every subject a record or an erasure request names: its household (when it names a
    flat), then its contact."""
    subjects = []
    if (wanted.get("flat") or "").strip():
        subjects.append(
            household_subject(
                project_id, wanted.get("building") or "", wanted.get("unit") or "", wanted["flat"]
            )
        )
    if (wanted.get("contact") or "").strip():
        subjects.append(contact_subject(project_id, wanted["contact"]))
    return subjects


def matching_key_ids(
    rows: Iterable[Mapping[str, Any]],
    open_sealed: Callable[[str, str], dict[str, Any] | None],
    wanted: Mapping[str, Any],
) -> set[str]:
    """The keys of opinion rows whose sender is the wanted resident, found by opening them:
    this also finds records sealed before keys were kept per resident, and a household's
    opinions sent with a contact only. ``rows`` carry building, unit, personal_key_id and
    personal_sealed (the opinions read model)."""
    flat = normalise_subject(wanted.get("flat") or "")
    place = _place(wanted)
    contact = normalise_contact(wanted.get("contact") or "") if wanted.get("contact") else ""
    found = set()
    for row in rows:
        if not row.get("personal_key_id"):
            continue
        personal = open_sealed(row["personal_key_id"], row["personal_sealed"]) or {}
        same_flat = bool(flat) and (
            normalise_subject(personal.get("flat") or "") == flat and _place(row) == place
        )
        same_contact = bool(contact) and (
            bool(personal.get("contact")) and normalise_contact(personal["contact"]) == contact
        )
        if same_flat or same_contact:
            found.add(row["personal_key_id"])
    return found


def _place(record: Mapping[str, Any]) -> tuple[str, str]:
    return normalise_subject(record.get("building") or ""), normalise_subject(
        record.get("unit") or ""
    )
