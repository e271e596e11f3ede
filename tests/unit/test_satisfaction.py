"""The satisfaction evaluation's arithmetic (问效): examples and properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renovation.domain.satisfaction import (
    DEFINITION,
    SATISFACTION_CHOICES,
    evaluate_satisfaction,
    percent,
)

NINE_TENTHS, HALF = Fraction(9, 10), Fraction(1, 2)


def evaluate(answers, households, threshold=NINE_TENTHS, min_coverage=HALF):
    return evaluate_satisfaction(
        answers, households_in_scope=households, threshold=threshold, min_coverage=min_coverage
    )


def test_the_rate_counts_satisfied_and_basically_satisfied_over_those_who_answered():
    answers = ["satisfied"] * 8 + ["basically_satisfied"] * 3 + ["dissatisfied"]
    result = evaluate(answers, 20)
    assert (result.satisfied, result.basically_satisfied, result.dissatisfied) == (8, 3, 1)
    assert result.answered == 12
    assert result.rate == Fraction(11, 12)
    assert result.coverage == Fraction(12, 20)
    assert result.passed and result.coverage_met
    shown = result.to_dict()
    assert shown["rate"] == "11/12" and shown["rate_percent"] == "91.7%"
    assert shown["coverage_percent"] == "60.0%" and shown["threshold_percent"] == "90.0%"
    assert shown["definition"] == DEFINITION
    assert "(满意 8 + 基本满意 3) ÷ 作答 12 户 = 11/12 = 91.7%" in shown["explanation"]
    assert "作答 12 户 ÷ 范围内 20 户 = 60.0%" in shown["explanation"]


def test_a_rate_just_below_the_threshold_fails_though_it_shows_close_to_it():
    # 899/1000 shows as 89.9 %; the check is on the exact fraction.
    result = evaluate(["satisfied"] * 899 + ["dissatisfied"] * 101, 1000)
    assert result.rate == Fraction(899, 1000) and not result.passed
    assert evaluate(["satisfied"] * 9 + ["dissatisfied"], 10).passed  # exactly 9/10 passes


def test_coverage_below_the_minimum_is_not_met_and_at_it_is_met():
    assert not evaluate(["satisfied"] * 4, 9).coverage_met  # 4/9 < 1/2
    assert evaluate(["satisfied"] * 5, 10).coverage_met  # exactly 1/2


def test_nobody_answering_gives_no_rate_no_pass_no_coverage():
    result = evaluate([], 10)
    assert result.rate == 0 and result.coverage == 0
    assert not result.passed and not result.coverage_met
    assert "无人作答" in result.explanation()


def test_unknown_answers_and_more_answers_than_households_are_refused():
    with pytest.raises(ValueError, match="not a satisfaction answer"):
        evaluate(["very_satisfied"], 3)
    with pytest.raises(ValueError, match="3 answers from 2 households"):
        evaluate(["satisfied"] * 3, 2)


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(Fraction(1, 3)) == "33.3%"
    assert percent(Fraction(2, 3)) == "66.7%"
    assert percent(Fraction(1, 2000)) == "0.1%"  # 0.05 rounds up
    assert percent(Fraction(1)) == "100.0%"


# ---- properties ---------------------------------------------------------------------------

answers_st = st.lists(st.sampled_from(SATISFACTION_CHOICES), max_size=60)
extra_st = st.integers(min_value=0, max_value=60)
ratio_st = st.fractions(min_value=Fraction(1, 100), max_value=1)


@given(answers_st, extra_st, ratio_st, ratio_st)
def test_rate_and_coverage_lie_in_0_1_and_reproduce_the_counts(
    answers, extra, threshold, min_coverage
):
    result = evaluate(answers, len(answers) + extra, threshold, min_coverage)
    assert 0 <= result.rate <= 1 and 0 <= result.coverage <= 1
    assert result.answered == len(answers)
    assert result.rate * result.answered == result.satisfied + result.basically_satisfied
    assert result.coverage * result.households_in_scope == result.answered
    assert result.passed == (bool(answers) and result.rate >= threshold)
    assert result.coverage_met == (bool(answers) and result.coverage >= min_coverage)


@given(answers_st, extra_st, st.sampled_from(("satisfied", "basically_satisfied")))
def test_one_more_favourable_answer_never_lowers_the_rate(answers, extra, favourable):
    before = evaluate(answers, len(answers) + extra + 1)
    after = evaluate([*answers, favourable], len(answers) + extra + 1)
    assert after.rate >= before.rate
    assert after.coverage > before.coverage  # one more household answered


@given(answers_st, extra_st)
def test_one_more_dissatisfied_answer_never_raises_the_rate(answers, extra):
    before = evaluate(answers, len(answers) + extra + 1)
    after = evaluate([*answers, "dissatisfied"], len(answers) + extra + 1)
    assert after.rate <= before.rate


@given(answers_st, extra_st, extra_st)
def test_coverage_falls_as_the_scope_grows_and_the_rate_does_not_move(answers, extra, more):
    small = evaluate(answers, len(answers) + extra)
    large = evaluate(answers, len(answers) + extra + more)
    assert large.coverage <= small.coverage
    assert large.rate == small.rate
    assert not large.coverage_met or small.coverage_met


@given(answers_st, extra_st)
def test_the_order_of_answers_does_not_matter(answers, extra):
    forward = evaluate(answers, len(answers) + extra)
    backward = evaluate(list(reversed(answers)), len(answers) + extra)
    assert forward.to_dict() == backward.to_dict()
