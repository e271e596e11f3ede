"""The pages are split by area: each area's modules import the shared helpers (common.py and
the other neutral modules), never another area's module, and no module grows past ~400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import renovation.web.pages as pages

PAGES = Path(pages.__file__).parent
AREAS = {
    "opinions": ["opinions.py", "opinion_staff.py", "opinion_receipt.py", "resident_erasure.py"],
    "consultations": [
        "consultations.py",
        "consultation_staff.py",
        "round_builder.py",
        "written_answers_staff.py",
    ],
    "household_codes": ["household_codes.py"],
    "lifts": ["lifts.py", "lift_staff.py", "lift_confirm.py"],
    "milestones": ["milestones.py"],
    "acceptance": ["acceptance.py", "acceptance_forms.py", "supervision.py"],
    "audit": ["audit.py", "audit_history.py"],
    "flat_register": ["flat_register.py"],
    "investment": ["investment.py"],
}
AREA_OF = {f"renovation.web.pages.{m[:-3]}": area for area, ms in AREAS.items() for m in ms}


def imported(module: str) -> set[str]:
    tree = ast.parse((PAGES / module).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize(("area", "module"), [(area, m) for area, ms in AREAS.items() for m in ms])
def test_an_area_imports_no_other_area(area, module):
    others = {name for name in imported(module) if AREA_OF.get(name, area) != area}
    assert others == set(), f"{module} imports {others}"


def test_every_area_module_registers_its_routes_and_stays_small():
    registered = imported("__init__.py")
    for module in AREA_OF:
        assert module in registered, f"{module} is not imported by init_pages"
    for path in PAGES.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 420, f"{path.name} is too long"
    assert not (PAGES / "participation.py").exists()
