"""Rows pasted from a spreadsheet into the registration form, turned into the API's payload.

Each row remembers its line in the textarea, so a problem found later by the schema or the
domain (``buildings.0.units.1.flats.2.area``) is shown against the line the clerk typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from renovation.web.pages.labels import CATEGORY_WORDS

# Spreadsheets paste tab-separated cells; people type commas, often the full-width one.
_CELLS = re.compile(r"\t|,|，")
_YES = {"1", "y", "yes", "true", "是", "未售"}
_NO = {"", "0", "n", "no", "false", "否"}
_HEADER_WORDS = {"building", "楼栋", "category", "类别", "source", "来源", "资金来源"}


@dataclass(frozen=True)
class CellProblem:
    """One thing to fix: in which input, on which line, in which column."""

    field: str  # form field name: name, district, flats, content_items, budget, ...
    message: str
    line: int | None = None
    column: str | None = None


@dataclass
class Pasted:
    """The payload parts from the three textareas and where each part came from."""

    buildings: list[dict[str, Any]] = field(default_factory=list)
    content_items: list[dict[str, Any]] = field(default_factory=list)
    budget: list[dict[str, Any]] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    # payload path ("buildings.0.units.1.flats.2") -> line number in its textarea
    lines: dict[str, int] = field(default_factory=dict)


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank lines with their 1-based line number, split into trimmed cells."""
    rows = []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in _CELLS.split(line)]
        if number == 1 and cells[0].lower() in _HEADER_WORDS:
            continue  # a header row copied along with the data
        rows.append((number, cells))
    return rows


def _int_or_text(text: str) -> int | str:
    """An integer if it is one; otherwise the text, for the schema to refuse with a reason."""
    try:
        return int(text)
    except ValueError:
        return text


def parse_flats(text: str, pasted: Pasted) -> None:
    """``building,unit,number,floor,area,owner_ref[,unsold]`` rows, grouped by building and unit."""
    buildings: dict[str, tuple[int, dict[str, tuple[int, list]]]] = {}
    for line, cells in _rows(text):
        if len(cells) not in (6, 7):
            pasted.problems.append(
                CellProblem(
                    "flats",
                    _(
                        "expected 6 or 7 values (building, unit, number, floor, area, owner "
                        "reference, unsold), found %(count)s",
                        count=len(cells),
                    ),
                    line,
                )
            )
            continue
        building, unit, number, floor, area, owner_ref = cells[:6]
        unsold_text = cells[6].lower() if len(cells) == 7 else ""
        if unsold_text not in _YES | _NO:
            pasted.problems.append(
                CellProblem(
                    "flats",
                    _("write 1, yes or 是 for an unsold flat, or leave it empty"),
                    line,
                    "unsold",
                )
            )
            continue
        b_index, units = buildings.setdefault(building, (len(buildings), {}))
        u_index, flats = units.setdefault(unit, (len(units), []))
        path = f"buildings.{b_index}.units.{u_index}"
        pasted.lines.setdefault(f"buildings.{b_index}", line)
        pasted.lines.setdefault(path, line)
        pasted.lines[f"{path}.flats.{len(flats)}"] = line
        flats.append(
            {
                "number": number,
                "floor": _int_or_text(floor),
                "area": area,
                "owner_ref": owner_ref,
                "unsold": unsold_text in _YES,
            }
        )
    pasted.buildings = [
        {"code": code, "units": [{"code": u, "flats": flats} for u, (_i, flats) in units.items()]}
        for code, (_index, units) in buildings.items()
    ]


def parse_content_items(text: str, pasted: Pasted) -> None:
    """``category,item,unit,planned_quantity[,planned_cost]`` rows; the category in English or
    Chinese, the planned cost (yuan) optional."""
    for line, cells in _rows(text):
        if len(cells) not in (4, 5):
            pasted.problems.append(
                CellProblem(
                    "content_items",
                    _(
                        "expected 4 or 5 values (category, item, unit, planned quantity, "
                        "planned cost if known), found %(count)s",
                        count=len(cells),
                    ),
                    line,
                )
            )
            continue
        category, item, unit, planned = cells[:4]
        cost = cells[4].removesuffix("元").strip() if len(cells) == 5 else ""
        pasted.lines[f"content_items.{len(pasted.content_items)}"] = line
        pasted.content_items.append(
            {
                "category": CATEGORY_WORDS.get(category.lower(), category),
                "item": item,
                "unit": unit,
                "planned_quantity": planned,
                **({"planned_cost": cost} if cost else {}),
            }
        )


def parse_budget(text: str, pasted: Pasted) -> None:
    """``source,amount`` rows, the amount in yuan."""
    for line, cells in _rows(text):
        if len(cells) != 2:
            pasted.problems.append(
                CellProblem(
                    "budget",
                    _("expected 2 values (source, amount), found %(count)s", count=len(cells)),
                    line,
                )
            )
            continue
        source, amount = cells
        pasted.lines[f"budget.{len(pasted.budget)}"] = line
        pasted.budget.append({"source": source, "amount": amount.removesuffix("元").strip()})


_TEXTAREA_OF = {"buildings": "flats", "content_items": "content_items", "budget": "budget"}


def locate(path: str, lines: dict[str, int]) -> tuple[str, int | None, str | None]:
    """Where a payload path's problem belongs: (form field, line, column).

    ``buildings.0.units.1.flats.2.area`` → ("flats", the line of that flat, "area");
    ``community.name`` → ("name", None, None).
    """
    parts = path.split(".")
    if parts[0] == "community":
        return (parts[1] if len(parts) > 1 else "name"), None, None
    textarea = _TEXTAREA_OF.get(parts[0])
    if textarea is None:
        return parts[0], None, None
    # The longest prefix that names a row we parsed; what follows is the column.
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in lines:
            rest = [p for p in parts[cut:] if not p.isdigit()]
            column = rest[-1] if rest else None
            if column == "code":  # a building's or a unit's own code
                column = "building_code" if parts[cut - 2] == "buildings" else "unit_code"
            return textarea, lines[prefix], column
    rest = [p for p in parts[1:] if not p.isdigit()]
    return textarea, None, (rest[-1] if rest else None)
