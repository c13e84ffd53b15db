"""core.dates: month arithmetic, "≥ N months" on both sides of the boundary, the national calendar rows."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.db import connection

from core import dates

D = dt.date


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # clamped to the month's end
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2023, 12, 15), 1, D(2024, 1, 15)),  # across a year end
        (D(2023, 3, 31), -1, D(2023, 2, 28)),
        (D(2022, 4, 6), 12, D(2023, 4, 6)),
        (D(2022, 8, 31), 6, D(2023, 2, 28)),
    ],
)
def test_add_months_is_calendar_arithmetic(day, n, expected):
    assert dates.add_months(day, n) == expected


@pytest.mark.django_db
def test_add_months_agrees_with_postgresql_interval_arithmetic():
    # the rules compute "start + N months" in SQL, the certificate and the demo in Python: same day
    starts = [D(2023, 1, 1) + dt.timedelta(days=i) for i in range(0, 731, 7)] + [
        D(2024, 1, 31),
        D(2023, 8, 31),
    ]
    with connection.cursor() as cur:
        for n in (1, 6, 12):
            cur.execute(
                "SELECT s, (s + make_interval(months => %s))::date FROM unnest(%s::date[]) AS s", [n, starts]
            )
            for start, sql in cur.fetchall():
                assert dates.add_months(start, n) == sql, (start, n)


def test_months_helpers():
    assert dates.month_bounds(D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert dates.next_month(D(2023, 12, 31)) == D(2024, 1, 1)
    assert dates.month_starts(D(2023, 11, 30), D(2024, 1, 1)) == [
        D(2023, 11, 1),
        D(2023, 12, 1),
        D(2024, 1, 1),
    ]
    assert dates.month_overlaps(D(2023, 3, 1), D(2023, 3, 31), D(2023, 6, 1))
    assert not dates.month_overlaps(D(2023, 3, 1), D(2023, 4, 1), D(2023, 6, 1))
    assert not dates.month_overlaps(D(2023, 7, 1), D(2023, 4, 1), D(2023, 6, 30))


@pytest.mark.parametrize(
    ("end", "met"),
    [
        (D(2023, 8, 30), False),  # a day short: due "tomorrow"
        (D(2023, 8, 31), True),  # ends on the due day: start + 6 months − 1 day
        (D(2023, 9, 1), True),
    ],
)
def test_six_month_stay_on_both_sides_of_the_boundary(end, met):
    assert dates.min_end(D(2023, 3, 1), 6) == D(2023, 8, 31)
    assert dates.stay_met(D(2023, 3, 1), end, 6) is met


def test_no_minimum_is_always_met():
    assert dates.stay_met(D(2023, 3, 1), D(2023, 3, 1), None)
    assert dates.stay_met(D(2023, 3, 1), D(2023, 3, 1), 0)


def test_national_rows_are_the_librarys_differences_from_monday_to_friday():
    rows = {day: worked for day, worked, _name in dates.national_calendar_rows()}
    assert rows[D(2023, 10, 2)] is False  # National Day, a Monday
    assert rows[D(2023, 10, 7)] is True  # 调休: Saturday worked
    assert D(2023, 10, 1) not in rows  # a Sunday off is no difference
    # every day of the library's range: corrections + Monday–Friday reproduce chinese_calendar.is_workday
    day, last = D(dates.library_years().start, 1, 1), D(dates.library_years().stop - 1, 12, 31)
    while day <= last:
        assert dates.is_working_day(day, rows) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_working_days_counts_holidays_and_adjusted_weekends():
    rows = {day: worked for day, worked, _name in dates.national_calendar_rows()}
    # October 2023: 22 weekdays − Oct 2–6 (5 weekdays off) + Saturday 7 and Sunday 8 worked = 19
    assert dates.working_days(D(2023, 10, 1), D(2023, 10, 31), rows) == 19
    assert dates.working_days(D(2023, 10, 7), D(2023, 10, 7), rows) == 1  # the 调休 Saturday
    assert dates.working_days(D(2023, 10, 2), D(2023, 10, 2), rows) == 0  # the holiday Monday


def test_unknown_years_are_named():
    assert dates.unknown_calendar_years([2025, 2030, 2031, 2030], known=range(2004, 2027)) == [2030, 2031]
