"""The satisfaction evaluation (问效) over real stores: the close, its result, the gate, the
opinion rating in the read model, and an older read-model table gaining the rating columns."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from renovation.domain.errors import DomainError, StageGateError
from renovation.domain.project import Actor
from renovation.projections.queries import find_opinion
from tests.conftest import STAFF, hold_evaluation, registration, walk

RESIDENT = Actor("resident", "resident", "web")


def in_evaluation(app):
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "evaluation")
    return pid


def test_a_close_below_the_minimum_coverage_writes_nothing(runtime):
    app = runtime.app
    pid = in_evaluation(app)
    round_id, _ = hold_evaluation(app, pid, ["satisfied"] * 3, close=False)  # 3 of 7
    head = app.recorder.max_notification_id()
    from datetime import timedelta

    real = app.clock
    app.clock = lambda: real() + timedelta(hours=2)
    try:
        with pytest.raises(DomainError) as refused:
            app.close_consultation(pid, round_id, actor=STAFF, command_id="close-1")
    finally:
        app.clock = real
    assert refused.value.code == "evaluation_coverage_too_low"
    assert refused.value.params["coverage"] == "42.9%"
    assert app.recorder.max_notification_id() == head
    assert not app.get_project(pid).rounds[round_id]["closed"]
    with pytest.raises(StageGateError) as gate:
        app.transition_project(pid, "long_term_management", actor=STAFF)
    assert gate.value.code == "evaluation_not_closed"


def test_the_close_records_the_result_and_the_stored_answers_recompute_it(runtime):
    from renovation.domain.participation import satisfaction_of
    from renovation.domain.rulesets import get_ruleset

    app = runtime.app
    pid = in_evaluation(app)
    answers = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied"]  # 6 of 7
    round_id, result = hold_evaluation(app, pid, answers)
    assert result["satisfaction"]["rate"] == "5/6"
    assert result["satisfaction"]["passed"] is False  # 83.3 % < 90 %
    stored = [e for e in app.project_history(pid) if type(e).__name__ == "EvaluationResultRecorded"]
    assert len(stored) == 1 and stored[0].result == result["satisfaction"]
    # Reloaded from the store (not the command's cache), the ballots give the same figures.
    project = app.repository.get(pid)
    again = satisfaction_of(
        project.rounds[round_id], project.flats(), get_ruleset(stored[0].ruleset_id)
    )
    assert again.to_dict() == stored[0].result
    assert app.round_result(pid, round_id)["satisfaction"]["rate_percent"] == "83.3%"
    app.transition_project(pid, "long_term_management", actor=STAFF)
    assert app.get_project(pid).stage == "long_term_management"


def test_the_rating_of_an_answer_reaches_the_opinion_read_model(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    opinion = app.submit_opinion(pid, {"category": "plan", "text": "路灯太暗"}, actor=RESIDENT)
    oid = opinion.value["opinion_id"]
    app.answer_opinions(pid, [oid], {"outcome": "adopted", "answer": "已加装"}, actor=STAFF)
    app.rate_opinion_answer(pid, oid, rating="dissatisfied", actor=RESIDENT)
    app.rate_opinion_answer(pid, oid, rating="satisfied", actor=RESIDENT)
    runtime.catch_up()
    row = find_opinion(runtime.engine, opinion_id=oid)
    assert row["rating"] == "satisfied" and row["rated_at"] is not None


def test_an_older_opinions_table_gains_the_rating_columns(tmp_path):
    from renovation.runtime import Runtime

    url = f"sqlite:///{tmp_path}/old.sqlite"
    rt = Runtime(url)
    rt.create_tables()
    with rt.engine.begin() as conn:  # as the table was before ratings existed
        conn.execute(text("ALTER TABLE opinions DROP COLUMN rating"))
        conn.execute(text("ALTER TABLE opinions DROP COLUMN rated_at"))
    rt.create_tables()
    columns = {c["name"] for c in inspect(rt.engine).get_columns("opinions")}
    assert {"rating", "rated_at"} <= columns
    rt.close()
