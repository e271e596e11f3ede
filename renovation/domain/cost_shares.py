"""Lift cost shares: floor coefficient × area, subsidy first, exact to the fen.

Residents check these figures against each other, so the shares must add up to the
amount exactly and the leftover fen must go by a rule anyone can re-apply by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction
from typing import Any

from renovation.domain.errors import DomainError
from renovation.domain.rulesets import Ruleset

__all__ = [
    "BudgetMissingError",
    "CostShareError",
    "CostShareFlat",
    "CostShareResult",
    "FlatCostShare",
    "NoPayingFlatsError",
    "SubsidyExceedsCostError",
    "compute_cost_shares",
]

FEN = Decimal("0.01")
RATE_PLACES = 4  # cost per weighted m² is shown to 0.0001 yuan; shares never use it


class CostShareError(DomainError):
    """The flats or the money given cannot be shared."""

    code = "invalid_cost_share_input"


class BudgetMissingError(CostShareError):
    code = "budget_missing"


class SubsidyExceedsCostError(CostShareError):
    code = "subsidy_exceeds_cost"


class NoPayingFlatsError(CostShareError):
    code = "no_paying_flats"


@dataclass(frozen=True)
class CostShareFlat:
    flat_id: str
    floor: int
    area: Decimal


@dataclass(frozen=True)
class FlatCostShare:
    """One flat's line; ``extra_fen`` is 1 when it received one of the leftover fen."""

    flat_id: str
    floor: int
    area: Decimal
    coefficient: Decimal
    weight: Decimal
    share: Decimal
    extra_fen: int


