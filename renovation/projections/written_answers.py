"""The written-answers read model: every household's free-text answer in a round, by question,
with the building and unit it came from (never the flat), and whether the bureau took it up.

Kept by the tracking projection in ``store.py``, in the same transaction as the other read
models; the staff pages and the API read it, never the events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, and_, delete, func, select
from sqlalchemy.engine import Connection, Engine

from events.participation import (
    BallotCast,
    ConsultationOpened,
    ConsultationQuestionsRevised,
    WrittenAnswerTakenUp,
)
from events.project import ProjectRegistered
from renovation.domain.participation import flat_id as make_flat_id
from renovation.domain.written_answers import answer_id as make_answer_id

metadata = MetaData()

# Where each flat is: only building and unit are ever served.
flat_places = Table(
    "flat_places",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("flat_id", String(70), primary_key=True),
    Column("building", String(20), nullable=False),
    Column("unit", String(20), nullable=False),
)

# The free-text questions of each round, in their order.
text_questions = Table(
    "text_questions",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("round_id", String(32), primary_key=True),
    Column("question_id", String(10), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
)

written_answers = Table(
    "written_answers",
    metadata,
    Column("project_id", String(36), primary_key=True),
    Column("round_id", String(32), primary_key=True),
    Column("flat_id", String(70), primary_key=True),
    Column("question_id", String(10), primary_key=True),
    Column("answer_id", String(30), nullable=False),
    Column("building", String(20), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("answered_at", String(40), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("taken_up_into", String(20)),
    Column("taken_up_opinion_id", String(32)),
    Column("taken_up_note", Text),
    Column("taken_up_at", String(40)),
)

EVENTS = (
    ProjectRegistered,
    ConsultationOpened,
    ConsultationQuestionsRevised,
    BallotCast,
    WrittenAnswerTakenUp,
)
# What is served: the flat's number and the ballot's flat id stay in the table.
SERVED = (
    written_answers.c.answer_id,
    written_answers.c.question_id,
    written_answers.c.building,
    written_answers.c.unit,
    written_answers.c.text,
    written_answers.c.answered_at,
    written_answers.c.channel,
    written_answers.c.taken_up_into,
    written_answers.c.taken_up_opinion_id,
    written_answers.c.taken_up_note,
    written_answers.c.taken_up_at,
)


def apply(conn: Connection, event: Any) -> None:
    """Bring the tables up to date with one event (the caller's transaction, in order)."""
    project_id = str(event.originator_id)
    if isinstance(event, ProjectRegistered):
        places = [
            {
                "project_id": project_id,
                "flat_id": make_flat_id(b["code"], u["code"], f["number"]),
                "building": b["code"],
                "unit": u["code"],
            }
            for b in event.buildings
            for u in b["units"]
            for f in u["flats"]
        ]
        if places:
            conn.execute(flat_places.insert(), places)
    elif isinstance(event, ConsultationOpened | ConsultationQuestionsRevised):
        of_round = and_(
            text_questions.c.project_id == project_id, text_questions.c.round_id == event.round_id
        )
        conn.execute(delete(text_questions).where(of_round))
        rows = [
            {
                "project_id": project_id,
                "round_id": event.round_id,
                "question_id": q["id"],
                "position": index,
                "text": q["text"],
            }
            for index, q in enumerate(event.questions)
            if q["type"] == "text"
        ]
        if rows:
            conn.execute(text_questions.insert(), rows)
    elif isinstance(event, BallotCast):
        _apply_ballot(conn, project_id, event)
    elif isinstance(event, WrittenAnswerTakenUp):
        conn.execute(
            written_answers.update()
            .where(
                written_answers.c.project_id == project_id,
                written_answers.c.round_id == event.round_id,
                written_answers.c.answer_id == event.answer_id,
            )
            .values(
                taken_up_into=event.into,
                taken_up_opinion_id=event.opinion_id,
                taken_up_note=event.note,
                taken_up_at=event.timestamp.isoformat(),
            )
        )


def _apply_ballot(conn: Connection, project_id: str, event: BallotCast) -> None:
    """A ballot replaces its flat's earlier written answers in the round."""
    questions = set(
        conn.execute(
            select(text_questions.c.question_id).where(
                text_questions.c.project_id == project_id,
                text_questions.c.round_id == event.round_id,
            )
        ).scalars()
    )
    if not questions:
        return
    conn.execute(
        delete(written_answers).where(
            written_answers.c.project_id == project_id,
            written_answers.c.round_id == event.round_id,
            written_answers.c.flat_id == event.flat_id,
        )
    )
    place = conn.execute(
        select(flat_places.c.building, flat_places.c.unit).where(
            flat_places.c.project_id == project_id, flat_places.c.flat_id == event.flat_id
        )
    ).first()
    building, unit = place if place is not None else ("", "")
    rows = [
        {
            "project_id": project_id,
            "round_id": event.round_id,
            "flat_id": event.flat_id,
            "question_id": qid,
            "answer_id": make_answer_id(event.originator_version, qid),
            "building": building,
            "unit": unit,
            "text": str(value),
            "answered_at": event.timestamp.isoformat(),
            "channel": event.channel,
        }
        for qid, value in sorted(event.answers.items())
        if qid in questions and value
    ]
    if rows:
        conn.execute(written_answers.insert(), rows)


def read_written_answers(engine: Engine, project_id: str, round_id: str) -> list[dict[str, Any]]:
    """The round's written answers grouped by question, in the questions' order:
    ``[{question_id, text, answers: [...]}]``; each answer names its building and unit only."""
    with engine.connect() as conn:
        questions = conn.execute(
            select(text_questions.c.question_id, text_questions.c.text)
            .where(text_questions.c.project_id == project_id, text_questions.c.round_id == round_id)
            .order_by(text_questions.c.position)
        ).all()
        answers = conn.execute(
            select(*SERVED)
            .where(
                written_answers.c.project_id == project_id,
                written_answers.c.round_id == round_id,
            )
            .order_by(
                written_answers.c.building,
                written_answers.c.unit,
                written_answers.c.answered_at,
                written_answers.c.answer_id,
            )
        ).mappings()
        by_question: dict[str, list[dict[str, Any]]] = {}
        for row in answers:
            by_question.setdefault(row["question_id"], []).append(dict(row))
    return [
        {"question_id": qid, "text": text, "answers": by_question.get(qid, [])}
        for qid, text in questions
    ]


def count_written_answers(engine: Engine, project_id: str, round_id: str) -> dict[str, int]:
    """How many written answers each question has (what auditors see)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(written_answers.c.question_id, func.count())
            .where(
                written_answers.c.project_id == project_id,
                written_answers.c.round_id == round_id,
            )
            .group_by(written_answers.c.question_id)
        ).all()
    return {qid: count for qid, count in rows}


def dump(conn: Connection) -> dict[str, list[tuple]]:
    """Every row in a stable order, to compare a rebuild with the live model."""
    return {
        table.name: [
            tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in (flat_places, text_questions, written_answers)
    }
