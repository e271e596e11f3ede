"""The auditors' history says what each event did in a sentence with Chinese, from masked
facts: a flat is its building and unit, never its number; free text and codes stay out."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime

import pytest

from events.participation import BallotCast, OpinionSubmitted
from events.project import StageChanged
from renovation.projections.event_summary import summarise
from renovation.vocabulary import vocabulary
from renovation.vocabulary.event_sentences import PARAMS, SENTENCES, event_sentence
from renovation.vocabulary.labels import LABELS

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ROW = {"id": "p", "content_items": []}


def event(cls, **fields):
    return cls(
        originator_id=uuid.uuid4(),
        originator_version=2,
        timestamp=datetime(2026, 5, 1, 2, 0, tzinfo=UTC),
        actor_id="resident",
        actor_role="resident",
        channel="web",
        effective_on=None,
        command_id=None,
        **fields,
    )


@pytest.mark.parametrize("key", sorted(SENTENCES))
def test_every_sentence_has_chinese_with_the_same_parameters(key):
    msgid = SENTENCES[key]
    assert key.partition(":")[0] in LABELS["event_kind"], key
    assert vocabulary("zh").has_translation(msgid), msgid
    chinese = vocabulary("zh").gettext(msgid)
    assert set(PLACEHOLDER.findall(chinese)) == set(PLACEHOLDER.findall(msgid)), key


def test_parameters_are_shown_by_known_kinds():
    for name, kind in PARAMS.items():
        assert kind == "date" or kind in LABELS, name


def test_a_ballot_names_the_building_and_unit_not_the_flat():
    ballot = event(
        BallotCast,
        round_id="r1",
        flat_id="3-2-502",
        answers={"q1": "保留"},
        consent="agree",
        replaces_version=None,
    )
    facts = summarise(ballot, ROW, {})
    assert json.loads(facts) == {"building": "3", "unit": "2"}
    assert event_sentence(vocabulary("zh"), "BallotCast", facts) == "3 幢 2 单元一户投票。"


def test_an_opinion_keeps_its_category_only():
    opinion = event(
        OpinionSubmitted,
        opinion_id="o1",
        tracking_code="K7Q2M9XA",
        category="construction",
        text="请联系我 13912345678",
        building="3",
        unit="2",
        personal_sealed="sealed",
        personal_key_id="k1",
        answer_due_on=date(2026, 5, 15),
    )
    facts = summarise(opinion, ROW, {})
    assert json.loads(facts) == {"category": "construction"}
    assert "施工" in event_sentence(vocabulary("zh"), "OpinionSubmitted", facts)


def test_a_stage_move_in_each_language_and_a_row_without_summary():
    move = event(StageChanged, from_stage="design", to_stage="plan_publicized", note="张三同意")
    facts = summarise(move, ROW, {})
    assert "张三" not in facts
    english = event_sentence(vocabulary("en"), "StageChanged", facts)
    assert english == "Moved the project from “Design” to “Plan on public notice”."
    assert event_sentence(vocabulary("zh"), "StageChanged", None) == vocabulary("zh").label(
        "event_kind", "StageChanged"
    )
