"""The renovation project aggregate: one 小区, its flats, its plan and its stage.

Commands check the rules and trigger events; state changes only in ``when()`` handlers,
so replaying the stored events rebuilds exactly the state that was decided on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.project import (
    ContentItemProgressRecorded,
    ProjectEvent,
    ProjectRegistered,
    StageChanged,
)
from renovation.domain.errors import (
    DomainError,
    InvalidProjectDataError,
    StageGateError,
    UnknownContentItemError,
)
from renovation.domain.stages import TRANSITIONS, Stage, gate_for

CATEGORIES = ("basic", "improvement", "upgrade")
MAX_NAME = 200
MAX_NOTE = 2000


@dataclass(frozen=True)
class Actor:
    """Who asked for a change: a user (id and role) or a resident, and by which channel."""

    id: str
    role: str
    channel: str = "api"


class RenovationProject(Aggregate):
    """One old-neighbourhood renovation project."""

    def __init__(self) -> None:
        # Filled by ``when(ProjectRegistered)``; declared here for readers.
        self.community: dict[str, Any] = {}
        self.buildings: list[dict[str, Any]] = []
        self.content_items: list[dict[str, Any]] = []
        self.budget: list[dict[str, Any]] = []
        self.planned_start: date | None = None
        self.planned_finish: date | None = None
        self.stage: str = Stage.REGISTERED.value
        self.stage_history: list[dict[str, Any]] = []
        self.command_ids: dict[str, int] = {}

    # ---- commands -------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        community: dict[str, Any],
        buildings: list[dict[str, Any]],
        content_items: list[dict[str, Any]],
        budget: list[dict[str, Any]],
        planned_start: date | None,
        planned_finish: date | None,
        actor: Actor,
        project_id: UUID | None = None,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> RenovationProject:
        """Register a community; refuses incomplete or inconsistent data, naming each field."""
        problems: dict[str, list[str]] = {}
        community = _check_community(community, problems)
        buildings = _check_buildings(buildings, problems)
        content_items = _check_content_items(content_items, problems)
        budget = _check_budget(budget, problems)
        for name, value in (("planned_start", planned_start), ("planned_finish", planned_finish)):
            if value is not None and not isinstance(value, date):
                problems.setdefault(name, []).append("must be a date")
        if (
            isinstance(planned_start, date)
            and isinstance(planned_finish, date)
            and planned_finish < planned_start
        ):
            problems.setdefault("planned_finish", []).append(
                "must not be before planned_start"
            )
        if problems:
            raise InvalidProjectDataError(problems)
        return cls._create(
            ProjectRegistered,
            id=project_id,
            community=community,
            buildings=buildings,
            content_items=content_items,
            budget=budget,
            planned_start=planned_start,
            planned_finish=planned_finish,
            **_provenance(actor, command_id, effective_on),
        )

    def move_to(
        self,
        to_stage: str,
        *,
        actor: Actor,
        note: str = "",
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """Move to ``to_stage``; a move the life of a project does not allow names its gate."""
        try:
            target = Stage(to_stage)
        except ValueError:
            raise DomainError(f"unknown stage {to_stage!r}", field="to_stage") from None
        if len(note) > MAX_NOTE:
            raise DomainError(f"at most {MAX_NOTE} characters", field="note")
        current = Stage(self.stage)
        if target not in TRANSITIONS[current]:
            gate = gate_for(current, target)
            raise StageGateError(
                f"cannot move from {current} to {target}: gate {gate!r} is not passed",
                gate=gate,
                from_stage=current,
                to_stage=target,
            )
        self.trigger_event(
            StageChanged,
            from_stage=current.value,
            to_stage=target.value,
            note=note,
            **_provenance(actor, command_id, effective_on),
        )

    def record_progress(
        self,
        item_id: str,
        actual_quantity: Decimal,
        *,
        actor: Actor,
        note: str = "",
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> None:
        """Record how much of a content item has been built so far."""
        if self.find_content_item(item_id) is None:
            raise UnknownContentItemError(f"no content item {item_id!r}", field="item_id")
        if actual_quantity < 0:
            raise DomainError("must not be negative", field="actual_quantity")
        if self.stage not in _BUILDING_STAGES:
            raise StageGateError(
                "progress is recorded once construction has started",
                gate="requires_under_construction",
                from_stage=self.stage,
                to_stage=self.stage,
            )
        self.trigger_event(
            ContentItemProgressRecorded,
            item_id=item_id,
            actual_quantity=actual_quantity,
            note=note,
            **_provenance(actor, command_id, effective_on),
        )

    # ---- queries --------------------------------------------------------------------

    def version_of_command(self, command_id: str | None) -> int | None:
        """The version that the command with this id produced, if it was already applied."""
        return self.command_ids.get(command_id) if command_id else None

    def find_content_item(self, item_id: str) -> dict[str, Any] | None:
        return next((i for i in self.content_items if i["id"] == item_id), None)

    def flats(self) -> list[dict[str, Any]]:
        """Every flat with its building and unit codes."""
        return [
            {"building": b["code"], "unit": u["code"], **f}
            for b in self.buildings
            for u in b["units"]
            for f in u["flats"]
        ]

    # ---- state changes --------------------------------------------------------------

    @singledispatchmethod
    def when(self, event: ProjectEvent) -> None:
        raise NotImplementedError(type(event).__qualname__)  # an event nobody folds

    @when.register
    def _(self, event: ProjectRegistered) -> None:
        self.community = dict(event.community)
        self.buildings = [dict(b) for b in event.buildings]
        self.content_items = [dict(i, actual_quantity=None) for i in event.content_items]
        self.budget = [dict(b) for b in event.budget]
        self.planned_start = event.planned_start
        self.planned_finish = event.planned_finish
        self._remember(event)

    @when.register
    def _(self, event: StageChanged) -> None:
        self.stage = event.to_stage
        self.stage_history.append(
            {
                "from_stage": event.from_stage,
                "to_stage": event.to_stage,
                "at": event.timestamp,
                "effective_on": event.effective_on,
                "actor_id": event.actor_id,
                "version": event.originator_version,
            }
        )
        self._remember(event)

    @when.register
    def _(self, event: ContentItemProgressRecorded) -> None:
        item = self.find_content_item(event.item_id)
        assert item is not None
        item["actual_quantity"] = event.actual_quantity
        self._remember(event)

    def _remember(self, event: ProjectEvent) -> None:
        if event.command_id:
            self.command_ids[event.command_id] = event.originator_version


_BUILDING_STAGES = {
    Stage.UNDER_CONSTRUCTION.value,
    Stage.ACCEPTANCE_INSPECTION.value,
    Stage.RECTIFICATION.value,
}


def _provenance(actor: Actor, command_id: str | None, effective_on: date | None) -> dict:
    return {
        "actor_id": actor.id,
        "actor_role": actor.role,
        "channel": actor.channel,
        "effective_on": effective_on,
        "command_id": command_id,
    }


# ---- registration checks -----------------------------------------------------------


def _text(value: Any, field: str, problems: dict, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        problems.setdefault(field, []).append("must be text")
    elif required and not text:
        problems.setdefault(field, []).append("must not be empty")
    elif len(text) > MAX_NAME:
        problems.setdefault(field, []).append(f"at most {MAX_NAME} characters")
    return text


def _decimal(value: Any, field: str, problems: dict, *, positive: bool) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        problems.setdefault(field, []).append("must be a number")
        return Decimal(0)
    if not number.is_finite():
        problems.setdefault(field, []).append("must be a finite number")
    elif positive and number <= 0:
        problems.setdefault(field, []).append("must be greater than 0")
    elif number < 0:
        problems.setdefault(field, []).append("must not be negative")
    return number


def _check_community(community: dict[str, Any], problems: dict) -> dict[str, Any]:
    checked = {
        "name": _text(community.get("name"), "community.name", problems),
        "district": _text(community.get("district"), "community.district", problems),
        "city": _text(community.get("city"), "community.city", problems, required=False),
        "street": _text(community.get("street"), "community.street", problems, required=False),
        "address": _text(community.get("address"), "community.address", problems, required=False),
        "year_built": community.get("year_built"),
    }
    year = checked["year_built"]
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        problems.setdefault("community.year_built", []).append("must be a year")
    return checked


def _check_buildings(buildings: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    if not buildings:
        problems.setdefault("buildings", []).append("at least one building")
    checked, building_codes = [], set()
    for b_index, building in enumerate(buildings):
        path = f"buildings.{b_index}"
        code = _text(building.get("code"), f"{path}.code", problems)
        if code in building_codes:
            problems.setdefault(f"{path}.code", []).append(f"building {code} is listed twice")
        building_codes.add(code)
        units, unit_codes = [], set()
        if not building.get("units"):
            problems.setdefault(f"{path}.units", []).append("at least one unit")
        for u_index, unit in enumerate(building.get("units") or []):
            upath = f"{path}.units.{u_index}"
            ucode = _text(unit.get("code"), f"{upath}.code", problems)
            if ucode in unit_codes:
                problems.setdefault(f"{upath}.code", []).append(
                    f"unit {code}-{ucode} is listed twice"
                )
            unit_codes.add(ucode)
            if not unit.get("flats"):
                problems.setdefault(f"{upath}.flats", []).append("at least one flat")
            units.append(
                {"code": ucode, "flats": _check_flats(unit.get("flats") or [], upath, problems)}
            )
        checked.append({"code": code, "name": building.get("name") or "", "units": units})
    return checked


def _check_flats(flats: list[dict[str, Any]], upath: str, problems: dict) -> list[dict]:
    checked, numbers = [], set()
    for f_index, flat in enumerate(flats):
        fpath = f"{upath}.flats.{f_index}"
        number = _text(flat.get("number"), f"{fpath}.number", problems)
        if number in numbers:
            problems.setdefault(f"{fpath}.number", []).append(f"flat {number} is listed twice")
        numbers.add(number)
        floor = flat.get("floor")
        if not isinstance(floor, int) or isinstance(floor, bool) or not -5 <= floor <= 100:
            problems.setdefault(f"{fpath}.floor", []).append("must be a floor number")
        unsold = bool(flat.get("unsold", False))
        owner = _text(flat.get("owner_ref"), f"{fpath}.owner_ref", problems, required=not unsold)
        checked.append(
            {
                "number": number,
                "floor": floor,
                "area": _decimal(flat.get("area"), f"{fpath}.area", problems, positive=True),
                # Unsold developer flats together count as one owner (DOMAIN.md, consent).
                "owner_ref": owner if not unsold else "developer",
                "unsold": unsold,
            }
        )
    return checked


def _check_content_items(items: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    checked, seen = [], set()
    for index, item in enumerate(items):
        path = f"content_items.{index}"
        category = item.get("category")
        if category not in CATEGORIES:
            problems.setdefault(f"{path}.category", []).append(
                f"must be one of {', '.join(CATEGORIES)}"
            )
        name = _text(item.get("item"), f"{path}.item", problems)
        if (category, name) in seen:
            problems.setdefault(f"{path}.item", []).append(f"{name} is listed twice")
        seen.add((category, name))
        checked.append(
            {
                "id": f"item-{index + 1}",
                "category": category,
                "item": name,
                "unit": _text(item.get("unit"), f"{path}.unit", problems),
                "planned_quantity": _decimal(
                    item.get("planned_quantity"), f"{path}.planned_quantity", problems,
                    positive=False,
                ),
            }
        )
    return checked


def _check_budget(budget: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    checked, sources = [], set()
    for index, line in enumerate(budget):
        path = f"budget.{index}"
        source = _text(line.get("source"), f"{path}.source", problems)
        if source in sources:
            problems.setdefault(f"{path}.source", []).append(f"{source} is listed twice")
        sources.add(source)
        amount = _decimal(line.get("amount"), f"{path}.amount", problems, positive=False)
        if amount != amount.quantize(Decimal("0.01")):
            problems.setdefault(f"{path}.amount", []).append("at most two decimals (fen)")
        checked.append({"source": source, "amount": amount})
    return checked
