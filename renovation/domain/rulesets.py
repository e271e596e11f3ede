"""Local rules kept as data: consent thresholds, periods, lift cost coefficients, subsidies.

Cities differ and change their rules over time, so every figure lives in an
effective-dated JSON file under ``rulesets/`` and each decision names the ruleset it used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any

from renovation.domain.errors import DomainError

__all__ = [
    "ConsentRules",
    "Matter",
    "Ruleset",
    "RulesetFormatError",
    "RulesetNotFoundError",
    "Threshold",
    "all_rulesets",
    "get_ruleset",
    "load_rulesets",
    "parse_ruleset",
    "ruleset_in_force",
]


class Matter(StrEnum):
    """Matter classes of Civil Code art. 278, which decide the pass thresholds."""

    ALTERATION = "alteration"  # 改建、重建, raise the maintenance fund, change use of common parts
    ORDINARY = "ordinary"  # other common matters


class RulesetNotFoundError(DomainError, LookupError):
    """No ruleset with that id, or none in force for that city on that date."""

    code = "ruleset_not_found"


class RulesetFormatError(ValueError):
    """A ruleset file is malformed; the message names the file and the offending key."""


@dataclass(frozen=True)
class Threshold:
    """A share that must be reached: inclusive for "以上" (≥), strict for "过半数" (>)."""

    ratio: Fraction
    inclusive: bool = True

    def is_met(self, actual: Fraction) -> bool:
        return actual >= self.ratio if self.inclusive else actual > self.ratio

    def render(self) -> str:
        return f"{'≥' if self.inclusive else '>'} {self.ratio}"


@dataclass(frozen=True)
class ConsentRules:
    """Thresholds for one matter class.

    ``all_owners_*`` is the local variant asking a share of *all* owners in the scope to
    agree (not only of those who voted); ``None`` where the ruleset has no such rule.
    """

    quorum_area: Threshold
    quorum_owners: Threshold
    pass_area: Threshold
    pass_owners: Threshold
    all_owners_area: Threshold | None = None
    all_owners_owners: Threshold | None = None


@dataclass(frozen=True)
class Ruleset:
    """One effective-dated set of local rules; ``city_code`` is ``None`` for the national one.

    ``effective_until`` is the last day in force (inclusive), ``None`` while open-ended.
    """

    id: str
    name: str
    city_code: str | None
    city_name: str | None
    effective_from: date
    effective_until: date | None
    alteration: ConsentRules
    ordinary: ConsentRules
    notice_period_days: int
    objection_period_days: int
    floor_coefficients: tuple[Decimal, ...]  # index 0 is floor 1
    subsidy_per_lift: Decimal
    satisfaction_threshold: Fraction  # inclusive: a rate ≥ this meets the bar
    opinion_response_working_days: int
    # Completion acceptance (竣工验收): the quality supervision body is told this many working
    # days before the meeting; the record is filed (备案) within this many days of passing.
    acceptance_notice_working_days: int
    acceptance_filing_days: int
    # Satisfaction evaluation (问效): below this share of households in scope answering, the
    # result does not count (inclusive: coverage ≥ this is enough).
    evaluation_min_coverage: Fraction
    note: str = ""

    def consent_rules(self, matter: Matter | str) -> ConsentRules:
        return self.alteration if Matter(matter) is Matter.ALTERATION else self.ordinary

    def floor_coefficient(self, floor: int) -> Decimal:
        """Floors above the last listed one pay the top coefficient."""
        if isinstance(floor, bool) or not isinstance(floor, int) or floor < 1:
            raise ValueError(f"floor must be a whole number from 1, got {floor!r}")
        return self.floor_coefficients[min(floor, len(self.floor_coefficients)) - 1]

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )

    def to_dict(self) -> dict[str, Any]:
        """The ruleset in its JSON file shape (fractions "n/d", money as strings)."""

        def threshold(t: Threshold | None) -> dict[str, Any] | None:
            return None if t is None else {"ratio": str(t.ratio), "inclusive": t.inclusive}

        def consent(rules: ConsentRules) -> dict[str, Any]:
            names = sorted(_CONSENT_KEYS | _OPTIONAL_CONSENT_KEYS)
            return {name: threshold(getattr(rules, name)) for name in names}

        until = self.effective_until
        return {
            "id": self.id,
            "name": self.name,
            "city": None
            if self.city_code is None
            else {"code": self.city_code, "name": self.city_name},
            "effective_from": self.effective_from.isoformat(),
            "effective_until": None if until is None else until.isoformat(),
            "consent": {"alteration": consent(self.alteration), "ordinary": consent(self.ordinary)},
            "notice_period_days": self.notice_period_days,
            "objection_period_days": self.objection_period_days,
            "floor_coefficients": {
                str(floor): str(c) for floor, c in enumerate(self.floor_coefficients, start=1)
            },
            "subsidy_per_lift": str(self.subsidy_per_lift),
            "satisfaction_threshold": str(self.satisfaction_threshold),
            "opinion_response_working_days": self.opinion_response_working_days,
            "acceptance_notice_working_days": self.acceptance_notice_working_days,
            "acceptance_filing_days": self.acceptance_filing_days,
            "evaluation_min_coverage": str(self.evaluation_min_coverage),
            "note": self.note,
        }


# ---- loading ------------------------------------------------------------------------

_FRACTION = re.compile(r"[0-9]+/[1-9][0-9]*")
_MONEY = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_COEFFICIENT = re.compile(r"[0-9]+(\.[0-9]+)?")
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

_TOP_KEYS = {
    "id", "name", "city", "effective_from", "effective_until", "consent",
    "notice_period_days", "objection_period_days", "floor_coefficients",
    "subsidy_per_lift", "satisfaction_threshold", "opinion_response_working_days", "note",
    "acceptance_notice_working_days", "acceptance_filing_days", "evaluation_min_coverage",
}  # fmt: skip
_OPTIONAL_TOP_KEYS = {"effective_until", "note"}
_CONSENT_KEYS = {"quorum_area", "quorum_owners", "pass_area", "pass_owners"}
_OPTIONAL_CONSENT_KEYS = {"all_owners_area", "all_owners_owners"}
_NONE: frozenset[str] = frozenset()


class _Reader:
    """Typed access to one JSON object with error messages that name the path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> RulesetFormatError:
        return RulesetFormatError(f"{self.source}: {path}: {problem}")

    def obj(
        self, value: Any, path: str, required: AbstractSet[str], optional: AbstractSet[str] = _NONE
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {type(value).__name__}")
        if missing := sorted(required - value.keys()):
            raise self.fail(path, f"missing key(s) {', '.join(missing)}")
        if unknown := sorted(value.keys() - required - optional):
            raise self.fail(path, f"unknown key(s) {', '.join(unknown)}")
        return value

    def text(self, value: Any, path: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected a non-empty string, got {value!r}")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(path, f"malformed value {value!r}")
        return value

    def day(self, value: Any, path: str) -> date:
        try:
            return date.fromisoformat(self.text(value, path))
        except ValueError:
            raise self.fail(path, f"expected an ISO date YYYY-MM-DD, got {value!r}") from None

    def count(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(path, f"expected a whole number ≥ 1, got {value!r}")
        return value

    def fraction(self, value: Any, path: str) -> Fraction:
        if not isinstance(value, str) or not _FRACTION.fullmatch(value):
            raise self.fail(path, f"expected a fraction string like '2/3', got {value!r}")
        ratio = Fraction(value)
        if not 0 < ratio <= 1:
            raise self.fail(path, f"must lie in (0, 1], got {value}")
        return ratio

    def threshold(self, value: Any, path: str) -> Threshold:
        data = self.obj(value, path, {"ratio", "inclusive"})
        if not isinstance(data["inclusive"], bool):
            raise self.fail(f"{path}.inclusive", "expected true (≥, 以上) or false (>, 过半数)")
        return Threshold(self.fraction(data["ratio"], f"{path}.ratio"), data["inclusive"])

    def consent(self, value: Any, path: str) -> ConsentRules:
        data = self.obj(value, path, _CONSENT_KEYS, _OPTIONAL_CONSENT_KEYS)
        return ConsentRules(
            **{key: self.threshold(data[key], f"{path}.{key}") for key in _CONSENT_KEYS},
            **{
                key: self.threshold(data[key], f"{path}.{key}")
                for key in _OPTIONAL_CONSENT_KEYS
                if data.get(key) is not None
            },
        )

    def coefficients(self, value: Any, path: str) -> tuple[Decimal, ...]:
        if not isinstance(value, dict) or not value:
            raise self.fail(path, "expected a non-empty object of floor → coefficient")
        floors = [str(floor) for floor in range(1, len(value) + 1)]
        if set(value) != set(floors):
            raise self.fail(path, "floors must be listed as '1', '2', … without gaps")
        return tuple(
            Decimal(self.text(value[floor], f"{path}.{floor}", _COEFFICIENT)) for floor in floors
        )


def parse_ruleset(data: Any, source: str = "<ruleset>") -> Ruleset:
    """Build a ruleset from decoded JSON, refusing anything ambiguous rather than guessing."""
    read = _Reader(source)
    data = read.obj(data, "$", _TOP_KEYS - _OPTIONAL_TOP_KEYS, _OPTIONAL_TOP_KEYS)
    city = data["city"]
    if city is not None:
        city = read.obj(city, "city", {"code", "name"})
        city_code, city_name = (
            read.text(city["code"], "city.code"),
            read.text(city["name"], "city.name"),
        )
    else:
        city_code = city_name = None
    effective_from = read.day(data["effective_from"], "effective_from")
    effective_until = (
        None
        if data.get("effective_until") is None
        else read.day(data["effective_until"], "effective_until")
    )
    if effective_until is not None and effective_until < effective_from:
        raise read.fail("effective_until", "is before effective_from")
    consent = read.obj(data["consent"], "consent", {str(m) for m in Matter})
    note = data.get("note", "")
    if not isinstance(note, str):
        raise read.fail("note", "expected a string")
    return Ruleset(
        id=read.text(data["id"], "id", _ID),
        name=read.text(data["name"], "name"),
        city_code=city_code,
        city_name=city_name,
        effective_from=effective_from,
        effective_until=effective_until,
        alteration=read.consent(consent["alteration"], "consent.alteration"),
        ordinary=read.consent(consent["ordinary"], "consent.ordinary"),
        notice_period_days=read.count(data["notice_period_days"], "notice_period_days"),
        objection_period_days=read.count(data["objection_period_days"], "objection_period_days"),
        floor_coefficients=read.coefficients(data["floor_coefficients"], "floor_coefficients"),
        subsidy_per_lift=Decimal(read.text(data["subsidy_per_lift"], "subsidy_per_lift", _MONEY)),
        satisfaction_threshold=read.fraction(
            data["satisfaction_threshold"], "satisfaction_threshold"
        ),
        opinion_response_working_days=read.count(
            data["opinion_response_working_days"], "opinion_response_working_days"
        ),
        acceptance_notice_working_days=read.count(
            data["acceptance_notice_working_days"], "acceptance_notice_working_days"
        ),
        acceptance_filing_days=read.count(data["acceptance_filing_days"], "acceptance_filing_days"),
        evaluation_min_coverage=read.fraction(
            data["evaluation_min_coverage"], "evaluation_min_coverage"
        ),
        note=note,
    )


def load_rulesets(directory: Traversable | Path | None = None) -> tuple[Ruleset, ...]:
    """Read and check every ``*.json`` ruleset; ids must be unique and a city's periods disjoint."""
    directory = directory or resources.files(__package__) / "rulesets"
    rulesets = []
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RulesetFormatError(f"{entry.name}: not valid JSON: {exc}") from None
        rulesets.append(parse_ruleset(data, entry.name))
    _check_consistent(rulesets)
    return tuple(rulesets)


def _check_consistent(rulesets: Iterable[Ruleset]) -> None:
    seen: dict[str, Ruleset] = {}
    by_city: dict[str | None, list[Ruleset]] = {}
    for ruleset in rulesets:
        if ruleset.id in seen:
            raise RulesetFormatError(f"ruleset id {ruleset.id!r} is defined twice")
        seen[ruleset.id] = ruleset
        by_city.setdefault(ruleset.city_code, []).append(ruleset)
    for city, versions in by_city.items():
        versions.sort(key=lambda r: r.effective_from)
        for earlier, later in pairwise(versions):
            if earlier.effective_until is None or earlier.effective_until >= later.effective_from:
                raise RulesetFormatError(
                    f"rulesets {earlier.id!r} and {later.id!r} for "
                    f"{city or 'national'} overlap in time"
                )


@cache
def all_rulesets() -> tuple[Ruleset, ...]:
    """The packaged rulesets, read once per process."""
    return load_rulesets()


def get_ruleset(ruleset_id: str, rulesets: Iterable[Ruleset] | None = None) -> Ruleset:
    """The ruleset a stored decision names, so it can be explained or re-checked later."""
    for ruleset in all_rulesets() if rulesets is None else rulesets:
        if ruleset.id == ruleset_id:
            return ruleset
    raise RulesetNotFoundError("unknown_ruleset", field="ruleset_id", ruleset_id=ruleset_id)


def ruleset_in_force(
    city: str | None, on: date, rulesets: Iterable[Ruleset] | None = None
) -> Ruleset:
    """The city's ruleset in force on ``on`` (by city code), else the national one."""
    candidates = tuple(all_rulesets() if rulesets is None else rulesets)
    for wanted in (city, None) if city is not None else (None,):
        for ruleset in candidates:
            if ruleset.city_code == wanted and ruleset.in_force_on(on):
                return ruleset
    raise RulesetNotFoundError("no_ruleset_in_force", field="ruleset_id", on_date=on)
