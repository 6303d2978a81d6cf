"""The statutory layer: 2026 as the State Council announced it, 2027 by the law until its notice is entered, later years Monday–Friday."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from backend.kit import workdays
from backend.kit.workdays import add_working_days, calendar_known, is_working_day, working_days_between, year_state, year_warning

pytestmark = pytest.mark.usefixtures("no_admin_days")


def test_the_installed_holidays_release_carries_the_2026_notice():
    # Bumping `holidays` changes this: check its China notes, then move this line and the tests below.
    assert workdays.last_official_year() == 2026
    assert calendar_known(2026)


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 1), date(2026, 1, 2), date(2026, 2, 16), date(2026, 2, 23), date(2026, 4, 6), date(2026, 5, 5), date(2026, 6, 19)]
    + [date(2026, 10, d) for d in range(1, 8)],
)
def test_2026_holidays(day):
    assert not is_working_day(day)


MAKE_UP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)]


@pytest.mark.parametrize("day", MAKE_UP_2026)
def test_2026_make_up_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


def test_2026_deadlines_step_over_the_golden_week_and_count_the_make_up_saturday():
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 8), 2) == date(2026, 10, 10)  # Friday, then the make-up Saturday
    # 春节 2026: 15–23 off, with the make-up Saturdays 14 and 28.
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert [d for d in (date(2026, 2, i) for i in range(14, 29)) if is_working_day(d)] == [
        date(2026, 2, 14),
        date(2026, 2, 24),
        date(2026, 2, 25),
        date(2026, 2, 26),
        date(2026, 2, 27),
        date(2026, 2, 28),
    ]


@pytest.mark.parametrize(
    "day",
    [date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 4, 5), date(2027, 5, 3)]
    + [date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5)],
)
def test_2027_holidays_by_the_law(day):
    """春节 (除夕 and 初一–初三, 补假 for the weekend days) and 国庆 (1–3, 补假 for the weekend days)."""
    assert not is_working_day(day)


def test_2027_is_not_yet_known_and_says_why():
    assert year_state(2027) == "statutory"
    assert not calendar_known(2027)
    assert "调休" in (year_warning(2027) or "")
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 6)
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)


def test_the_2027_listing_marks_the_estimated_days():
    names = {d: name for d, kind, name in workdays.statutory_days(2027) if kind == "holiday"}
    assert names[date(2027, 2, 6)] == "春节"
    assert "推定" in names[date(2027, 10, 4)]
    assert all(kind == "holiday" for _, kind, _ in workdays.statutory_days(2027))  # no make-up working day is guessed


def test_an_unknown_year_falls_back_to_monday_to_friday_and_logs_it_once(caplog):
    workdays._warned.discard((2031, "unknown"))
    with caplog.at_level(logging.WARNING, logger="yiwang.workdays"):
        assert is_working_day(date(2031, 10, 1))  # a Wednesday: 国庆节 is not guessed
        assert not is_working_day(date(2031, 10, 4))  # Saturday
        assert add_working_days(date(2031, 1, 23), 3) == date(2031, 1, 28)  # 春节 2031 is not guessed either
    assert not calendar_known(2031)
    assert "周一至周五" in (year_warning(2031) or "")
    assert [r.message for r in caplog.records].count("no statutory calendar for this year, using Monday-Friday") == 1
    assert workdays.statutory_days(2031) == []
