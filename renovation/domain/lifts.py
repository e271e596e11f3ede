"""Lift retrofits (既有住宅加装电梯), one per unit: stages, gates, and the rules between them.

Pure functions over plain values; the project aggregate applies them before it triggers events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from renovation.domain.errors import (
    DomainError,
    InvalidProjectDataError,
    Problem,
    StageGateError,
    add_problem,
)
from renovation.domain.rulesets import Ruleset

OBJECTION_OUTCOMES = ("mediated", "upheld", "dismissed")
LIFT_CHOICES = ("agree", "disagree", "abstain")
MAX_OBJECTION = 2000


class LiftStage(StrEnum):
    WILLINGNESS_POLL = "willingness_poll"
    CONSENT_PASSED = "consent_passed"
    AGREEMENT_SIGNED = "agreement_signed"
    DESIGN = "design"
    PUBLIC_NOTICE = "public_notice"
    OBJECTION_WINDOW = "objection_window"
    OBJECTION_MEDIATION = "objection_mediation"
    PERMIT_OR_EXEMPTION = "permit_or_exemption"
    INSTALLATION_NOTIFIED = "installation_notified"
    UNDER_CONSTRUCTION = "under_construction"
    SUPERVISORY_INSPECTION_PASSED = "supervisory_inspection_passed"
    COMPLETION_ACCEPTED = "completion_accepted"
    DOCUMENTS_HANDED_OVER = "documents_handed_over"
    USE_REGISTERED = "use_registered"
    IN_SERVICE = "in_service"
    ABANDONED = "abandoned"


ORDER = [s for s in LiftStage if s is not LiftStage.ABANDONED]

# The moves staff make by hand; reaching consent_passed is the poll's result, not a move.
MOVES: dict[LiftStage, tuple[LiftStage, ...]] = {
    LiftStage.CONSENT_PASSED: (LiftStage.AGREEMENT_SIGNED,),
    LiftStage.AGREEMENT_SIGNED: (LiftStage.DESIGN,),
    LiftStage.DESIGN: (LiftStage.PUBLIC_NOTICE,),
    LiftStage.PUBLIC_NOTICE: (LiftStage.OBJECTION_WINDOW,),
    LiftStage.OBJECTION_WINDOW: (LiftStage.OBJECTION_MEDIATION, LiftStage.PERMIT_OR_EXEMPTION),
    LiftStage.OBJECTION_MEDIATION: (LiftStage.PERMIT_OR_EXEMPTION,),
    LiftStage.PERMIT_OR_EXEMPTION: (LiftStage.INSTALLATION_NOTIFIED,),
    LiftStage.INSTALLATION_NOTIFIED: (LiftStage.UNDER_CONSTRUCTION,),
    LiftStage.UNDER_CONSTRUCTION: (LiftStage.SUPERVISORY_INSPECTION_PASSED,),
    LiftStage.SUPERVISORY_INSPECTION_PASSED: (LiftStage.COMPLETION_ACCEPTED,),
    LiftStage.COMPLETION_ACCEPTED: (LiftStage.DOCUMENTS_HANDED_OVER,),
    LiftStage.DOCUMENTS_HANDED_OVER: (LiftStage.USE_REGISTERED,),
    LiftStage.USE_REGISTERED: (LiftStage.IN_SERVICE,),
}

# What each stage needs recorded when it is reached (details of the move).
REQUIRED_DETAILS: dict[LiftStage, tuple[str, ...]] = {
    LiftStage.AGREEMENT_SIGNED: ("manager", "budget", "cost_sharing", "maintenance_sharing"),
    LiftStage.PERMIT_OR_EXEMPTION: ("document",),
    LiftStage.INSTALLATION_NOTIFIED: ("authority",),
    LiftStage.SUPERVISORY_INSPECTION_PASSED: ("report",),
    LiftStage.USE_REGISTERED: ("registration",),
}

# Gate names for a move that skips ahead: what the target stage waits for.
SKIP_GATES: dict[LiftStage, str] = {
    LiftStage.UNDER_CONSTRUCTION: "installation_notified",  # 特种设备安全法 art. 23
    LiftStage.COMPLETION_ACCEPTED: "supervisory_inspection_passed",  # art. 25
    LiftStage.DOCUMENTS_HANDED_OVER: "completion_accepted",
    LiftStage.IN_SERVICE: "use_registered",  # art. 33
    LiftStage.PERMIT_OR_EXEMPTION: "notice_and_objections_closed",
}
# The refusal code of each of those gates.
SKIP_CODES: dict[str, str] = {
    "installation_notified": "lift_installation_not_notified",
    "supervisory_inspection_passed": "lift_inspection_not_passed",
    "completion_accepted": "lift_completion_not_accepted",
    "use_registered": "lift_use_not_registered",
    "notice_and_objections_closed": "lift_notice_and_objections_open",
}


class LiftError(DomainError):
    code = "lift_rule"


class UnknownLiftError(DomainError):
    code = "unknown_lift"


class UnknownObjectionError(DomainError):
    code = "unknown_objection"


def lift_id(building: str, unit: str) -> str:
    """A unit has at most one lift retrofit: its id is the unit's."""
    return f"{building}-{unit}"


