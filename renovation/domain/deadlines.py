"""Legal periods and the lift's statutory deadlines, on the Chinese working calendar.

Civil Code art. 201: a period in days starts on the day after the triggering day.
Art. 203: when its last day is a public holiday it ends on the next working day.
The State Council's yearly holiday and make-up-workday (调休) schedule comes from the
``chinese_calendar`` package; local changes come in as data overrides.
"""

from __future__ import annotations

import json
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources

import chinese_calendar

__all__ = [
    "ACCEPTANCE_RECORD_DAYS",
    "QUALITY_SUPERVISION_NOTICE_WORKING_DAYS",
    "DayKind",
    "Deadline",
    "DeadlineStatus",
    "WorkingCalendar",
    "add_working_days",
    "default_calendar",
    "lift_deadlines",
    "period_end",
    "working_days_before",
]

QUALITY_SUPERVISION_NOTICE_WORKING_DAYS = 7  # notify quality supervision before acceptance
ACCEPTANCE_RECORD_DAYS = 15  # file the acceptance record after passing
LIFT_DOCUMENTS_DAYS = 30  # 特种设备安全法 art. 24
LIFT_USE_REGISTRATION_DAYS = 30  # art. 33
LIFT_MAINTENANCE_INTERVAL_DAYS = 15  # art. 45 with TSG T5002: at least every 15 days

_DAY = timedelta(days=1)
_MAX_SEARCH_DAYS = 366  # no real calendar has a year without a working day


class DayKind(StrEnum):
    WORKDAY = "workday"
    HOLIDAY = "holiday"


class WorkingCalendar:
    """Which days are working days in mainland China, with local overrides first.

    Outside the years ``chinese_calendar`` carries (it raises ``NotImplementedError``,
    e.g. before 2004 or after the last published schedule) it falls back to Monday–Friday
    working days and no statutory holidays, so periods there can end one holiday early:
    add an override, or update the package once the State Council publishes the year.
    """

    def __init__(self, overrides: Mapping[date | str, DayKind | str] | None = None) -> None:
        self.overrides: dict[date, DayKind] = {}
        for day, kind in (overrides or {}).items():
            try:
                key = day if isinstance(day, date) else date.fromisoformat(day)
                self.overrides[_plain_date(key)] = DayKind(kind)
            except (TypeError, ValueError):
                raise ValueError(
                    f"calendar override {day!r}: {kind!r} must map a date to 'workday' or 'holiday'"
                ) from None
        # Days already looked up: a deadline counts the same few weeks for every command, and
        # the package validates and searches its tables on each call.
        self._known: dict[date, bool] = {}
        self._counted: dict[tuple[date, int], date] = {}  # add_working_days, as computed

    def is_workday(self, day: date) -> bool:
        day = _plain_date(day)
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day] is DayKind.WORKDAY
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def is_holiday(self, day: date) -> bool:
        return not self.is_workday(day)

    def knows(self, day: date) -> bool:
        """Whether ``day`` comes from an override or the official schedule, not the fallback."""
        day = _plain_date(day)
        if day in self.overrides:
            return True
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def next_workday(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_workday(day):
                return day
            day += _DAY
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days: check the overrides")


def _plain_date(day: date) -> date:
    # A datetime would carry a time zone question into a rule about local calendar days.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a local date, got {type(day).__name__}")
    return day


@cache
def default_calendar() -> WorkingCalendar:
    """The national calendar with the packaged local overrides (calendar-overrides.json)."""
    raw = resources.files("renovation.domain").joinpath("calendar-overrides.json")
    return WorkingCalendar(json.loads(raw.read_text(encoding="utf-8")).get("days") or {})


def _calendar_or_default(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return default_calendar() if calendar is None else calendar


def period_end(trigger_day: date, days: int, calendar: WorkingCalendar | None = None) -> date:
    """Last day of a period of ``days`` days (Civil Code arts. 201, 203)."""
    if days < 1:
        raise ValueError(f"a period lasts at least one day, got {days}")
    return _calendar_or_default(calendar).next_workday(_plain_date(trigger_day) + days * _DAY)


def add_working_days(day: date, n: int, calendar: WorkingCalendar | None = None) -> date:
    """The ``n``-th working day after ``day``, not counting ``day``; before it if ``n`` < 0."""
    calendar = _calendar_or_default(calendar)
    day = _plain_date(day)
    counted = calendar._counted.get((day, n))
    if counted is None:
        counted = calendar._counted[day, n] = _count_working_days(calendar, day, n)
    return counted


def _count_working_days(calendar: WorkingCalendar, day: date, n: int) -> date:
    step = _DAY if n >= 0 else -_DAY
    remaining = abs(n)
    searched = 0
    while remaining:
        day += step
        searched += 1
        if calendar.is_workday(day):
            remaining -= 1
            searched = 0
        elif searched > _MAX_SEARCH_DAYS:
            raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days: check the overrides")
    return day


def working_days_before(day: date, n: int, calendar: WorkingCalendar | None = None) -> date:
    """Latest day to act when ``n`` working days' notice is due before ``day``.

    Counted like a period from the notice: from that day, ``day`` is the ``n``-th working
    day (e.g. notify quality supervision 7 working days before the acceptance).
    """
    if n < 1:
        raise ValueError(f"notice needs at least one working day, got {n}")
    return add_working_days(day, -n, calendar)


class DeadlineStatus(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class Deadline:
    """A dated obligation; ``name`` is a stable snake_case code, ``basis`` its legal source."""

    name: str
    due: date
    done_on: date | None = None
    basis: str = ""

    def status(self, today: date) -> DeadlineStatus:
        """Done once recorded; overdue only from the day after ``due``."""
        if self.done_on is not None:
            return DeadlineStatus.DONE
        return DeadlineStatus.OVERDUE if today > self.due else DeadlineStatus.DUE


def lift_deadlines(
    *,
    accepted_on: date | None = None,
    documents_handed_over_on: date | None = None,
    use_registered_on: date | None = None,
    last_maintenance_on: date | None = None,
    inspection_valid_until: date | None = None,
    inspection_requested_on: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Deadline]:
    """The Special Equipment Safety Law deadlines that follow from the dates known so far.

    Periods after an event follow arts. 201/203. Maintenance and the inspection request
    are safety limits, not periods for a legal act, so a holiday never moves them later.
    """
    deadlines: list[Deadline] = []
    if accepted_on is not None:
        deadlines.append(
            Deadline(
                "lift_documents_handover",
                period_end(accepted_on, LIFT_DOCUMENTS_DAYS, calendar),
                documents_handed_over_on,
                "特种设备安全法 第二十四条",
            )
        )
        deadlines.append(
            Deadline(
                "lift_use_registration",
                period_end(accepted_on, LIFT_USE_REGISTRATION_DAYS, calendar),
                use_registered_on,
                "特种设备安全法 第三十三条",
            )
        )
    if last_maintenance_on is not None:
        deadlines.append(
            Deadline(
                "lift_maintenance",
                _plain_date(last_maintenance_on) + LIFT_MAINTENANCE_INTERVAL_DAYS * _DAY,
                None,
                "特种设备安全法 第四十五条；TSG T5002",
            )
        )
    if inspection_valid_until is not None:
        deadlines.append(
            Deadline(
                "lift_periodic_inspection_request",
                _one_month_before(_plain_date(inspection_valid_until)),
                inspection_requested_on,
                "特种设备安全法 第四十条",
            )
        )
    return deadlines


def _one_month_before(day: date) -> date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, monthrange(year, month)[1]))
