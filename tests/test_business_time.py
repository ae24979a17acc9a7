from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import business_time
from portal.business_time import (
    Interval,
    WorkingHours,
    add_business_time,
    business_time_between,
    due_at,
    due_within,
    elapsed,
    is_working_day,
    state,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CN = WorkingHours(SHANGHAI, time(9), time(18), "CN")
H = timedelta(hours=1)


def sh(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# Working days ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before Spring Festival
        (date(2026, 2, 14), True),  # Saturday, make-up working day
        (date(2026, 2, 15), False),  # Sunday
        (date(2026, 2, 16), False),  # 农历除夕
        (date(2026, 2, 17), False),  # 春节
        (date(2026, 2, 20), False),  # Friday, 调休 rest day
        (date(2026, 2, 23), False),  # Monday, 调休 rest day
        (date(2026, 2, 24), True),  # back to work
        (date(2026, 2, 28), True),  # Saturday, make-up working day
        (date(2026, 3, 7), False),  # ordinary Saturday
        (date(2026, 1, 4), True),  # Sunday, make-up working day for New Year
        (date(2026, 9, 20), True),  # Sunday, make-up working day for National Day
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 7), False),  # Wednesday, 调休 rest day
        (date(2026, 10, 10), True),  # Saturday, make-up working day
    ],
)
def test_chinese_calendar_knows_holidays_and_make_up_days(day: date, working: bool) -> None:
    assert is_working_day(CN, day) is working


def test_a_calendar_without_country_only_takes_weekends_off() -> None:
    plain = WorkingHours(SHANGHAI, time(9), time(18), "")
    assert is_working_day(plain, date(2026, 10, 1))  # Thursday: no public holidays here
    assert not is_working_day(plain, date(2026, 2, 14))  # Saturday: no make-up days either


def test_a_calendar_working_weekends_still_takes_public_holidays_off() -> None:
    seven_days = WorkingHours(SHANGHAI, time(9), time(18), "CN", weekends=False)
    assert is_working_day(seven_days, date(2026, 3, 7))
    assert not is_working_day(seven_days, date(2026, 2, 17))


def test_working_hours_of_reads_a_business_calendar() -> None:
    from portal.models import BusinessCalendar

    assert WorkingHours.of(BusinessCalendar()) == CN
    other = SimpleNamespace(
        timezone="Europe/Berlin", day_start=time(8), day_end=time(16), holiday_country="de"
    )
    assert WorkingHours.of(other) == WorkingHours(BERLIN, time(8), time(16), "DE")


def test_working_hours_refuse_a_day_ending_before_it_starts() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        WorkingHours(SHANGHAI, time(18), time(9), "CN")


def test_working_hours_refuse_an_unknown_country() -> None:
    with pytest.raises(ValueError, match="no public holidays"):
        WorkingHours(SHANGHAI, time(9), time(18), "XX")


# Adding working time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        (sh(3, 2, 10), 2 * H, sh(3, 2, 12)),  # within a Monday
        (sh(3, 2, 16), 2 * H, sh(3, 2, 18)),  # used up at closing: due at closing
        (sh(3, 2, 17), 2 * H, sh(3, 3, 10)),  # across the night
        (sh(3, 2, 7), H, sh(3, 2, 10)),  # before opening
        (sh(3, 2, 20), H, sh(3, 3, 10)),  # after closing
        (sh(3, 6, 17), 2 * H, sh(3, 9, 10)),  # Friday to Monday
        (sh(3, 7, 10), H, sh(3, 9, 10)),  # started on a Saturday
        (sh(2, 13, 17), 2 * H, sh(2, 14, 10)),  # into a make-up Saturday
        (sh(2, 14, 17), 2 * H, sh(2, 24, 10)),  # over Spring Festival
        (sh(2, 27, 17), 2 * H, sh(2, 28, 10)),  # into a make-up Saturday
        (sh(9, 30, 17), 2 * H, sh(10, 8, 10)),  # over National Day
        (sh(12, 31, 17, year=2025), 2 * H, sh(1, 4, 10)),  # New Year, into a make-up Sunday
        (sh(3, 2, 9), 15 * 9 * H, sh(3, 20, 18)),  # fifteen working days
        (sh(3, 7, 10), timedelta(0), sh(3, 7, 10)),  # nothing to add: due at once
    ],
)
def test_add_business_time_on_the_chinese_calendar(
    start: datetime, amount: timedelta, due: datetime
) -> None:
    assert add_business_time(CN, start, amount) == due


def test_add_business_time_answers_in_utc() -> None:
    due = add_business_time(CN, sh(3, 2, 10), H)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 3, 2, 3, tzinfo=UTC)


def test_add_business_time_accepts_any_time_zone_for_the_start() -> None:
    start = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 09:00 in Shanghai
    assert add_business_time(CN, start, H) == sh(3, 2, 10)