def check_move(lift: dict[str, Any], to_stage: str, on: date, details: dict[str, Any]) -> None:
    """Refuse a move the life of a lift retrofit does not allow, naming the gate."""
    try:
        target = LiftStage(to_stage)
    except ValueError:
        raise LiftError("unknown_lift_stage", field="to_stage", lift_to=to_stage) from None
    current = LiftStage(lift["stage"])
    if current is LiftStage.ABANDONED:
        raise StageGateError("lift_abandoned", **_move(current, target, "not_abandoned"))
    if target is LiftStage.ABANDONED:
        if not str(details.get("reason", "")).strip():
            raise LiftError("lift_abandon_reason_required", field="details.reason")
        return
    if target not in MOVES.get(current, ()):
        gate = SKIP_GATES.get(target)
        if gate is None:
            raise StageGateError(
                "lift_stage_skipped",
                lift_required=_stage_before(target),
                **_move(current, target, f"requires_{_stage_before(target)}"),
            )
        raise StageGateError(SKIP_CODES[gate], **_move(current, target, gate))
    if target is LiftStage.OBJECTION_WINDOW and on <= lift["notice_ends_on"]:
        raise StageGateError(
            "lift_notice_running",
            ends_on=lift["notice_ends_on"],
            **_move(current, target, "notice_period_over"),
        )
    if target in (LiftStage.PERMIT_OR_EXEMPTION, LiftStage.OBJECTION_MEDIATION):
        if current is LiftStage.OBJECTION_WINDOW and on <= lift["objections_end_on"]:
            raise StageGateError(
                "lift_objection_window_open",
                ends_on=lift["objections_end_on"],
                **_move(current, target, "objection_window_over"),
            )
        open_objections = [o for o in lift["objections"].values() if o["outcome"] is None]
        if target is LiftStage.PERMIT_OR_EXEMPTION and open_objections:
            raise StageGateError(
                "lift_objections_unanswered",
                count=len(open_objections),
                **_move(current, target, "no_open_objection"),
            )
        if target is LiftStage.OBJECTION_MEDIATION and not open_objections:
            raise StageGateError(
                "lift_no_objection_to_mediate", **_move(current, target, "open_objection")
            )
    problems: dict[str, list[Problem]] = {}
    for name in REQUIRED_DETAILS.get(target, ()):
        if details.get(name) in (None, ""):
            add_problem(problems, f"details.{name}", "required_at_stage", lift_to=target.value)
    if target is LiftStage.AGREEMENT_SIGNED and "details.budget" not in problems:
        budget = details["budget"]
        if (
            not isinstance(budget, Decimal)
            or budget <= 0
            or budget != budget.quantize(Decimal("0.01"))
        ):
            add_problem(problems, "details.budget", "lift_budget_amount")
    if problems:
        raise InvalidProjectDataError(problems)


def _stage_before(target: LiftStage) -> str:
    for source, targets in MOVES.items():
        if target in targets:
            return source.value
    return LiftStage.WILLINGNESS_POLL.value


def _move(current: LiftStage, target: LiftStage, gate: str) -> dict[str, Any]:
    """The gate and stages of a refused move; ``lift_from``/``lift_to`` for the message."""
    return {
        "gate": gate,
        "from_stage": current.value,
        "to_stage": target.value,
        "lift_from": current.value,
        "lift_to": target.value,
    }


def agreed_coefficients(
    floors: Iterable[int],
    given: Mapping[int, Any] | None,
    exempt: Iterable[int] | None,
    ruleset: Ruleset,
) -> tuple[dict[int, Decimal], bool]:
    """The unit's coefficient for each of its ``floors`` as its owners agreed, and whether
    that departs from the ruleset's reference table.

    No coefficients given: the reference table. Given: one for every floor that pays,
    none negative. A floor in ``exempt`` pays nothing (coefficient 0) whatever is given.
    Every problem is named by its field (``details.floor_coefficients.<floor>``).
    """
    unit_floors = sorted(set(floors))
    exempt_floors = sorted(set(exempt or ()))
    given = dict(given or {})
    problems: dict[str, list[Problem]] = {}
    for floor in exempt_floors:
        if floor not in unit_floors:
            add_problem(problems, "details.exempt_floors", "lift_floor_not_in_unit", floor=floor)
    for floor, value in given.items():
        name = f"details.floor_coefficients.{floor}"
        if floor not in unit_floors:
            add_problem(problems, name, "lift_floor_not_in_unit", floor=floor)
        elif not isinstance(value, Decimal) or not value.is_finite():
            add_problem(problems, name, "lift_coefficient_number", floor=floor)
        elif value < 0:
            add_problem(problems, name, "lift_coefficient_negative", floor=floor)
    if given:
        for floor in unit_floors:
            if floor not in exempt_floors and floor not in given:
                add_problem(
                    problems,
                    f"details.floor_coefficients.{floor}",
                    "lift_coefficient_missing",
                    floor=floor,
                )
    if problems:
        raise InvalidProjectDataError(problems)
    table = {
        floor: Decimal(0)
        if floor in exempt_floors
        else given.get(floor, ruleset.floor_coefficient(floor))
        for floor in unit_floors
    }
    departs = any(c != ruleset.floor_coefficient(f) for f, c in table.items())
    return table, departs
