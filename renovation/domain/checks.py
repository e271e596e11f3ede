"""Checks of single values that many commands share: text, numbers, yuan amounts, days.

Each check notes what is wrong under the field's path (``add_problem``) and returns the value
as the command records it, so a command gathers every problem of its input before refusing
it with ``InvalidProjectDataError``. The codes are the refusal catalogue's
(``renovation/vocabulary/refusals.py``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from renovation.domain.base import MAX_NAME
from renovation.domain.errors import Problem, add_problem

Problems = dict[str, list[Problem]]

FEN = Decimal("0.01")
# One trillion yuan: far beyond any community's works, well within what is stored exactly.
MAX_PLANNED_COST = 10**12


def check_text(
    value: Any, field: str, problems: Problems, *, limit: int = MAX_NAME, required: bool = True
) -> str:
    """Text of at most ``limit`` characters, stripped; empty is refused when ``required``.

    ``None`` counts as empty; anything else that is not text is refused as such.
    """
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        add_problem(problems, field, "must_be_text")
    elif required and not text:
        add_problem(problems, field, "required")
    elif len(text) > limit:
        add_problem(problems, field, "too_long", max=limit)
    return text


def _number(value: Any) -> Decimal | None:
    """``value`` read as a decimal (text, a number or a Decimal); None if it is none."""
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None


def check_decimal(value: Any, field: str, problems: Problems, *, positive: bool) -> Decimal:
    """A number above 0 (``positive``) or not below 0; 0 in place of what is no number.

    A NaN or an infinity is refused and returned as it is.
    """
    number = _number(value)
    if number is None:
        add_problem(problems, field, "must_be_number")
        return Decimal(0)
    if not number.is_finite():
        add_problem(problems, field, "must_be_number")
    elif positive and number <= 0:
        add_problem(problems, field, "must_be_positive")
    elif number < 0:
        add_problem(problems, field, "must_not_be_negative")
    return number


def beyond_fen(number: Decimal) -> bool:
    """Whether a finite ``number`` of yuan has a non-zero digit after the fen (0.01).

    Read from its digits, with no arithmetic: a huge exponent must not overflow.
    """
    _sign, digits, exponent = number.as_tuple()
    beyond = -2 - int(exponent)
    return beyond > 0 and any(digits[-beyond:])


def check_amount(
    value: Any, field: str, problems: Problems, *, most: int = MAX_PLANNED_COST
) -> Decimal | None:
    """An amount of yuan: above 0, at most ``most``, in whole fen; None if it is no number."""
    amount = _number(value)
    if amount is None or not amount.is_finite():
        add_problem(problems, field, "must_be_number")
        return None
    if amount <= 0:
        add_problem(problems, field, "must_be_positive")
    elif amount > most:
        add_problem(problems, field, "amount_at_most", max=most)
    elif beyond_fen(amount):
        add_problem(problems, field, "whole_fen")
    return amount


def check_date(value: Any, field: str, problems: Problems) -> bool:
    """Whether ``value`` is a date; refuses it if not."""
    if isinstance(value, date):
        return True
    add_problem(problems, field, "must_be_date")
    return False


def check_not_after_today(day: date, field: str, problems: Problems, *, today: date) -> bool:
    """Whether ``day`` is today or before; refuses a day after ``today``."""
    if day > today:
        add_problem(problems, field, "date_after_today", today=today)
        return False
    return True
