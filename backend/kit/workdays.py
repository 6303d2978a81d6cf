"""Working days (工作日) from the statutory Chinese calendar: holidays and make-up working days.

The calendar data (chinesecalendar) covers the years the State Council has announced. For a
later year the rule falls back to Monday–Friday and says so in the log, so a deadline is never
refused; it is recomputed exactly once the package knows that year.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger("yiwang.workdays")
_warned: set[int] = set()


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning("no statutory calendar for this year, using Monday-Friday", extra={"year": day.year})
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The day on which ``days`` working days after ``start`` have passed (start itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
