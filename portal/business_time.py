"""SLA clocks on a provider's business calendar: pure functions, no database access.

A calendar is a `WorkingHours`: a time zone, one working window per working day (wall-clock
times in that zone) and a public-holiday country. Working days come from the `holidays`
library, which for China knows the public holidays, the 调休 rest days and the make-up working
days on weekends.

Every function takes and returns aware datetimes; results are in UTC. Durations are real
elapsed time: a 09:00-18:00 window is nine hours even on a day with a DST change (the change
happens at night), while a 24x7 clock counts 23 or 25 hours on such days.

A ticket's clock is a ledger of running intervals (`Interval`): the clock runs inside them
and is paused between them. `elapsed`, `due_at` and `state` derive everything from the
ledger, so a pause never needs a stored due date to be rewritten.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[datetime, datetime | None]
"""One running stretch of a ticket's clock: (started, stopped), stopped None while running."""

ClockState = Literal["on_track", "at_risk", "breached", "paused"]

MIDNIGHT = time(0, 0)
WEEKEND = frozenset({5, 6})  # Saturday, Sunday: for calendars without a holiday country
# No real calendar goes a year without a working day; one that does would loop forever.
MAX_DAYS_OFF = 400


class CalendarLike(Protocol):
    """What `WorkingHours.of` reads: the fields of `portal.models.BusinessCalendar`."""

    timezone: str
    day_start: time
    day_end: time
    holiday_country: str


@dataclass(frozen=True)
class WorkingHours:
    """When an SLA clock counts: a daily window on working days, in one time zone.

    `day_end` of 00:00 means midnight at the end of the day, so 00:00-00:00 is the whole day.
    `country` "" means no public holidays; with `weekends` the weekend is off (the country's
    weekend as the `holidays` library knows it, Saturday and Sunday for China and for "")
    unless it is a make-up working day.
    """

    tz: ZoneInfo
    day_start: time
    day_end: time
    country: str
    weekends: bool = True

    def __post_init__(self) -> None:
        if self.day_end != MIDNIGHT and self.day_start >= self.day_end:
            raise ValueError(f"working day must start before it ends: {self}")
        if self.country and self.country not in holidays.list_supported_countries():
            raise ValueError(f"no public holidays known for country {self.country!r}")

    @classmethod
    def of(cls, calendar: CalendarLike) -> WorkingHours:
        """The working hours of a `BusinessCalendar` (or anything with the same fields)."""
        return cls(
            tz=ZoneInfo(calendar.timezone),
            day_start=calendar.day_start,
            day_end=calendar.day_end,
            country=calendar.holiday_country.upper(),
        )

    @classmethod
    def always(cls, tz: ZoneInfo) -> WorkingHours:
        """A 24x7 clock: every minute counts."""
        return cls(tz=tz, day_start=MIDNIGHT, day_end=MIDNIGHT, country="", weekends=False)


@functools.lru_cache(maxsize=128)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    # expand=False: a cached object is shared between threads and must never grow on lookup.
    return holidays.country_holidays(country, years=year, expand=False)


def is_working_day(hours: WorkingHours, d: date) -> bool:
    """Whether the clock runs on local date `d` (holidays and 调休 rest days off, make-up days on)."""
    if not hours.country:
        return not (hours.weekends and d.weekday() in WEEKEND)
    calendar = _holidays(hours.country, d.year)
    if hours.weekends:
        return bool(calendar.is_working_day(d))
    return d not in calendar


def _window(hours: WorkingHours, d: date) -> tuple[datetime, datetime]:
    """The working window of local date `d` as UTC instants (empty if `d` is a day off)."""
    opens = datetime.combine(d, hours.day_start, tzinfo=hours.tz).astimezone(UTC)
    if not is_working_day(hours, d):
        return opens, opens
    close_day = d + timedelta(days=1) if hours.day_end == MIDNIGHT else d
    closes = datetime.combine(close_day, hours.day_end, tzinfo=hours.tz).astimezone(UTC)
    return opens, max(opens, closes)