def test_add_business_time_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_time(CN, datetime(2026, 3, 2, 10), H)


def test_add_business_time_refuses_a_negative_amount() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(CN, sh(3, 2, 10), -H)


def test_a_calendar_without_working_days_raises_instead_of_looping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(business_time, "is_working_day", lambda hours, d: False)
    with pytest.raises(ValueError, match="no working day"):
        add_business_time(CN, sh(3, 2, 10), H)


def test_a_24x7_clock_counts_every_minute() -> None:
    always = WorkingHours.always(SHANGHAI)
    assert add_business_time(always, sh(2, 14, 17), 15 * 24 * H) == sh(3, 1, 17)
    assert business_time_between(always, sh(2, 16, 23), sh(2, 17, 1)) == 2 * H


def test_a_24x7_clock_counts_the_short_day_of_a_dst_change_as_23_hours() -> None:
    always = WorkingHours.always(BERLIN)
    day = datetime(2026, 3, 29, tzinfo=BERLIN)
    assert business_time_between(always, day, datetime(2026, 3, 30, tzinfo=BERLIN)) == 23 * H


def test_working_hours_follow_the_wall_clock_across_a_dst_change() -> None:
    berlin = WorkingHours(BERLIN, time(9), time(17), "DE")
    friday = datetime(2026, 3, 27, 16, tzinfo=BERLIN)  # clocks go forward on Sunday
    assert add_business_time(berlin, friday, 2 * H) == datetime(2026, 3, 30, 10, tzinfo=BERLIN)


def test_a_night_shift_through_the_dst_gap_is_an_hour_shorter() -> None:
    night = WorkingHours(BERLIN, time(0), time(6), "", weekends=False)
    sunday = datetime(2026, 3, 29, tzinfo=BERLIN)
    assert business_time_between(night, sunday, sunday + 24 * H) == 5 * H
    assert add_business_time(night, sunday, 5 * H) == datetime(2026, 3, 29, 6, tzinfo=BERLIN)


# Working time between two moments ----------------------------------------------------------


def test_business_time_between_skips_nights_and_weekends() -> None:
    assert business_time_between(CN, sh(3, 6, 17), sh(3, 9, 10)) == 2 * H


def test_business_time_between_skips_spring_festival() -> None:
    assert business_time_between(CN, sh(2, 13, 9), sh(2, 25, 9)) == 3 * 9 * H


def test_business_time_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    assert business_time_between(CN, sh(3, 2, 12), sh(3, 2, 10)) == timedelta(0)
    assert business_time_between(CN, sh(3, 2, 12), sh(3, 2, 12)) == timedelta(0)


# The ledger --------------------------------------------------------------------------------


def test_elapsed_leaves_out_the_pauses() -> None:
    ledger: list[Interval] = [(sh(3, 2, 10), sh(3, 2, 12)), (sh(3, 3, 10), None)]
    assert elapsed(CN, ledger, sh(3, 3, 11)) == 3 * H


def test_elapsed_counts_only_up_to_now() -> None:
    ledger: list[Interval] = [(sh(3, 2, 10), sh(3, 2, 16))]
    assert elapsed(CN, ledger, sh(3, 2, 12)) == 2 * H


def test_due_at_of_a_running_clock_adds_the_rest_to_the_running_interval() -> None:
    ledger: list[Interval] = [(sh(3, 2, 10), sh(3, 2, 12)), (sh(3, 3, 10), None)]
    assert due_at(CN, ledger, 4 * H) == sh(3, 3, 12)


def test_due_at_inside_a_closed_interval_is_in_the_past() -> None:
    ledger: list[Interval] = [(sh(3, 2, 10), sh(3, 2, 15)), (sh(3, 3, 10), None)]
    assert due_at(CN, ledger, 4 * H) == sh(3, 2, 14)


def test_a_paused_clock_has_no_due_time() -> None:
    assert due_at(CN, [(sh(3, 2, 10), sh(3, 2, 12))], 4 * H) is None
    assert due_at(CN, [], 4 * H) is None


def test_a_ledger_with_a_running_interval_before_the_last_is_refused() -> None:
    with pytest.raises(ValueError, match="only the last"):
        due_at(CN, [(sh(3, 2, 10), None), (sh(3, 3, 10), None)], H)


def test_a_ledger_with_overlapping_intervals_is_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        elapsed(CN, [(sh(3, 2, 10), sh(3, 2, 12)), (sh(3, 2, 11), None)], sh(3, 3, 10))


