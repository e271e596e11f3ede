"""Satisfaction evaluation (问效): from the evaluation round's answers to a result.

Pure arithmetic over plain values, exact with ``Fraction``:

    satisfaction rate = (satisfied + basically satisfied) / households that answered
    coverage          = households that answered / households in the round's scope

The ruleset gives the pass threshold (a rate ≥ it passes) and the minimum coverage (below
it the result does not count). Online ballots and paper ballots entered by staff are the
same ballots, so both count alike. The stored answers are kept, so the result can be
recomputed from them at any time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

# The three fixed answers of a satisfaction question (满意 / 基本满意 / 不满意), in order.
SATISFACTION_CHOICES = ("satisfied", "basically_satisfied", "dissatisfied")
# The question's options as its text shows them: a question's wording and options are the
# bureau's Chinese content (stored with the round); answers are stored as the choices above.
SATISFACTION_OPTIONS = ("满意", "基本满意", "不满意")
# The definition, stated wherever the rate is shown.
DEFINITION = "满意率 = (满意 + 基本满意) ÷ 作答户数；覆盖率 = 作答户数 ÷ 范围内户数"


def percent(value: Fraction) -> str:
    """A share as a percentage with one decimal, rounded half up: 11/12 → "91.7%"."""
    shown = (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{shown}%"


@dataclass(frozen=True)
class SatisfactionResult:
    """The counts, the two shares and what the ruleset makes of them."""

    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    households_in_scope: int
    threshold: Fraction
    min_coverage: Fraction

    @property
    def answered(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def rate(self) -> Fraction:
        """(satisfied + basically satisfied) / answered; 0 when nobody answered."""
        if not self.answered:
            return Fraction(0)
        return Fraction(self.satisfied + self.basically_satisfied, self.answered)

    @property
    def coverage(self) -> Fraction:
        """Households that answered / households in scope; 0 for an empty scope."""
        if not self.households_in_scope:
            return Fraction(0)
        return Fraction(self.answered, self.households_in_scope)

    @property
    def coverage_met(self) -> bool:
        return self.answered > 0 and self.coverage >= self.min_coverage

    @property
    def passed(self) -> bool:
        return self.answered > 0 and self.rate >= self.threshold

    def explanation(self) -> str:
        """The arithmetic, in Chinese, as pages and reports show it."""
        favourable = self.satisfied + self.basically_satisfied
        rate = (
            f"满意率 = (满意 {self.satisfied} + 基本满意 {self.basically_satisfied}) ÷ "
            f"作答 {self.answered} 户 = {favourable}/{self.answered} = {percent(self.rate)}"
            if self.answered
            else "无人作答，满意率无从计算"
        )
        verdict = "达到" if self.passed else "未达到"
        coverage_verdict = "达到" if self.coverage_met else "未达到"
        return (
            f"{rate}，{verdict}规则要求的 {percent(self.threshold)}；"
            f"覆盖率 = 作答 {self.answered} 户 ÷ 范围内 {self.households_in_scope} 户 = "
            f"{percent(self.coverage)}，{coverage_verdict}最低覆盖率 {percent(self.min_coverage)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: fractions as "n/d" strings beside their percentages."""
        return {
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "dissatisfied": self.dissatisfied,
            "answered": self.answered,
            "households_in_scope": self.households_in_scope,
            "rate": str(self.rate),
            "rate_percent": percent(self.rate),
            "coverage": str(self.coverage),
            "coverage_percent": percent(self.coverage),
            "threshold": str(self.threshold),
            "threshold_percent": percent(self.threshold),
            "min_coverage": str(self.min_coverage),
            "min_coverage_percent": percent(self.min_coverage),
            "passed": self.passed,
            "coverage_met": self.coverage_met,
            "definition": DEFINITION,
            "explanation": self.explanation(),
        }


def evaluate_satisfaction(
    answers: Iterable[str],
    *,
    households_in_scope: int,
    threshold: Fraction,
    min_coverage: Fraction,
) -> SatisfactionResult:
    """The result of one household answer each (satisfied | basically_satisfied | dissatisfied).

    Refuses an unknown answer or more answers than households, rather than guess.
    """
    counts = Counter(answers)
    unknown = sorted(set(counts) - set(SATISFACTION_CHOICES))
    if unknown:
        raise ValueError(f"not a satisfaction answer: {unknown[0]!r}")
    if households_in_scope < 0 or counts.total() > households_in_scope:
        raise ValueError(f"{counts.total()} answers from {households_in_scope} households in scope")
    return SatisfactionResult(
        satisfied=counts["satisfied"],
        basically_satisfied=counts["basically_satisfied"],
        dissatisfied=counts["dissatisfied"],
        households_in_scope=households_in_scope,
        threshold=threshold,
        min_coverage=min_coverage,
    )