def _windows_from(hours: WorkingHours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working windows from the local day of `start` on; raises when a year has none."""
    d = start.astimezone(hours.tz).date()
    days_off = 0
    while True:
        opens, closes = _window(hours, d)
        if opens < closes:
            days_off = 0
            yield opens, closes
        else:
            days_off += 1
            if days_off > MAX_DAYS_OFF:
                raise ValueError(f"no working day in {MAX_DAYS_OFF} days from {start}: {hours}")
        d += timedelta(days=1)


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"aware datetime expected, got {moment!r}")
    return moment.astimezone(UTC)


def add_business_time(hours: WorkingHours, start: datetime, amount: timedelta) -> datetime:
    """The moment (UTC) at which `amount` of working time has elapsed counting from `start`.

    Outside working hours counting begins at the next opening; a target used up exactly at
    closing time is due at closing time, not at the next opening.
    """
    if amount < timedelta(0):
        raise ValueError(f"negative amount of working time: {amount}")
    cursor = _utc(start)
    if not amount:
        return cursor
    remaining = amount
    for opens, closes in _windows_from(hours, cursor):
        begin = max(opens, cursor)
        if begin >= closes:
            continue
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover


def business_time_between(hours: WorkingHours, start: datetime, end: datetime) -> timedelta:
    """Working time in [start, end); zero if `end` is not after `start`."""
    start, end = _utc(start), _utc(end)
    total = timedelta(0)
    d, last = start.astimezone(hours.tz).date(), end.astimezone(hours.tz).date()
    while d <= last:
        opens, closes = _window(hours, d)
        total += max(timedelta(0), min(closes, end) - max(opens, start))
        d += timedelta(days=1)
    return total


def _check_ledger(intervals: Sequence[Interval]) -> None:
    """Intervals must be in order, not overlap, and only the last may still be running."""
    previous_end: datetime | None = None
    for i, (started, stopped) in enumerate(intervals):
        if previous_end is not None and _utc(started) < previous_end:
            raise ValueError(f"clock intervals overlap or are out of order: {intervals}")
        if stopped is None:
            if i != len(intervals) - 1:
                raise ValueError(f"only the last clock interval may be running: {intervals}")
            break
        if _utc(stopped) < _utc(started):
            raise ValueError(f"clock interval stops before it starts: {(started, stopped)}")
        previous_end = _utc(stopped)


def elapsed(hours: WorkingHours, intervals: Sequence[Interval], now: datetime) -> timedelta:
    """Working time the clock has consumed up to `now` (parts of intervals after `now` don't count)."""
    _check_ledger(intervals)
    return sum(
        (
            business_time_between(hours, started, now if stopped is None else min(stopped, now))
            for started, stopped in intervals
        ),
        timedelta(0),
    )


def due_at(
    hours: WorkingHours, intervals: Sequence[Interval], target: timedelta
) -> datetime | None:
    """When the clock reaches `target` (UTC); None while paused short of it or never started.

    1. Consume the stopped intervals in order; if the target runs out inside one, that moment
       is the due time (already past).
    2. Otherwise, if the last interval is running, the rest is added from its start.
    3. Otherwise the clock is paused and nothing is due yet.
    """
    if target < timedelta(0):
        raise ValueError(f"negative target: {target}")
    _check_ledger(intervals)
    remaining = target
    for started, stopped in intervals:
        if stopped is None:
            return add_business_time(hours, started, remaining)
        used = business_time_between(hours, started, stopped)
        if remaining <= used:
            return add_business_time(hours, started, remaining)
        remaining -= used
    return None


def is_running(intervals: Sequence[Interval]) -> bool:
    """Whether the clock is running: the last interval has not stopped."""
    return bool(intervals) and intervals[-1][1] is None


def state(
    hours: WorkingHours,
    intervals: Sequence[Interval],
    target: timedelta,
    now: datetime,
    warn_ratio: float = 0.8,
) -> ClockState:
    """Where the clock stands at `now`, first match wins.

    - breached: the target is used up (elapsed >= target), running or paused; equivalently
      `due_at(...) <= now`.
    - paused: the clock is not running (includes a clock that never started).
    - at_risk: at least `warn_ratio` of the target is used.
    - on_track: otherwise.

    The queue's "due within an hour" is a real-time question; see `due_within`.
    """
    used = elapsed(hours, intervals, now)
    if used >= target and intervals:
        return "breached"
    if not is_running(intervals):
        return "paused"
    if used >= target * warn_ratio:
        return "at_risk"
    return "on_track"


def due_within(
    hours: WorkingHours,
    intervals: Sequence[Interval],
    target: timedelta,
    now: datetime,
    window: timedelta = timedelta(hours=1),
) -> bool:
    """Whether a running, not yet breached clock falls due in (now, now + window] of real time."""
    if not is_running(intervals):
        return False
    due = due_at(hours, intervals, target)
    return due is not None and _utc(now) < due <= _utc(now) + window
