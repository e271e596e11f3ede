"""Rules of residents' written answers in a consultation round: what names one, and taking
one up into an opinion or into the plan.

An answer is named by ``<ballot version>-<question id>``, never by its flat: the name can be
shown, logged and recorded without saying who wrote it. A later ballot of the same flat
replaces its answers, and with them their names.
"""

from __future__ import annotations

from typing import Any

from renovation.domain.errors import (
    InvalidProjectDataError,
    NotFoundError,
    Problem,
    add_problem,
)

TAKEN_UP_INTO = ("opinion", "plan")
MAX_NOTE = 500


class UnknownWrittenAnswerError(NotFoundError):
    code = "unknown_written_answer"


def answer_id(ballot_version: int, question_id: str) -> str:
    return f"{ballot_version}-{question_id}"


def written_questions(round_: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for q in round_["questions"] if q["type"] == "text"]


def find_written_answer(round_: dict[str, Any], answer: str) -> tuple[str, dict[str, Any]]:
    """The flat and the question of a written answer in the round's current ballots."""
    texts = {q["id"]: q for q in written_questions(round_)}
    for flat_id, ballot in round_["ballots"].items():
        for qid, value in ballot["answers"].items():
            if qid in texts and value and answer_id(ballot["version"], qid) == answer:
                return flat_id, texts[qid]
    raise UnknownWrittenAnswerError(field="answer_id", answer_id=answer)


def check_take_up(
    into: str, opinion_id: str | None, note: str, opinions: dict[str, Any]
) -> tuple[str | None, str]:
    """The opinion (for ``opinion``) and the note of a take-up; every problem by its field."""
    problems: dict[str, list[Problem]] = {}
    opinion_id = (opinion_id or "").strip() or None
    note = (note or "").strip()
    if into not in TAKEN_UP_INTO:
        add_problem(problems, "into", "not_allowed_value", choices=list(TAKEN_UP_INTO))
    elif into == "opinion" and opinion_id is None:
        add_problem(problems, "opinion_id", "required")
    elif into == "opinion" and opinion_id not in opinions:
        add_problem(problems, "opinion_id", "unknown_opinion", opinion_id=opinion_id)
    elif into == "plan" and opinion_id is not None:
        add_problem(problems, "opinion_id", "taken_up_into_plan_names_no_opinion")
    if len(note) > MAX_NOTE:
        add_problem(problems, "note", "too_long", max=MAX_NOTE)
    if problems:
        raise InvalidProjectDataError(problems)
    return opinion_id, note
