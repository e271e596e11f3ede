"""The flat register (房屋清册): buildings, units and flats imported from a spreadsheet.

A file's rows are checked with the same rules as a registration (``registration.check_flat``)
and each problem is noted under ``rows.<row number>.<column>``, so the clerk gets a
row-by-row report; if any row is refused, nothing is recorded.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from typing import Any

from events.flats import FlatCorrected, FlatsImported
from renovation.domain.base import LOCAL_TZ, MAX_NOTE, Actor, Folding, folds, provenance
from renovation.domain.checks import check_date
from renovation.domain.errors import InvalidProjectDataError, Problem, add_problem
from renovation.domain.participation import flat_id
from renovation.domain.registration import check_code, check_flat, check_flat_area

# Each field and the headers a file may give it (Chinese or English; case and spaces ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("楼栋", "楼号", "楼栋号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "number": ("房号", "室号", "门牌号", "flat", "number", "flat number"),
    "floor": ("楼层", "所在楼层", "floor"),
    "area": ("专有面积", "专有部分面积", "面积", "exclusive area", "area"),
    "owner_ref": ("业主编号", "业主", "owner", "owner ref", "owner reference"),
    "unsold": ("未售", "开发商未售", "unsold"),
}
REQUIRED_COLUMNS = ("building", "unit", "number", "floor", "area", "owner_ref")
MAX_ROWS = 5000
YES = {"是", "未售", "y", "yes", "true", "1", "√", "✓", "x"}
NO = {"", "否", "已售", "n", "no", "false", "0"}
_WHOLE = re.compile(r"^-?\d+$")


def opening_day(opens_at: datetime) -> date:
    """The day a poll opened (Beijing time): corrections in effect by then are counted."""
    return opens_at.astimezone(LOCAL_TZ).date()


class FlatImportRefusedError(InvalidProjectDataError):
    """Some rows of an imported flat register are refused; nothing was recorded."""

    code = "flat_import_refused"

    def report(self) -> list[dict[str, Any]]:
        """One line per problem: row number (the header is row 1), column, code, params."""
        lines = []
        for path, problems in self.problems().items():
            _rows, row, column = [*path.split(".", 2), "", ""][:3]
            for problem in problems:
                lines.append(
                    {
                        "row": int(row) if row.isdigit() else None,
                        "column": column or None,
                        "code": problem.code,
                        "params": dict(problem.params),
                    }
                )
        return sorted(lines, key=lambda line: (line["row"] or 0, line["column"] or ""))


def column_name(field: str) -> str:
    """What a column is called in a file: its Chinese header and its English one."""
    return f"{COLUMNS[field][0]} / {COLUMNS[field][-1 if field != 'number' else 3]}"


def _header_key(cell: Any) -> str:
    return re.sub(r"[\s_]+", " ", str(cell or "")).strip().lower()


def map_columns(header: list[Any], problems: dict[str, list[Problem]]) -> dict[str, int]:
    """Which column of the file holds which field; a missing one is a problem of row 1."""
    wanted = {_header_key(h): field for field, hs in COLUMNS.items() for h in hs}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = wanted.get(_header_key(cell))
        if field and field not in found:
            found[field] = index
    for field in REQUIRED_COLUMNS:
        if field not in found:
            add_problem(
                problems, f"rows.1.{field}", "import_column_missing", column=column_name(field)
            )
    return found


def _text(value: Any) -> Any:
    """A code or reference as text (a spreadsheet gives 101 or 101.0 for 房号 101)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _floor(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE.match(value.strip()):
        return int(value.strip())
    return value


def _row_flat(cells: dict[str, Any], path: str, problems: dict) -> dict[str, Any]:
    unsold_text = str(_text(cells.get("unsold")) or "").strip().lower()
    if unsold_text not in YES | NO:
        add_problem(problems, f"{path}.unsold", "must_be_yes_no")
    area = cells.get("area")
    return {
        "number": _text(cells.get("number")),
        "floor": _floor(cells.get("floor")),
        "area": area.strip() if isinstance(area, str) else area,
        "owner_ref": _text(cells.get("owner_ref")),
        "unsold": unsold_text in YES,
    }


def check_rows(
    header: list[Any], rows: list[tuple[int, list[Any]]], existing: set[str]
) -> tuple[list[tuple[str, str, dict[str, Any]]], dict[str, list[Problem]]]:
    """The file's flats as (building, unit, flat), and every problem by row and column."""
    problems: dict[str, list[Problem]] = {}
    columns = map_columns(header, problems)
    if problems:
        return [], problems
    rows = [(n, cells) for n, cells in rows if any(_text(c) not in (None, "") for c in cells)]
    if not rows:
        add_problem(problems, "rows.2.number", "import_no_rows")
    elif len(rows) > MAX_ROWS:
        add_problem(
            problems, f"rows.{rows[MAX_ROWS][0]}.number", "import_too_many_rows", max=MAX_ROWS
        )
        return [], problems
    flats, seen = [], set()
    for number, cells in rows:
        path = f"rows.{number}"
        values = {f: cells[i] if i < len(cells) else None for f, i in columns.items()}
        building = check_code(_text(values["building"]), f"{path}.building", problems)
        unit = check_code(_text(values["unit"]), f"{path}.unit", problems)
        flat = check_flat(_row_flat(values, path, problems), path, problems)
        the_id = flat_id(building, unit, flat["number"])
        if the_id in existing:
            add_problem(problems, f"{path}.number", "flat_already_registered", flat_id=the_id)
        elif the_id in seen:
            add_problem(problems, f"{path}.number", "flat_listed_twice", number=the_id)
        seen.add(the_id)
        flats.append((building, unit, flat))
    return flats, problems


def merged(buildings: list[dict[str, Any]], flats: list[tuple[str, str, dict]]) -> list[dict]:
    """The register with the new flats added under their buildings and units."""
    register = copy.deepcopy(buildings)
    for building_code, unit_code, flat in flats:
        building = next((b for b in register if b["code"] == building_code), None)
        if building is None:
            building = {"code": building_code, "name": "", "units": []}
            register.append(building)
        unit = next((u for u in building["units"] if u["code"] == unit_code), None)
        if unit is None:
            unit = {"code": unit_code, "flats": []}
            building["units"].append(unit)
        unit["flats"].append(flat)
    return register


class FlatRegisterPart(Folding):
    """Adds flats to the register from a file; the rows are checked like a registration."""

    buildings: list[dict[str, Any]]

    def import_flats(
        self,
        header: list[Any],
        rows: list[tuple[int, list[Any]]],
        *,
        source: str,
        actor: Actor,
        command_id: str | None = None,
        effective_on: date | None = None,
    ) -> int:
        """Add the file's flats; any refused row refuses the whole file (nothing written)."""
        flats, problems = check_rows(header, rows, self.flat_ids())  # type: ignore[attr-defined]
        if problems:
            raise FlatImportRefusedError(problems)
        self.trigger_event(  # type: ignore[attr-defined]
            FlatsImported,
            buildings=merged(self.buildings, flats),
            added=len(flats),
            source=source[:200],
            **provenance(actor, command_id, effective_on),
        )
        return len(flats)

    @folds(FlatsImported)
    def _fold_flats_imported(self, event: FlatsImported) -> None:
        self.buildings = [dict(b) for b in event.buildings]

    # ---- corrections from an effective date -------------------------------------------

    def correct_flat(
        self,
        flat_id: str,
        *,
        area: Any = None,
        owner_ref: str | None = None,
        effective_on: date | None,
        reason: str,
        actor: Actor,
        command_id: str | None = None,
    ) -> None:
        """Correct a flat's exclusive area or owner from a date, saying why."""
        self.find_flat(flat_id)  # type: ignore[attr-defined]
        problems: dict[str, list[Problem]] = {}
        if area is None and not (owner_ref or "").strip():
            add_problem(problems, "area", "correction_changes_nothing")
        checked_area = None if area is None else check_flat_area(area, "area", problems)
        owner = (owner_ref or "").strip() or None
        if owner is not None and len(owner) > 100:
            add_problem(problems, "owner_ref", "too_long", max=100)
        check_date(effective_on, "effective_on", problems)
        reason = (reason or "").strip()
        if not reason:
            add_problem(problems, "reason", "reason_required")
        elif len(reason) > MAX_NOTE:
            add_problem(problems, "reason", "too_long", max=MAX_NOTE)
        if problems:
            raise InvalidProjectDataError(problems)
        self.trigger_event(  # type: ignore[attr-defined]
            FlatCorrected,
            flat_id=flat_id,
            area=checked_area,
            owner_ref=owner,
            reason=reason,
            **provenance(actor, command_id, effective_on),
        )

    def corrected(self, flats: list[dict[str, Any]], day: date | None) -> list[dict[str, Any]]:
        """The flats with the corrections in effect on ``day`` (all of them when None)."""
        corrections = [
            c
            for c in self.__dict__.get("flat_corrections", [])
            if day is None or c["effective_on"] <= day
        ]
        if not corrections:
            return flats
        by_id = {flat_id(f["building"], f["unit"], f["number"]): dict(f) for f in flats}
        for c in corrections:
            flat = by_id[c["flat_id"]]
            if c["area"] is not None:
                flat["area"] = c["area"]
            if c["owner_ref"] is not None:
                flat["owner_ref"], flat["unsold"] = c["owner_ref"], False
        return list(by_id.values())

    @folds(FlatCorrected)
    def _fold_flat_corrected(self, event: FlatCorrected) -> None:
        # setdefault: a project restored from a snapshot older than corrections has none yet.
        self.__dict__.setdefault("flat_corrections", []).append(
            {
                "flat_id": event.flat_id,
                "area": event.area,
                "owner_ref": event.owner_ref,
                "effective_on": event.effective_on,
                "reason": event.reason,
                "version": event.originator_version,
            }
        )
