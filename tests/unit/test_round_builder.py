"""The question builder's buttons, as pure moves on the list of questions."""

from __future__ import annotations

import pytest

from renovation.domain.participation import MAX_QUESTIONS
from renovation.web.pages.round_builder import apply_action, question_field, question_payload

A, B, C = ({"type": "text", "text": t, "options": "", "required": False} for t in "ABC")


@pytest.mark.parametrize(
    ("action", "texts"),
    [
        ("up-1", "BAC"),
        ("up-0", "ABC"),  # the first cannot go higher
        ("down-0", "BAC"),
        ("down-2", "ABC"),  # nor the last lower
        ("remove-1", "AC"),
        ("remove-7", "ABC"),  # no such question
        ("up-x", "ABC"),
        ("preview", "ABC"),
        ("add", "ABC?"),
    ],
)
def test_each_button_moves_or_removes_one_question(action, texts):
    moved = apply_action([A, B, C], action)
    assert "".join(q["text"] or "?" for q in moved) == texts


def test_no_more_questions_are_added_than_a_round_may_ask():
    full = [A] * MAX_QUESTIONS
    assert len(apply_action(full, "add")) == MAX_QUESTIONS


def test_options_go_one_a_line_and_only_choice_questions_keep_them():
    payload = question_payload(
        [
            {"type": "multiple", "text": "Q", "options": " 甲 \n\n乙\n", "required": True},
            {"type": "rating", "text": "R", "options": "1\n2", "required": False},
        ]
    )
    assert [q["options"] for q in payload] == [["甲", "乙"], []]
    assert question_field("questions.3.options") == "q3_options"
    assert question_field("questions") == "questions"
