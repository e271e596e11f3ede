"""The catalogue covers every code: each refusal raised and each member of each kind has
an English message and a Chinese one, and messages name only parameters they can show."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

import events.acceptance
import events.construction
import events.lift
import events.participation
from events.project import ProjectEvent
from renovation.accounts import ROLES
from renovation.domain import lifts, participation, progress, written_answers
from renovation.domain.base import ACTOR_ROLES, CHANNELS
from renovation.domain.consent import VoteChoice
from renovation.domain.deadlines import DeadlineStatus, lift_deadlines
from renovation.domain.lifts import LiftStage
from renovation.domain.parts import acceptance, supervision
from renovation.domain.registration import CATEGORIES
from renovation.domain.rulesets import ConsentRules, Matter, all_rulesets
from renovation.domain.satisfaction import SATISFACTION_CHOICES
from renovation.domain.stages import TRANSITIONS, Stage
from renovation.reports.figure_tables import FIGURE_KEYS, ITEM_COLUMNS, PROJECT_COLUMNS
from renovation.vocabulary import vocabulary
from renovation.vocabulary.labels import LABELS
from renovation.vocabulary.refusals import PARAMS, REFUSALS
from renovation.web.api.milestone_schemas import MILESTONE_STATUSES
from renovation.web.pages.acceptance_forms import ITEM_STEPS

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
BUILTIN_ERRORS = {"ValueError", "TypeError", "KeyError", "RuntimeError", "NotImplementedError"}
SIMPLE_KINDS = {"text", "number", "date", "datetime", "list"}


def source_trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted((ROOT / "renovation").rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def calls_with_arguments(tree: ast.Module) -> Iterator[tuple[ast.Call, str]]:
    """Each call that has positional arguments, with the name it calls."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            yield node, func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def raised_codes() -> dict[str, str]:
    """Every refusal code written as the first argument of an error or a Problem."""
    codes: dict[str, str] = {}
    for path, tree in source_trees():
        for node, name in calls_with_arguments(tree):
            if name in BUILTIN_ERRORS:
                continue
            first = node.args[2] if name == "add_problem" and len(node.args) > 2 else node.args[0]
            if (
                (name.endswith("Error") or name in ("Problem", "add_problem"))
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                codes.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and [getattr(t, "id", None) for t in statement.targets] == ["code"]
                        and isinstance(statement.value, ast.Constant)
                    ):
                        codes.setdefault(statement.value.value, f"{path.name}:{node.name}")
    return codes


# Errors of set-up and programming, never shown to a user: they may carry a sentence.
NOT_REFUSALS = BUILTIN_ERRORS | {"RulesetFormatError", "LookupError", "OverflowError"}


def sentence_refusals() -> list[str]:
    """Error calls whose first argument is built text (an f-string or a concatenation)."""
    found = []
    for path, tree in source_trees():
        for node, name in calls_with_arguments(tree):
            built = isinstance(node.args[0], ast.JoinedStr | ast.BinOp)
            if built and name.endswith("Error") and name not in NOT_REFUSALS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_refusal_is_a_sentence_built_in_code():
    assert sentence_refusals() == []


def test_every_raised_code_has_a_message():
    missing = {code: where for code, where in raised_codes().items() if code not in REFUSALS}
    assert not missing, f"refusal codes without a catalogue message: {missing}"


def test_codes_are_codes_not_sentences():
    for code in REFUSALS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_refusal_has_chinese_and_known_parameters(code):
    msgid = REFUSALS[code]
    assert vocabulary("zh").has_translation(msgid), f"{code}: no Chinese for {msgid!r}"
    chinese = vocabulary("zh").gettext(msgid)
    assert set(PLACEHOLDER.findall(chinese)) == set(PLACEHOLDER.findall(msgid)), code
    for name in PLACEHOLDER.findall(msgid):
        kind = PARAMS.get(name, "text")
        base = kind.partition(":")[2] if kind.startswith("list:") else kind
        assert base in SIMPLE_KINDS or base in LABELS, f"{code}: parameter {name} of kind {kind}"


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_label_has_chinese(kind):
    untranslated = [v for v, m in LABELS[kind].items() if not vocabulary("zh").has_translation(m)]
    assert not untranslated, f"{kind}: no Chinese for {untranslated}"


def _deadline_names() -> list[str]:
    """Every deadline the lift rules know: all of them follow once every date is known."""
    day = date(2026, 1, 5)
    found = lift_deadlines(
        accepted_on=day, last_maintenance_on=day, inspection_valid_until=date(2027, 1, 5)
    )
    return [d.name for d in found]


