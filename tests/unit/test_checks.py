"""The shared value checks: each refusal by its catalogue code and field, the value kept."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renovation.domain.base import MAX_NAME
from renovation.domain.checks import (
    MAX_PLANNED_COST,
    beyond_fen,
    check_amount,
    check_date,
    check_decimal,
    check_not_after_today,
    check_text,
)
from renovation.vocabulary.refusals import REFUSALS

TODAY = date(2024, 5, 20)


def codes(problems: dict) -> dict[str, list[tuple[str, dict]]]:
    return {field: [(p.code, dict(p.params)) for p in found] for field, found in problems.items()}


def checked(check, value, *args, **kwargs):
    problems: dict = {}
    return check(value, "some.field", problems, *args, **kwargs), codes(problems)


# ---- text ----------------------------------------------------------------------------------


def test_text_is_stripped_and_kept():
    assert checked(check_text, "  长青小区 ") == ("长青小区", {})


@pytest.mark.parametrize("value", [None, "", "   "])
def test_required_text_refuses_nothing_written(value):
    assert checked(check_text, value) == ("", {"some.field": [("required", {})]})


@pytest.mark.parametrize("value", [None, "", "   "])
def test_optional_text_may_be_empty(value):
    assert checked(check_text, value, required=False) == ("", {})


@pytest.mark.parametrize("value", [5, 1.5, True, ["a"], {"a": 1}])
def test_what_is_not_text_is_refused_as_such_even_when_optional(value):
    for required in (True, False):
        assert checked(check_text, value, required=required) == (
            "",
            {"some.field": [("must_be_text", {})]},
        )


def test_text_length_counts_characters_after_stripping_with_the_default_name_limit():
    assert checked(check_text, " " + "栋" * MAX_NAME + " ") == ("栋" * MAX_NAME, {})
    text, problems = checked(check_text, "栋" * (MAX_NAME + 1))
    assert problems == {"some.field": [("too_long", {"max": MAX_NAME})]}
    assert text == "栋" * (MAX_NAME + 1)


def test_text_limit_is_the_callers():
    assert checked(check_text, "x" * 60, limit=60) == ("x" * 60, {})
    assert checked(check_text, "x" * 61, limit=60)[1] == {"some.field": [("too_long", {"max": 60})]}


def test_problems_gather_under_each_field():
    problems: dict = {}
    check_text(None, "a", problems)
    check_text("x" * 61, "b", problems, limit=60)
    check_text(3, "a", problems)
    assert codes(problems) == {
        "a": [("required", {}), ("must_be_text", {})],
        "b": [("too_long", {"max": 60})],
    }


# ---- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12.5", 12.5, Decimal("12.5"), " 12.5 ", "1.25E+1"])
def test_decimal_reads_text_numbers_and_decimals(value):
    number, problems = checked(check_decimal, value, positive=True)
    assert (number, problems) == (Decimal("12.5"), {})
    assert isinstance(number, Decimal)


@pytest.mark.parametrize("value", [None, True, "abc", "", "1e", [], "--1"])
def test_what_is_no_number_is_refused_and_read_as_zero(value):
    assert checked(check_decimal, value, positive=False) == (
        Decimal(0),
        {"some.field": [("must_be_number", {})]},
    )


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf"])
def test_nan_and_infinity_are_refused_and_returned_as_they_are(value):
    number, problems = checked(check_decimal, value, positive=True)
    assert problems == {"some.field": [("must_be_number", {})]}
    assert not number.is_finite()


def test_positive_refuses_zero_and_below():
    for value in ("0", "-0", "-3"):
        assert checked(check_decimal, value, positive=True)[1] == {
            "some.field": [("must_be_positive", {})]
        }


def test_not_positive_allows_zero_and_refuses_below():
    assert checked(check_decimal, "0", positive=False) == (Decimal(0), {})
    assert checked(check_decimal, "-0.01", positive=False)[1] == {
        "some.field": [("must_not_be_negative", {})]
    }


@pytest.mark.parametrize(
    ("text", "beyond"),
    [
        ("1", False),
        ("1.5", False),
        ("1.25", False),
        ("1.250000", False),
        ("1E+30", False),
        ("1.251", True),
        ("0.001", True),
        ("1E-30", True),
        ("1E-999999999", True),  # no arithmetic: this exponent overflows a quantize
        ("0.0100000000000000000000000000000001", True),
    ],
)
def test_beyond_fen(text, beyond):
    assert beyond_fen(Decimal(text)) is beyond


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6))
def test_beyond_fen_agrees_with_rounding_to_the_fen(number):
    assert beyond_fen(number) is (number != number.quantize(Decimal("0.01")))


# ---- amounts of yuan -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["0.01", "1200000.50", 35, Decimal("99.90"), str(MAX_PLANNED_COST)]
)
def test_an_amount_in_whole_fen_up_to_a_trillion_is_kept(value):
    amount, problems = checked(check_amount, value)
    assert problems == {}
    assert amount == Decimal(str(value))


@pytest.mark.parametrize("value", [None, True, False, "abc", "", "NaN", "sNaN", "Infinity", []])
def test_an_amount_that_is_no_finite_number_is_refused_and_none(value):
    assert checked(check_amount, value) == (None, {"some.field": [("must_be_number", {})]})


@pytest.mark.parametrize(
    ("value", "code", "params"),
    [
        ("0", "must_be_positive", {}),
        ("-5", "must_be_positive", {}),
        ("-0.001", "must_be_positive", {}),  # one refusal a value: the first that applies
        (str(MAX_PLANNED_COST + 1), "amount_at_most", {"max": MAX_PLANNED_COST}),
        ("1e999999999", "amount_at_most", {"max": MAX_PLANNED_COST}),
        ("10.005", "whole_fen", {}),
        ("1E-999999999", "whole_fen", {}),
    ],
)
def test_an_amount_out_of_bounds_is_refused_and_returned(value, code, params):
    amount, problems = checked(check_amount, value)
    assert problems == {"some.field": [(code, params)]}
    assert amount == Decimal(value)


def test_the_most_an_amount_may_be_is_the_callers():
    assert checked(check_amount, "100.01", most=100)[1] == {
        "some.field": [("amount_at_most", {"max": 100})]
    }
    assert checked(check_amount, "100", most=100)[1] == {}


# ---- days ----------------------------------------------------------------------------------


def test_a_date_is_a_date():
    problems: dict = {}
    assert check_date(TODAY, "paid_on", problems) is True
    assert check_date(datetime(2024, 5, 20, 9), "paid_on", problems) is True
    assert problems == {}


@pytest.mark.parametrize("value", [None, "2024-05-20", 20240520])
def test_what_is_not_a_date_is_refused(value):
    problems: dict = {}
    assert check_date(value, "paid_on", problems) is False
    assert codes(problems) == {"paid_on": [("must_be_date", {})]}


def test_today_and_before_are_not_after_today():
    problems: dict = {}
    assert check_not_after_today(TODAY, "held_on", problems, today=TODAY) is True
    assert check_not_after_today(date(2020, 1, 1), "held_on", problems, today=TODAY) is True
    assert problems == {}


def test_a_day_after_today_is_refused_naming_today():
    problems: dict = {}
    assert check_not_after_today(date(2024, 5, 21), "held_on", problems, today=TODAY) is False
    assert codes(problems) == {"held_on": [("date_after_today", {"today": TODAY})]}


def test_every_code_the_checks_give_is_in_the_catalogue():
    given_codes = {
        "required",
        "must_be_text",
        "too_long",
        "must_be_number",
        "must_be_positive",
        "must_not_be_negative",
        "amount_at_most",
        "whole_fen",
        "must_be_date",
        "date_after_today",
    }
    assert given_codes <= set(REFUSALS)
