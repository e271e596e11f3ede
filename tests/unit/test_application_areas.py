"""The application's areas share one base: none declares what the base provides as a
placeholder, and none imports the composed application back (no import circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from renovation.application import base
from renovation.application.app import CommandResult, RenovationApplication
from renovation.application.lifts import LiftsArea
from renovation.application.milestones import MilestonesArea
from renovation.application.participation import ParticipationArea

APPLICATION = Path(base.__file__).parent
AREAS = ["participation.py", "lifts.py", "milestones.py"]
SHARED = {"execute", "clock", "now", "today", "ruleset_for", "get_project"}


@pytest.mark.parametrize("module", AREAS)
def test_an_area_neither_imports_the_application_nor_declares_the_base_again(module):
    tree = ast.parse((APPLICATION / module).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "renovation.application.app" not in imported
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            declared = {
                target.id
                for statement in node.body
                if isinstance(statement, ast.AnnAssign | ast.Assign)
                for target in (
                    [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else statement.targets
                )
                if isinstance(target, ast.Name)
            } | {s.name for s in node.body if isinstance(s, ast.FunctionDef)}
            assert declared & SHARED == set(), f"{module}: {node.name} redeclares them"


def test_the_areas_inherit_the_base_and_the_application_composes_them():
    for area in (ParticipationArea, LiftsArea, MilestonesArea):
        assert issubclass(area, base.ApplicationBase)
        assert issubclass(RenovationApplication, area)
    assert CommandResult is base.CommandResult  # still importable from app.py
    for name in SHARED:
        assert getattr(RenovationApplication, name) is getattr(base.ApplicationBase, name)
