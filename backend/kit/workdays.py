"""Working days (工作日): the statutory Chinese calendar, and administrators' days on top of it.

Three layers decide whether a day is a working day, the most specific first:

1. **Administrators' days** (``backend.calendar``, loaded into this process by
   ``backend.calendar.service.refresh()`` through :func:`load_overrides`): an official 调休 notice
   (region ``""``) or a regional holiday (region = a division-code prefix such as ``"65"`` for
   Xinjiang or ``"2224"`` for Yanbian, applying to every region code that starts with it). The row
   with the longest matching region wins.
2. **The statutory calendar** from the maintained ``holidays`` package (China, with the State
   Council's make-up working days). Each year is in one of three states:

   - ``official``: the package carries that year's State Council notice (放假调休安排), or an
     administrator entered it (at least one national row for the year): holidays and make-up
     working days as announced.
   - ``statutory``: the year after the last notice the package knows. Its holidays follow the law
     (《全国年节及纪念日放假办法》: the days themselves, and 补假 on the next weekday for a holiday
     on a weekend, which the package marks 推定), but the make-up working days are unknown until
     the notice is entered. Admins see a warning; the log says so once.
   - ``unknown``: any later year. Monday–Friday, with a warning and one log line, so a deadline
     is never refused; it is recomputed once the calendar knows the year.
3. **Monday to Friday.**

Nothing here imports a backend domain: the rows arrive as plain :class:`Override` values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

log = logging.getLogger("yiwang.workdays")

YearState = Literal["official", "statutory", "unknown"]


@lru_cache(maxsize=1)
def last_official_year() -> int:
    """The last year whose State Council notice the installed ``holidays`` release carries."""
    from holidays.countries.china import China  # imported on first use: loading it costs a worker's start a second

    notices = getattr(China(), "special_public_holidays", None) or {}
    return max(notices) if notices else 0


@dataclass(frozen=True)
class Override:
    """One administrator's day: ``kind`` is ``holiday`` or ``workday``, ``region`` a division-code prefix or ``""``."""

    day: date
    kind: str
    name: str
    region: str = ""


@dataclass(frozen=True)
class _Table:
    by_day: dict[date, tuple[Override, ...]]
    notice_years: frozenset[int]  # years with national rows: the administrator entered that year's notice


_table = _Table({}, frozenset())
_warned: set[tuple[int, str]] = set()


def load_overrides(rows: Iterable[Override]) -> None:
    """Replace this process's administrators' days (one assignment: readers see the old or the new table)."""
    global _table
    by_day: dict[date, list[Override]] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    # Longest region first: the most specific row that matches wins.
    _table = _Table(
        {d: tuple(sorted(rs, key=lambda r: -len(r.region))) for d, rs in by_day.items()},
        frozenset(r.day.year for rs in by_day.values() for r in rs if r.region == ""),
    )


def overrides() -> tuple[Override, ...]:
    """Every administrator's day this process knows."""
    return tuple(r for rs in _table.by_day.values() for r in rs)


def year_state(year: int) -> YearState:
    if year <= last_official_year() or year in _table.notice_years:
        return "official"
    if year == last_official_year() + 1:
        return "statutory"
    return "unknown"


def calendar_known(year: int) -> bool:
    """True when the year's holidays and make-up working days are known as officially announced."""
    return year_state(year) == "official"


def year_warning(year: int) -> str | None:
    """What an administrator (or a resident picking a day) should be told about a year, in Chinese; None when known."""
    state = year_state(year)
    if state == "statutory":
        return (
            f"{year}年的国务院放假调休安排尚未录入：法定节假日（及推定的补假）已计入，调休上班日未知。"
            f"请在通知发布后录入调休安排，录入前的期限可能有一两天出入。"
        )
    if state == "unknown":
        return f"日历尚不知道{year}年的节假日：期限暂按周一至周五计算。请更新节假日数据或录入{year}年的放假安排。"
    return None


@dataclass(frozen=True)
class _Year:
    holidays: dict[date, str]
    workdays: frozenset[date]  # weekend days that are working days (调休上班)


@lru_cache(maxsize=32)
def _statutory(year: int, observed: bool) -> _Year:
    from holidays.countries.china import China

    cal = China(years=year, observed=observed, language="zh_CN")
    return _Year(dict(cal.items()), frozenset(d for d in cal.weekend_workdays if d.year == year))


def _base_year(year: int) -> _Year | None:
    """The statutory layer of a year, or None for a year the calendar does not know."""
    state = year_state(year)
    if state == "unknown":
        _warn_once(year, state, "no statutory calendar for this year, using Monday-Friday")
        return None
    if state == "statutory":
        _warn_once(year, state, "State Council notice for this year not entered: statutory holidays only, make-up working days unknown")
    # The package's own notices, or the law's days plus its estimated 补假 until an administrator enters the notice.
    entered_by_admin = year > last_official_year() and year in _table.notice_years
    return _statutory(year, not entered_by_admin)


def _warn_once(year: int, state: str, message: str) -> None:
    if (year, state) not in _warned:
        _warned.add((year, state))
        log.warning(message, extra={"year": year})


def _override(day: date, region: str) -> Override | None:
    for row in _table.by_day.get(day, ()):
        if region.startswith(row.region):
            return row
    return None


def statutory_days(year: int) -> list[tuple[date, str, str]]:
    """(day, kind, name) of the statutory layer of a year; empty for a year the calendar does not know."""
    base = _base_year(year)
    if base is None:
        return []
    law = _statutory(year, False).holidays if year_state(year) == "statutory" else base.holidays
    days = [(d, "holiday", name if d in law else f"{name}（推定）") for d, name in base.holidays.items()]
    days += [(d, "workday", "调休上班") for d in base.workdays]
    return sorted(days)


def is_working_day(day: date, region: str = "") -> bool:
    """Whether offices work on ``day`` in ``region`` (a 6-digit division code, or ``""`` for national days only)."""
    row = _override(day, region)
    if row is not None:
        return row.kind == "workday"
    base = _base_year(day.year)
    if base is not None:
        if day in base.holidays:
            return False
        if day in base.workdays:
            return True
    return day.weekday() < 5


def add_working_days(start: date, days: int, region: str = "") -> date:
    """The day on which ``days`` working days after ``start`` have passed (start itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, region):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, region: str = "") -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, region):
            count += 1
    return count
