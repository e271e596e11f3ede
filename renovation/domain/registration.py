"""Checks of a project's registration: community, buildings → units → flats, plan, budget.

Each problem is collected under its field's path (``buildings.0.units.1.flats.2.area``), so
the bureau sees every mistake of a registration at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from renovation.domain.checks import (
    MAX_PLANNED_COST,
    beyond_fen,
    check_decimal,
    check_text,
)
from renovation.domain.errors import add_problem

CATEGORIES = ("basic", "improvement", "upgrade")


def check_community(community: dict[str, Any], problems: dict) -> dict[str, Any]:
    checked = {
        "name": check_text(community.get("name"), "community.name", problems),
        "district": check_text(community.get("district"), "community.district", problems),
        "city": check_text(community.get("city"), "community.city", problems, required=False),
        "street": check_text(community.get("street"), "community.street", problems, required=False),
        "address": check_text(
            community.get("address"), "community.address", problems, required=False
        ),
        "year_built": community.get("year_built"),
    }
    year = checked["year_built"]
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        add_problem(problems, "community.year_built", "must_be_year")
    return checked


def check_buildings(buildings: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    if not buildings:
        add_problem(problems, "buildings", "at_least_one_building")
    checked, building_codes = [], set()
    for b_index, building in enumerate(buildings):
        path = f"buildings.{b_index}"
        code = check_text(building.get("code"), f"{path}.code", problems)
        if code in building_codes:
            add_problem(problems, f"{path}.code", "building_listed_twice", building=code)
        building_codes.add(code)
        units, unit_codes = [], set()
        if not building.get("units"):
            add_problem(problems, f"{path}.units", "at_least_one_unit")
        for u_index, unit in enumerate(building.get("units") or []):
            upath = f"{path}.units.{u_index}"
            ucode = check_text(unit.get("code"), f"{upath}.code", problems)
            if ucode in unit_codes:
                add_problem(
                    problems, f"{upath}.code", "unit_listed_twice", building=code, unit=ucode
                )
            unit_codes.add(ucode)
            if not unit.get("flats"):
                add_problem(problems, f"{upath}.flats", "at_least_one_flat")
            units.append(
                {"code": ucode, "flats": _check_flats(unit.get("flats") or [], upath, problems)}
            )
        checked.append({"code": code, "name": building.get("name") or "", "units": units})
    return checked


def _check_flats(flats: list[dict[str, Any]], upath: str, problems: dict) -> list[dict]:
    checked, numbers = [], set()
    for f_index, flat in enumerate(flats):
        fpath = f"{upath}.flats.{f_index}"
        one = check_flat(flat, fpath, problems)
        if one["number"] in numbers:
            add_problem(problems, f"{fpath}.number", "flat_listed_twice", number=one["number"])
        numbers.add(one["number"])
        checked.append(one)
    return checked


def check_flat(flat: dict[str, Any], fpath: str, problems: dict) -> dict[str, Any]:
    """One flat: number, floor, exclusive area, owner reference (not for an unsold flat)."""
    number = check_text(flat.get("number"), f"{fpath}.number", problems)
    floor = flat.get("floor")
    if not isinstance(floor, int) or isinstance(floor, bool) or not -5 <= floor <= 100:
        add_problem(problems, f"{fpath}.floor", "must_be_floor")
    unsold = bool(flat.get("unsold", False))
    owner = check_text(flat.get("owner_ref"), f"{fpath}.owner_ref", problems, required=not unsold)
    return {
        "number": number,
        "floor": floor,
        "area": check_decimal(flat.get("area"), f"{fpath}.area", problems, positive=True),
        # Unsold developer flats together count as one owner (DOMAIN.md, consent).
        "owner_ref": owner if not unsold else "developer",
        "unsold": unsold,
    }


def check_flat_area(value: Any, field: str, problems: dict) -> Decimal:
    """A flat's exclusive area, as registration checks it (a number above 0)."""
    return check_decimal(value, field, problems, positive=True)


def check_code(value: Any, field: str, problems: dict) -> str:
    """A building's or a unit's code, as registration checks it."""
    return check_text(value, field, problems)


def check_content_items(items: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    checked, seen = [], set()
    for index, item in enumerate(items):
        path = f"content_items.{index}"
        category = item.get("category")
        if category not in CATEGORIES:
            add_problem(problems, f"{path}.category", "unknown_category", categories=CATEGORIES)
        name = check_text(item.get("item"), f"{path}.item", problems)
        if (category, name) in seen:
            add_problem(problems, f"{path}.item", "listed_twice", name=name)
        seen.add((category, name))
        checked.append(
            {
                "id": f"item-{index + 1}",
                "category": category,
                "item": name,
                "unit": check_text(item.get("unit"), f"{path}.unit", problems),
                "planned_quantity": check_decimal(
                    item.get("planned_quantity"),
                    f"{path}.planned_quantity",
                    problems,
                    positive=False,
                ),
                **_planned_cost(item.get("planned_cost"), f"{path}.planned_cost", problems),
            }
        )
    return checked


def _planned_cost(value: Any, field: str, problems: dict) -> dict[str, Decimal]:
    """An item's planned cost in yuan, if given (it weighs the item in the progress figure)."""
    if value is None:
        return {}
    return {"planned_cost": _yuan(value, field, problems)}


def _yuan(value: Any, field: str, problems: dict) -> Decimal:
    """An amount of yuan that may be 0: at most MAX_PLANNED_COST, in whole fen."""
    amount = check_decimal(value, field, problems, positive=False)
    if amount.is_finite():
        if amount > MAX_PLANNED_COST:
            add_problem(problems, field, "amount_at_most", max=MAX_PLANNED_COST)
        if beyond_fen(amount):
            add_problem(problems, field, "whole_fen")
    return amount


def check_budget(budget: list[dict[str, Any]], problems: dict) -> list[dict[str, Any]]:
    checked, sources = [], set()
    for index, line in enumerate(budget):
        path = f"budget.{index}"
        source = check_text(line.get("source"), f"{path}.source", problems)
        if source in sources:
            add_problem(problems, f"{path}.source", "listed_twice", name=source)
        sources.add(source)
        amount = _yuan(line.get("amount"), f"{path}.amount", problems)
        checked.append({"source": source, "amount": amount})
    return checked
