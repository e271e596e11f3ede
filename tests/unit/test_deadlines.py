from datetime import date, datetime

import pytest

from renovation.domain.deadlines import (
    Deadline,
    DeadlineStatus,
    WorkingCalendar,
    add_working_days,
    lift_deadlines,
    period_end,
    working_days_before,
)

CALENDAR = WorkingCalendar()

# The State Council's 2025 schedule, as chinese_calendar carries it:
# Spring Festival off 2025-01-28 … 02-04, make-up workdays Sun 01-26 and Sat 02-08;
# National Day off 2025-10-01 … 10-08, make-up workdays Sun 09-28 and Sat 10-11.


def test_calendar_knows_2025_holidays_and_make_up_workdays():
    assert CALENDAR.is_holiday(date(2025, 10, 1))
    assert CALENDAR.is_holiday(date(2025, 1, 28))
    assert CALENDAR.is_workday(date(2025, 9, 28))  # a Sunday
    assert CALENDAR.is_workday(date(2025, 2, 8))  # a Saturday
    assert CALENDAR.is_holiday(date(2025, 10, 12))  # an ordinary Sunday


def test_period_counts_from_the_day_after_the_trigger():
    # Notice published Monday 2025-06-09: 10 days run 06-10 … 06-19 (a Thursday).
    assert period_end(date(2025, 6, 9), 10, CALENDAR) == date(2025, 6, 19)


def test_period_ending_in_national_day_holidays_moves_to_the_next_working_day():
    # 2025-09-21 + 10 days = 10-01, a holiday through 10-08.
    assert period_end(date(2025, 9, 21), 10, CALENDAR) == date(2025, 10, 9)


def test_period_ending_in_spring_festival_moves_to_the_next_working_day():
    # Objection window of 7 days from 2025-01-21 ends 01-28, off until 02-04.
    assert period_end(date(2025, 1, 21), 7, CALENDAR) == date(2025, 2, 5)


def test_period_ending_on_a_make_up_workday_does_not_move():
    assert period_end(date(2025, 10, 1), 10, CALENDAR) == date(2025, 10, 11)  # a Saturday
    assert period_end(date(2025, 1, 19), 7, CALENDAR) == date(2025, 1, 26)  # a Sunday


def test_period_ending_on_an_ordinary_weekend_moves_to_monday():
    assert period_end(date(2025, 6, 4), 10, CALENDAR) == date(2025, 6, 16)  # Sat 06-14


def test_local_override_turns_a_working_day_into_a_holiday():
    local = WorkingCalendar({date(2025, 10, 9): "holiday"})

    assert period_end(date(2025, 9, 21), 10, local) == date(2025, 10, 10)


def test_local_override_turns_a_weekend_into_a_working_day():
    local = WorkingCalendar({"2025-06-14": "workday"})

    assert period_end(date(2025, 6, 4), 10, local) == date(2025, 6, 14)


def test_malformed_override_is_refused():
    with pytest.raises(ValueError, match="workday"):
        WorkingCalendar({date(2025, 6, 14): "day off"})
    with pytest.raises(ValueError):
        WorkingCalendar({"14/06/2025": "holiday"})


def test_years_without_official_schedule_fall_back_to_weekends_only():
    # chinese_calendar raises NotImplementedError for 2040; Sunday 2040-01-01 moves to Monday.
    assert not CALENDAR.knows(date(2040, 1, 1))
    assert period_end(date(2039, 12, 22), 10, CALENDAR) == date(2040, 1, 2)
    assert CALENDAR.is_workday(date(2040, 1, 2))


def test_override_counts_as_known_outside_the_official_years():
    assert WorkingCalendar({date(2040, 1, 2): "holiday"}).knows(date(2040, 1, 2))


def test_add_working_days_skips_the_national_day_week():
    assert add_working_days(date(2025, 9, 30), 1, CALENDAR) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 26), 2, CALENDAR) == date(2025, 9, 29)  # via Sun 09-28
    assert add_working_days(date(2025, 10, 9), -1, CALENDAR) == date(2025, 9, 30)
    assert add_working_days(date(2025, 10, 9), 0, CALENDAR) == date(2025, 10, 9)


def test_quality_supervision_notice_seven_working_days_before_acceptance():
    # Acceptance Mon 2025-10-13: working days back are 10-11 (make-up Sat), 10-10, 10-09,
    # 09-30, 09-29, 09-28 (make-up Sun), 09-26.
    assert working_days_before(date(2025, 10, 13), 7, CALENDAR) == date(2025, 9, 26)


def test_periods_reject_non_positive_lengths_and_datetimes():
    with pytest.raises(ValueError):
        period_end(date(2025, 1, 1), 0, CALENDAR)
    with pytest.raises(ValueError):
        working_days_before(date(2025, 1, 1), 0, CALENDAR)
    with pytest.raises(TypeError):
        period_end(datetime(2025, 1, 1, 12), 10, CALENDAR)


def test_deadline_is_due_through_its_last_day_then_overdue():
    deadline = Deadline("lift_use_registration", date(2025, 10, 9))

    assert deadline.status(date(2025, 10, 9)) is DeadlineStatus.DUE
    assert deadline.status(date(2025, 10, 10)) is DeadlineStatus.OVERDUE


def test_deadline_done_stays_done():
    deadline = Deadline("lift_use_registration", date(2025, 10, 9), done_on=date(2025, 10, 20))

    assert deadline.status(date(2025, 12, 1)) is DeadlineStatus.DONE


def test_lift_deadlines_after_acceptance_extend_past_national_day():
    deadlines = lift_deadlines(accepted_on=date(2025, 9, 1), calendar=CALENDAR)

    assert [(d.name, d.due) for d in deadlines] == [
        ("lift_documents_handover", date(2025, 10, 9)),
        ("lift_use_registration", date(2025, 10, 9)),
    ]


def test_lift_deadlines_name_maintenance_and_inspection_request():
    deadlines = lift_deadlines(
        last_maintenance_on=date(2025, 9, 20),
        inspection_valid_until=date(2026, 3, 31),
        inspection_requested_on=date(2026, 2, 10),
        calendar=CALENDAR,
    )
    by_name = {d.name: d for d in deadlines}

    # Safety intervals are not moved by holidays: 09-20 + 15 days is 10-05, in the holiday.
    assert by_name["lift_maintenance"].due == date(2025, 10, 5)
    assert by_name["lift_periodic_inspection_request"].due == date(2026, 2, 28)
    assert by_name["lift_periodic_inspection_request"].status(date(2026, 3, 1)) == "done"
    assert by_name["lift_maintenance"].status(date(2025, 10, 6)) == "overdue"


def test_lift_deadlines_report_done_steps():
    deadlines = lift_deadlines(
        accepted_on=date(2025, 3, 3),
        documents_handed_over_on=date(2025, 3, 20),
        calendar=CALENDAR,
    )

    statuses = {d.name: d.status(date(2025, 4, 30)) for d in deadlines}
    assert statuses == {
        "lift_documents_handover": DeadlineStatus.DONE,
        "lift_use_registration": DeadlineStatus.OVERDUE,
    }


def test_no_known_dates_means_no_deadlines_yet():
    assert lift_deadlines() == []


def test_the_default_calendar_reads_the_packaged_local_overrides():
    from renovation.domain.deadlines import default_calendar

    # The packaged file is empty: the national schedule stands (2026-10-08 is a workday).
    assert default_calendar().is_workday(date(2026, 10, 8))
    assert default_calendar() is default_calendar()  # read once