def _event_classes() -> list[type]:
    """Every class of project event (the modules of ``events`` are imported above)."""
    assert events.acceptance and events.construction and events.lift and events.participation
    found, queue = [], [ProjectEvent]
    while queue:
        cls = queue.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("events."):
                found.append(sub)
            queue.append(sub)
    return found


# Each enumeration as the domain (or the read model, or the API it publishes) defines it.
DOMAIN_ENUMERATIONS = [
    ("project_stage", [s.value for s in Stage]),
    ("lift_stage", [s.value for s in LiftStage]),
    ("gate", sorted({g for moves in TRANSITIONS.values() for g in moves.values()})),
    ("content_category", list(CATEGORIES)),
    ("milestone_status", list(MILESTONE_STATUSES)),
    ("progress_basis", list(progress.BASES)),
    ("progress_basis_explanation", list(progress.BASES)),
    ("opinion_category", list(participation.OPINION_CATEGORIES)),
    ("opinion_status", list(participation.OPINION_STATUSES)),
    ("answer_outcome", list(participation.OUTCOMES)),
    ("consultation_kind", list(participation.ROUND_KINDS)),
    ("consultation_status", list(participation.ROUND_STATUSES)),
    ("question_type", list(participation.QUESTION_TYPES)),
    ("scope_level", list(participation.SCOPE_LEVELS)),
    ("taken_up_into", list(written_answers.TAKEN_UP_INTO)),
    ("vote_choice", [c.value for c in VoteChoice]),
    ("vote_choice", list(participation.CONSENT_CHOICES) + list(lifts.LIFT_CHOICES)),
    ("matter", [m.value for m in Matter]),
    # the checks of art. 278 are the thresholds a ruleset can set
    ("consent_check", [f.name for f in fields(ConsentRules)]),
    ("ruleset", [r.id for r in all_rulesets()]),
    ("lift_detail", sorted({d for ds in lifts.REQUIRED_DETAILS.values() for d in ds})),
    ("objection_outcome", list(lifts.OBJECTION_OUTCOMES)),
    ("deadline", _deadline_names()),
    ("deadline_status", [s.value for s in DeadlineStatus]),
    ("actor_role", list(ACTOR_ROLES) + list(ROLES)),
    ("channel", list(CHANNELS)),
    ("unit_role", list(acceptance.UNIT_ROLES)),
    ("acceptance_conclusion", list(acceptance.CONCLUSIONS)),
    ("representative_role", list(acceptance.REPRESENTATIVE_ROLES)),
    ("rectification_status", list(acceptance.ITEM_STATUSES)),
    ("co_approver", [acceptance.SUPERVISION_UNIT]),
    ("manager_kind", list(supervision.MANAGER_KINDS)),
    ("photo_subject", list(supervision.PHOTO_SUBJECTS)),
    # an item's history, as the acceptance read model keeps it, and the pages' actions on it
    ("rectification_step", [*acceptance.ITEM_STATUSES, "approved", "reopened"]),
    ("rectification_action", list(ITEM_STEPS)),
    ("satisfaction", list(SATISFACTION_CHOICES)),
    # every kind of stored event, as the auditors' history names it
    ("event_kind", sorted({c.__name__ for c in _event_classes()})),
    # the district figures and the columns of their exports
    ("figure", list(FIGURE_KEYS)),
    ("figure_column", [*PROJECT_COLUMNS, *ITEM_COLUMNS, "source", "figure", "value"]),
]


@pytest.mark.parametrize(("kind", "members"), DOMAIN_ENUMERATIONS)
def test_every_member_of_a_domain_enumeration_has_a_label(kind, members):
    assert kind in LABELS, kind
    assert members, kind
    assert [m for m in members if m not in LABELS[kind]] == []


def test_every_ruleset_label_is_the_rulesets_own_name_in_chinese():
    for ruleset in all_rulesets():
        assert vocabulary("zh").label("ruleset", ruleset.id) == ruleset.name


def test_a_refusal_renders_its_parameters_as_labels_in_each_language():
    params = {"gate": "construction_finished", "from_stage": "under_construction"}
    chinese = vocabulary("zh").refusal("gate_closed", params)
    english = vocabulary("en").refusal("gate_closed", params)
    assert "construction_finished" not in chinese and "施工" in chinese
    assert "Under construction" in english and "construction is finished" in english


def test_an_instant_is_shown_in_beijing_time():
    assert vocabulary("zh").datetime("2026-05-01T01:30:00+00:00") == "2026年5月1日 09:30"
    assert vocabulary("en").datetime("2026-05-01T01:30:00+00:00") == "2026-05-01 09:30"
