"""The satisfaction result (问效) in the PDFs: the project report's round and the acceptance
record print the definition and the arithmetic, in Chinese and in English."""

from __future__ import annotations

import pytest

from renovation.reports.acceptance import acceptance_record_pdf
from renovation.reports.contexts import project_report_pdf
from tests.conftest import STAFF, hold_evaluation, registration, walk
from tests.helpers import pdf_text


@pytest.fixture
def evaluated(runtime):
    """A project in 问效 whose evaluation round closed: 4 of 6 flats answered (3 satisfied or
    basically satisfied, 1 dissatisfied)."""
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "evaluation")
    flats = len(app.get_project(pid).flats())
    answers = ["satisfied", "basically_satisfied", "satisfied", "dissatisfied"]
    _round, result = hold_evaluation(app, pid, answers)
    runtime.catch_up()
    return pid, flats, result


def test_the_reports_print_the_satisfaction_arithmetic(runtime, evaluated, tmp_path):
    pid, flats, _result = evaluated
    for pdf in (project_report_pdf(runtime, pid), acceptance_record_pdf(runtime, pid)):
        text = pdf_text(pdf, tmp_path, squeeze=True)
        assert "满意率=(满意+基本满意)÷作答户数" in text
        assert "满意3户，基本满意1户，不满意1户" not in text
        assert "满意2户，基本满意1户，不满意1户" in text
        assert "满意率：(2+1)÷4=75.0%" in text
        assert "未达到" in text  # 75 % is under the ruleset's 90 %
        assert f"{flats}户中4户作答" in text
    english = pdf_text(acceptance_record_pdf(runtime, pid, lang="en"), tmp_path)
    assert "Satisfaction rate = (satisfied + basically satisfied) ÷ households answering" in english
    assert "not met" in english


def test_the_project_page_shows_the_result_from_the_read_model(runtime, evaluated, tmp_path):
    from renovation.projections.store import get_acceptance

    pid, flats, _result = evaluated
    (evaluation,) = get_acceptance(runtime.engine, str(pid))["evaluations"]
    assert (evaluation["answered"], evaluation["households_in_scope"]) == (4, flats)
    assert evaluation["rate_percent"] == "75.0%" and evaluation["passed"] is False