@pytest.mark.parametrize(
    ("ledger", "now", "expected"),
    [
        ([(sh(3, 2, 10), None)], sh(3, 2, 13), "on_track"),  # 3 of 10 hours
        ([(sh(3, 2, 10), None)], sh(3, 2, 17, 59), "on_track"),  # just under 8 of 10 hours
        ([(sh(3, 2, 10), None)], sh(3, 2, 18), "at_risk"),  # 8 of 10 hours, at closing
        ([(sh(3, 2, 10), None)], sh(3, 3, 10), "at_risk"),  # 9 of 10 hours
        ([(sh(3, 2, 10), None)], sh(3, 3, 11), "breached"),  # 10 of 10 hours
        ([(sh(3, 2, 10), sh(3, 2, 12))], sh(3, 9, 10), "paused"),
        ([(sh(3, 2, 10), sh(3, 3, 16))], sh(3, 9, 10), "breached"),  # breached, then paused
        ([], sh(3, 2, 10), "paused"),  # never started
    ],
)
def test_state_of_a_ten_hour_clock(ledger: list[Interval], now: datetime, expected: str) -> None:
    assert state(CN, ledger, 10 * H, now) == expected


def test_due_within_an_hour_is_real_time_and_excludes_breached_clocks() -> None:
    ledger: list[Interval] = [(sh(3, 2, 10), None)]
    assert due_within(CN, ledger, 4 * H, sh(3, 2, 13))
    assert not due_within(CN, ledger, 4 * H, sh(3, 2, 12))
    assert not due_within(CN, ledger, 4 * H, sh(3, 2, 14))  # due now: breached
    # Friday 17:30 with 30 working minutes left is due on Monday: not within the hour.
    assert not due_within(CN, [(sh(3, 6, 17), None)], 90 * timedelta(minutes=1), sh(3, 6, 17, 30))


# Properties --------------------------------------------------------------------------------

CALENDARS = [
    CN,
    WorkingHours(BERLIN, time(9), time(17), "DE"),
    WorkingHours(NEW_YORK, time(8, 30), time(17), "US"),
    WorkingHours(BERLIN, time(1), time(4), "", weekends=False),  # spans the DST gap and fold
    WorkingHours.always(NEW_YORK),
]
bounded = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
calendars = st.sampled_from(CALENDARS)
moments = st.datetimes(datetime(2025, 12, 1), datetime(2027, 1, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
amounts = st.integers(0, 20 * 9 * 3600).map(lambda seconds: timedelta(seconds=seconds))


@bounded
@given(calendars, moments, amounts)
def test_the_working_time_up_to_the_due_time_is_the_amount(
    hours: WorkingHours, start: datetime, amount: timedelta
) -> None:
    due = add_business_time(hours, start, amount)
    assert due >= start
    assert business_time_between(hours, start, due) == amount


@bounded
@given(calendars, moments, amounts, amounts)
def test_adding_working_time_is_additive(
    hours: WorkingHours, start: datetime, a: timedelta, b: timedelta
) -> None:
    in_two_steps = add_business_time(hours, add_business_time(hours, start, a), b)
    assert in_two_steps == add_business_time(hours, start, a + b)


@bounded
@given(calendars, moments, moments, amounts, amounts)
def test_adding_working_time_is_monotonic(
    hours: WorkingHours, s1: datetime, s2: datetime, a: timedelta, b: timedelta
) -> None:
    s1, s2 = min(s1, s2), max(s1, s2)
    assert add_business_time(hours, s1, a) <= add_business_time(hours, s2, a)
    assert add_business_time(hours, s1, a) <= add_business_time(hours, s1, a + b)


@bounded
@given(calendars, moments, moments, moments)
def test_working_time_between_is_additive(
    hours: WorkingHours, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted([a, b, c])
    assert business_time_between(hours, a, b) + business_time_between(
        hours, b, c
    ) == business_time_between(hours, a, c)


@bounded
@given(calendars, moments, amounts)
def test_a_single_running_interval_is_due_like_add_business_time(
    hours: WorkingHours, start: datetime, target: timedelta
) -> None:
    assert due_at(hours, [(start, None)], target) == add_business_time(hours, start, target)


@bounded
@given(
    calendars,
    moments,
    amounts,
    st.timedeltas(timedelta(0), timedelta(days=20)),
    st.timedeltas(timedelta(0), timedelta(days=20)),
)
def test_pausing_never_brings_the_due_time_forward(
    hours: WorkingHours, start: datetime, target: timedelta, ran: timedelta, paused: timedelta
) -> None:
    ledger: list[Interval] = [(start, start + ran), (start + ran + paused, None)]
    with_pause = due_at(hours, ledger, target)
    assert with_pause is not None
    assert with_pause >= add_business_time(hours, start, target)


@bounded
@given(calendars, moments, amounts, st.timedeltas(timedelta(0), timedelta(days=40)))
def test_a_running_clock_is_breached_exactly_from_its_due_time(
    hours: WorkingHours, start: datetime, target: timedelta, later: timedelta
) -> None:
    ledger: list[Interval] = [(start, None)]
    now = start + later
    due = due_at(hours, ledger, target)
    assert due is not None
    assert (state(hours, ledger, target, now) == "breached") is (due <= now)
