"""A project's progress as one figure, weighted from its construction milestones.

Each milestone builds a planned share of one content item; its done fraction is the reported
quantity over its own, capped at 1. Within a content item, a milestone weighs its share of the
quantity the item's milestones plan between them. Across items, the weights are the items'
planned costs when every item with milestones has one (``planned_cost``); otherwise every
such item weighs the same. The result says which weighting it used (its ``basis``)::

    progress = Σ_item w_item × Σ_milestone (q_m / Σq_item) × min(done_m / q_m, 1)

The arithmetic is exact (fractions); the percentage has one decimal, rounded down, so 100.0 %
means every milestone has reached its quantity. A project with no milestones has no figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Any


class ProgressBasis(StrEnum):
    """How the content items are weighed against each other."""

    PLANNED_COST = "planned_cost"
    PLANNED_QUANTITY = "planned_quantity"


BASES = tuple(b.value for b in ProgressBasis)


@dataclass(frozen=True)
class ItemProgress:
    item_id: str
    weight: Fraction
    done: Fraction


@dataclass(frozen=True)
class Progress:
    """The project's progress: an exact fraction in [0, 1] and the weighting used."""

    fraction: Fraction
    basis: str
    items: tuple[ItemProgress, ...]

    @property
    def percent(self) -> Decimal:
        """Per cent with one decimal, rounded down (99.96 % is 99.9 %, not yet 100 %)."""
        return Decimal(math.floor(self.fraction * 1000)).scaleb(-1)

    def as_dict(self) -> dict[str, Any]:
        return {"percent": format(self.percent, "f"), "basis": self.basis}


def _exact(value: Any) -> Fraction | None:
    """A quantity or amount (Decimal, int or decimal text) as a Fraction; None if absent."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return Fraction(number) if number.is_finite() else None


def project_progress(
    items: Iterable[Mapping[str, Any]], milestones: Iterable[Mapping[str, Any]]
) -> Progress | None:
    """Overall progress from content items (``id``, optional ``planned_cost``) and milestones
    (``item_id``, ``quantity``, ``done_quantity``); None when no milestone is planned."""
    by_item: dict[str, list[tuple[Fraction, Fraction]]] = {}
    for m in milestones:
        quantity = _exact(m["quantity"]) or Fraction(0)
        if quantity <= 0:
            continue  # the domain plans none; a share of nothing weighs nothing
        done = max(_exact(m.get("done_quantity")) or Fraction(0), Fraction(0))
        by_item.setdefault(m["item_id"], []).append((quantity, min(done / quantity, Fraction(1))))
    if not by_item:
        return None
    costs = {i["id"]: _exact(i.get("planned_cost")) for i in items}
    planned = [costs.get(item_id) for item_id in by_item]
    if all(c is not None and c > 0 for c in planned):
        basis = ProgressBasis.PLANNED_COST
        total = sum(planned, Fraction(0))  # type: ignore[arg-type]
        weights = {item_id: costs[item_id] / total for item_id in by_item}  # type: ignore[operator]
    else:
        basis = ProgressBasis.PLANNED_QUANTITY
        weights = {item_id: Fraction(1, len(by_item)) for item_id in by_item}
    parts = []
    for item_id, shares in by_item.items():
        item_quantity = sum((q for q, _ in shares), Fraction(0))
        done = sum((q / item_quantity * d for q, d in shares), Fraction(0))
        parts.append(ItemProgress(item_id, weights[item_id], done))
    fraction = sum((p.weight * p.done for p in parts), Fraction(0))
    return Progress(fraction=fraction, basis=basis.value, items=tuple(parts))
