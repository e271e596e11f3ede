"""The aggregate is composed of parts; each stored event class is folded by exactly one method."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import events
from events.project import ProjectEvent
from renovation.domain.base import Folding, folds
from renovation.domain.project import RenovationProject


def project_event_classes() -> list[type]:
    found = []
    for module_info in pkgutil.iter_modules(events.__path__):
        module = importlib.import_module(f"events.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, ProjectEvent) and value is not ProjectEvent:
                found.append(value)
    return found


@pytest.mark.parametrize("event_class", project_event_classes(), ids=lambda c: c.__name__)
def test_every_project_event_has_its_fold(event_class):
    assert event_class in RenovationProject._folds


def test_an_event_folded_by_two_parts_is_refused_when_the_class_is_made():
    class Seen(ProjectEvent):
        pass

    class One(Folding):
        @folds(Seen)
        def _fold_one(self, event) -> None: ...

    class Other(Folding):
        @folds(Seen)
        def _fold_other(self, event) -> None: ...

    with pytest.raises(TypeError, match="Seen is folded twice"):

        class Both(One, Other):
            pass


def test_an_event_nobody_folds_is_an_error_not_a_silent_skip():
    class Stray(ProjectEvent):
        pass

    project = object.__new__(RenovationProject)
    with pytest.raises(NotImplementedError, match="Stray"):
        project.when(object.__new__(Stray))