@dataclass(frozen=True)
class CostShareResult:
    ruleset_id: str
    total_cost: Decimal
    subsidy: Decimal
    amount: Decimal
    total_weight: Decimal
    cost_per_weighted_m2: Decimal
    shares: tuple[FlatCostShare, ...]
    # "agreed": the unit's owners' own coefficients; "reference": the ruleset's table.
    coefficients: str = "reference"
    departs_from_reference: bool = False

    def share_of(self, flat_id: str) -> Decimal:
        for line in self.shares:
            if line.flat_id == flat_id:
                return line.share
        raise KeyError(flat_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe values only; money and m² as plain decimal strings."""
        return {
            "ruleset_id": self.ruleset_id,
            "total_cost": f"{self.total_cost:f}",
            "subsidy": f"{self.subsidy:f}",
            "amount": f"{self.amount:f}",
            "total_weight": f"{self.total_weight:f}",
            "cost_per_weighted_m2": f"{self.cost_per_weighted_m2:f}",
            "coefficients": self.coefficients,
            "departs_from_reference": self.departs_from_reference,
            "shares": [
                {
                    "flat_id": s.flat_id,
                    "floor": s.floor,
                    "area": f"{s.area:f}",
                    "coefficient": f"{s.coefficient:f}",
                    "weight": f"{s.weight:f}",
                    "share": f"{s.share:f}",
                    "extra_fen": s.extra_fen,
                }
                for s in self.shares
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostShareResult:
        return cls(
            ruleset_id=data["ruleset_id"],
            total_cost=Decimal(data["total_cost"]),
            subsidy=Decimal(data["subsidy"]),
            amount=Decimal(data["amount"]),
            total_weight=Decimal(data["total_weight"]),
            cost_per_weighted_m2=Decimal(data["cost_per_weighted_m2"]),
            coefficients=data.get("coefficients", "reference"),
            departs_from_reference=bool(data.get("departs_from_reference", False)),
            shares=tuple(
                FlatCostShare(
                    flat_id=s["flat_id"],
                    floor=s["floor"],
                    area=Decimal(s["area"]),
                    coefficient=Decimal(s["coefficient"]),
                    weight=Decimal(s["weight"]),
                    share=Decimal(s["share"]),
                    extra_fen=s["extra_fen"],
                )
                for s in data["shares"]
            ),
        )


def compute_cost_shares(
    flats: Iterable[CostShareFlat],
    total_cost: Decimal | None,
    subsidy: Decimal | None,
    ruleset: Ruleset,
    agreed: Mapping[int, Decimal] | None = None,
) -> CostShareResult:
    """Share ``total_cost − subsidy`` by weight = floor coefficient × area.

    ``agreed`` is the unit's own coefficient per floor (0 for a floor that pays nothing),
    as its owners agreed; without it the ruleset's reference table applies.

    ``subsidy=None`` takes the ruleset's subsidy per lift. Each share is the exact
    proportional amount rounded down to the fen; the fen left over then go one each to
    the flats with the largest dropped fraction, ties to the higher floor, then to the
    smaller ``flat_id``. So the shares add up exactly, no share is more than one fen
    from its exact value, and a heavier weight never pays less.
    """
    if total_cost is None or total_cost == 0:
        raise BudgetMissingError("budget_missing", field="total_cost")
    subsidy = ruleset.subsidy_per_lift if subsidy is None else subsidy
    _check_money(total_cost, "total_cost")
    _check_money(subsidy, "subsidy")
    if subsidy > total_cost:
        raise SubsidyExceedsCostError(
            "subsidy_exceeds_cost", field="subsidy", subsidy=subsidy, total_cost=total_cost
        )
    amount = (total_cost - subsidy).quantize(FEN)

    lines = _weigh(flats, ruleset, agreed)
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = True  # weights are exact products; never round them silently
        total_weight = sum((weight for _, _, weight in lines), Decimal(0))
    if total_weight == 0:
        raise NoPayingFlatsError("no_paying_flats", field="flats")

    amount_fen = int(amount.scaleb(2))
    exact = {
        flat.flat_id: Fraction(amount_fen) * Fraction(weight) / Fraction(total_weight)
        for flat, _, weight in lines
    }
    fen = {flat_id: int(value) for flat_id, value in exact.items()}  # floor: values are ≥ 0
    leftover = amount_fen - sum(fen.values())
    by_priority = sorted(
        (flat for flat, _, _ in lines),
        key=lambda f: (-(exact[f.flat_id] - fen[f.flat_id]), -f.floor, f.flat_id),
    )
    extra = {flat.flat_id for flat in by_priority[:leftover]}

    rate = Fraction(amount) / Fraction(total_weight)
    return CostShareResult(
        ruleset_id=ruleset.id,
        total_cost=total_cost,
        subsidy=subsidy,
        amount=amount,
        total_weight=total_weight,
        cost_per_weighted_m2=_round_half_up(rate, RATE_PLACES),
        coefficients="reference" if agreed is None else "agreed",
        departs_from_reference=any(c != ruleset.floor_coefficient(f.floor) for f, c, _ in lines),
        shares=tuple(
            FlatCostShare(
                flat_id=flat.flat_id,
                floor=flat.floor,
                area=flat.area,
                coefficient=coefficient,
                weight=weight,
                share=(Decimal(fen[flat.flat_id] + (flat.flat_id in extra)) * FEN),
                extra_fen=int(flat.flat_id in extra),
            )
            for flat, coefficient, weight in lines
        ),
    )


def _check_money(value: Any, field: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise CostShareError("must_be_number", field=field)
    if value < 0:
        raise CostShareError("must_not_be_negative", field=field)
    if value != value.quantize(FEN):
        raise CostShareError("whole_fen", field=field)


def _weigh(
    flats: Iterable[CostShareFlat], ruleset: Ruleset, agreed: Mapping[int, Decimal] | None
) -> list[tuple[CostShareFlat, Decimal, Decimal]]:
    lines: list[tuple[CostShareFlat, Decimal, Decimal]] = []
    seen: set[str] = set()
    for flat in flats:
        if flat.flat_id in seen:
            raise CostShareError("listed_twice", field="flats", name=flat.flat_id)
        seen.add(flat.flat_id)
        if not isinstance(flat.area, Decimal) or not flat.area.is_finite() or flat.area <= 0:
            raise CostShareError("flat_area_positive", field="flats", flat=flat.flat_id)
        try:
            coefficient = ruleset.floor_coefficient(flat.floor)
        except ValueError:
            raise CostShareError(
                "flat_floor_invalid", field="flats", flat=flat.flat_id, floor=flat.floor
            ) from None
        if agreed is not None:
            coefficient = agreed.get(flat.floor)
            if coefficient is None:  # a flat registered on a floor the agreement did not cover
                raise CostShareError(
                    "lift_coefficient_missing", field="floor_coefficients", floor=flat.floor
                )
            if coefficient < 0:
                raise CostShareError(
                    "lift_coefficient_negative", field="floor_coefficients", floor=flat.floor
                )
        with localcontext() as ctx:
            ctx.prec = 60
            ctx.traps[Inexact] = True
            weight = coefficient * flat.area
        lines.append((flat, coefficient, weight))
    return lines


def _round_half_up(value: Fraction, places: int) -> Decimal:
    scale = 10**places
    units = (value.numerator * scale * 2 + value.denominator) // (2 * value.denominator)
    return Decimal(units).scaleb(-places)
