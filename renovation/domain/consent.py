"""Civil Code art. 278 consent arithmetic: exact, and carrying its own explanation.

The result is what a 公示 prints and what an event stores, so it keeps every total,
ratio and threshold check, and names the ruleset it was decided under.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from enum import StrEnum
from fractions import Fraction
from typing import Any

from renovation.domain.errors import DomainError
from renovation.domain.rulesets import Matter, Ruleset, Threshold

__all__ = [
    "ConsentError",
    "ConsentResult",
    "EmptyScopeError",
    "FlatVoteInput",
    "InvalidFlatError",
    "InvalidVoteError",
    "ThresholdCheck",
    "UnknownFlatError",
    "VetoFailure",
    "VoteChoice",
    "evaluate_consent",
]

RESULT_VERSION = 1


class VoteChoice(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"


class ConsentError(DomainError):
    """The flats or votes given cannot be counted."""

    code = "invalid_consent_input"


class EmptyScopeError(ConsentError):
    code = "empty_scope"


class UnknownFlatError(ConsentError):
    code = "vote_flat_not_in_scope"


class InvalidFlatError(ConsentError):
    code = "invalid_flat"


class InvalidVoteError(ConsentError):
    code = "invalid_vote"


@dataclass(frozen=True)
class FlatVoteInput:
    """A flat in the vote's scope, as the register (不动产登记簿) records it.

    ``holds_veto``: the lift would occupy this flat's exclusive part, so its owner must agree.
    """

    flat_id: str
    owner_id: str
    area: Decimal
    is_unsold_developer_flat: bool = False
    holds_veto: bool = False


@dataclass(frozen=True)
class ThresholdCheck:
    """One line of the result table: ``rendered`` shows the arithmetic, e.g. "7/8 = 87.50%"."""

    name: str
    required: str
    actual: Fraction
    rendered: str
    passed: bool


@dataclass(frozen=True)
class VetoFailure:
    """A veto-holding flat that did not agree; ``choice`` is ``None`` when it did not vote."""

    flat_id: str
    choice: VoteChoice | None

    @property
    def reason(self) -> str:
        how = "did not vote" if self.choice is None else f"voted {self.choice}"
        return f"flat {self.flat_id} holds a veto (the lift occupies its exclusive part) and {how}"


@dataclass(frozen=True)
class ConsentResult:
    """The outcome of one consent vote with the figures that decided it.

    Areas are m² as ``Decimal`` (exact sums of the registered areas); ratios are exact
    ``Fraction``\\ s inside each check.
    """

    ruleset_id: str
    matter: Matter
    scope_flats: int
    scope_area: Decimal
    scope_owners: int
    participating_flats: int
    participating_area: Decimal
    participating_owners: int
    agreeing_area: Decimal
    agreeing_owners: int
    checks: tuple[ThresholdCheck, ...]
    veto_failures: tuple[VetoFailure, ...]
    passed: bool

    @property
    def failed_checks(self) -> tuple[ThresholdCheck, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def check(self, name: str) -> ThresholdCheck:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe values only: areas as decimal strings, ratios as "n/d" strings."""
        return {
            "version": RESULT_VERSION,
            "ruleset_id": self.ruleset_id,
            "matter": str(self.matter),
            "scope_flats": self.scope_flats,
            "scope_area": f"{self.scope_area:f}",
            "scope_owners": self.scope_owners,
            "participating_flats": self.participating_flats,
            "participating_area": f"{self.participating_area:f}",
            "participating_owners": self.participating_owners,
            "agreeing_area": f"{self.agreeing_area:f}",
            "agreeing_owners": self.agreeing_owners,
            "checks": [
                {
                    "name": c.name,
                    "required": c.required,
                    "actual": str(c.actual),
                    "rendered": c.rendered,
                    "passed": c.passed,
                }
                for c in self.checks
            ],
            "failed_checks": [c.name for c in self.failed_checks],
            "veto_failures": [
                {
                    "flat_id": v.flat_id,
                    "choice": None if v.choice is None else str(v.choice),
                    "reason": v.reason,
                }
                for v in self.veto_failures
            ],
            "passed": self.passed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentResult:
        """Inverse of ``to_dict``; the derived keys (failed checks, reasons) are recomputed."""
        if data.get("version") != RESULT_VERSION:
            raise ValueError(f"unsupported consent result version {data.get('version')!r}")
        return cls(
            ruleset_id=data["ruleset_id"],
            matter=Matter(data["matter"]),
            scope_flats=data["scope_flats"],
            scope_area=Decimal(data["scope_area"]),
            scope_owners=data["scope_owners"],
            participating_flats=data["participating_flats"],
            participating_area=Decimal(data["participating_area"]),
            participating_owners=data["participating_owners"],
            agreeing_area=Decimal(data["agreeing_area"]),
            agreeing_owners=data["agreeing_owners"],
            checks=tuple(
                ThresholdCheck(
                    name=c["name"],
                    required=c["required"],
                    actual=Fraction(c["actual"]),
                    rendered=c["rendered"],
                    passed=c["passed"],
                )
                for c in data["checks"]
            ),
            veto_failures=tuple(
                VetoFailure(v["flat_id"], None if v["choice"] is None else VoteChoice(v["choice"]))
                for v in data["veto_failures"]
            ),
            passed=data["passed"],
        )


# The unsold developer flats share one owner key that no real owner id can take.
_DEVELOPER = (True, "")


def evaluate_consent(
    flats: Iterable[FlatVoteInput],
    votes: Mapping[str, VoteChoice | str],
    ruleset: Ruleset,
    matter: Matter | str = Matter.ALTERATION,
) -> ConsentResult:
    """Decide a vote under art. 278 and the ruleset's local variant.

    Counting, as DOMAIN.md states it: area counts per flat; headcount is one per owner,
    and all unsold developer flats together are one owner. An owner takes part when any of
    their flats voted; an abstention takes part but does not agree; a flat without a vote
    does not take part.

    An owner holding several flats who votes differently per flat counts **by head as
    agreeing only if every flat of theirs that voted agreed** (each flat's area still counts
    as that flat voted). One head cannot be split, and a mixed vote is not an unambiguous
    yes, so it is not counted as one; the rule also keeps an added "agree" from ever
    lowering any ratio.
    """
    try:
        matter = Matter(matter)
    except ValueError:
        raise ConsentError("unknown_matter", field="matter", matter=matter) from None
    scope = _check_flats(flats)
    choices = _check_votes(votes, scope)

    owner_choices: dict[tuple[bool, str], list[VoteChoice]] = {}
    for flat in scope.values():
        owner_choices.setdefault(_owner_key(flat), [])
        if flat.flat_id in choices:
            owner_choices[_owner_key(flat)].append(choices[flat.flat_id])
    voting_owners = [cs for cs in owner_choices.values() if cs]

    with localcontext() as ctx:
        # Sums of registered areas are exact; trap rather than round if one ever is not.
        ctx.prec = 60
        ctx.traps[Inexact] = True
        scope_area = sum((f.area for f in scope.values()), Decimal(0))
        participating_area = sum((scope[i].area for i in choices), Decimal(0))
        agreeing_area = sum(
            (scope[i].area for i, c in choices.items() if c is VoteChoice.AGREE), Decimal(0)
        )
    scope_owners = len(owner_choices)
    participating_owners = len(voting_owners)
    agreeing_owners = sum(all(c is VoteChoice.AGREE for c in cs) for cs in voting_owners)

    rules = ruleset.consent_rules(matter)
    checks = [
        _area_check("quorum_area", rules.quorum_area, participating_area, scope_area),
        _head_check("quorum_owners", rules.quorum_owners, participating_owners, scope_owners),
        _area_check("pass_area", rules.pass_area, agreeing_area, participating_area),
        _head_check("pass_owners", rules.pass_owners, agreeing_owners, participating_owners),
    ]
    if rules.all_owners_area is not None:
        checks.append(
            _area_check("all_owners_area", rules.all_owners_area, agreeing_area, scope_area)
        )
    if rules.all_owners_owners is not None:
        checks.append(
            _head_check("all_owners_owners", rules.all_owners_owners, agreeing_owners, scope_owners)
        )
    vetoes = tuple(
        VetoFailure(flat.flat_id, choices.get(flat.flat_id))
        for flat in sorted(scope.values(), key=lambda f: f.flat_id)
        if flat.holds_veto and choices.get(flat.flat_id) is not VoteChoice.AGREE
    )
    return ConsentResult(
        ruleset_id=ruleset.id,
        matter=matter,
        scope_flats=len(scope),
        scope_area=scope_area,
        scope_owners=scope_owners,
        participating_flats=len(choices),
        participating_area=participating_area,
        participating_owners=participating_owners,
        agreeing_area=agreeing_area,
        agreeing_owners=agreeing_owners,
        checks=tuple(checks),
        veto_failures=vetoes,
        passed=all(c.passed for c in checks) and not vetoes,
    )


def _owner_key(flat: FlatVoteInput) -> tuple[bool, str]:
    return _DEVELOPER if flat.is_unsold_developer_flat else (False, flat.owner_id)


def _check_flats(flats: Iterable[FlatVoteInput]) -> dict[str, FlatVoteInput]:
    scope: dict[str, FlatVoteInput] = {}
    for flat in flats:
        if flat.flat_id in scope:
            raise InvalidFlatError("listed_twice", field="flats", name=flat.flat_id)
        area = flat.area
        if not isinstance(area, Decimal | int) or isinstance(area, bool):
            raise InvalidFlatError("flat_area_positive", field="flats", flat=flat.flat_id)
        if not Decimal(area).is_finite() or area <= 0:
            raise InvalidFlatError("flat_area_positive", field="flats", flat=flat.flat_id)
        if not flat.is_unsold_developer_flat and not flat.owner_id:
            raise InvalidFlatError("flat_without_owner", field="flats", flat=flat.flat_id)
        scope[flat.flat_id] = flat
    if not scope:
        raise EmptyScopeError("empty_scope", field="flats")
    return scope


def _check_votes(
    votes: Mapping[str, VoteChoice | str], scope: Mapping[str, FlatVoteInput]
) -> dict[str, VoteChoice]:
    choices: dict[str, VoteChoice] = {}
    for flat_id, choice in votes.items():
        if flat_id not in scope:
            raise UnknownFlatError("vote_flat_not_in_scope", field="votes", flat=flat_id)
        try:
            choices[flat_id] = VoteChoice(choice)
        except ValueError:
            raise InvalidVoteError(
                "invalid_vote", field="votes", flat=flat_id, choice=str(choice)
            ) from None
    return choices


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction:
    # Nobody voted: the pass ratios are undefined; 0 fails them as it must.
    return numerator / denominator if denominator else Fraction(0)


def _percent(value: Fraction) -> str:
    hundredths = (value.numerator * 20000 + value.denominator) // (2 * value.denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _area_check(name: str, threshold: Threshold, part: Decimal, whole: Decimal) -> ThresholdCheck:
    actual = _ratio(Fraction(part), Fraction(whole))
    return ThresholdCheck(
        name=name,
        required=threshold.render(),
        actual=actual,
        rendered=f"{part:f}/{whole:f} = {_percent(actual)}",
        passed=bool(whole) and threshold.is_met(actual),
    )


def _head_check(name: str, threshold: Threshold, part: int, whole: int) -> ThresholdCheck:
    actual = _ratio(Fraction(part), Fraction(whole))
    return ThresholdCheck(
        name=name,
        required=threshold.render(),
        actual=actual,
        rendered=f"{part}/{whole} = {_percent(actual)}",
        passed=bool(whole) and threshold.is_met(actual),
    )
