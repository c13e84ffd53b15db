"""Dates, defined once (SPEC §3, §3a): month arithmetic, "≥ N months" stays, China's working days.

* Months: ``month_start`` / ``month_end`` / ``next_month`` / ``add_months`` / ``month_starts``. Adding months
  clamps to the month's last day (2023-01-31 + 1 month = 2023-02-28), as ``dateutil.relativedelta`` and
  PostgreSQL's ``date + interval 'N months'`` do, so Python and SQL agree.
* Stays: "≥ N months" is calendar arithmetic on inclusive ranges — the last day ≥ start + N months − 1 day
  (``min_end``, ``stay_met``). The SQL side is ``upper(period) >= lower(period) + make_interval(months => N)``
  on PostgreSQL's ``[)`` date ranges: the same day.
* Working days: Monday–Friday, corrected by China's public holidays (a weekday off) and adjusted working
  weekends (调休, a Saturday or Sunday worked) from the kept library ``chinese-calendar``
  (``national_calendar_rows``; loaded into ``core.HolidayDate`` by a migration and ``manage.py
  load_holidays``), then by a province's own overrides (``pairings.ProvinceWorkday``, admin-editable) for
  years the library does not know yet or local decisions. A year neither knows counts Monday–Friday as
  working days — ``unknown_calendar_years`` names such years so pages and reports can say so.
  The attendance query counts working days in SQL from these tables (``teams.selectors.attendance``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator

DAY = dt.timedelta(days=1)


# --- Months ---------------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return month_end(day) + DAY


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of ``day``'s month."""
    return month_start(day), month_end(day)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar arithmetic, clamped to the month's end: 2023-01-31 + 1 month = 2023-02-28."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of every month that [``start``, ``end``] (inclusive) touches."""
    out = []
    m = month_start(start)
    while m <= end:
        out.append(m)
        m = next_month(m)
    return out


def month_overlaps(month: dt.date, start: dt.date, end: dt.date) -> bool:
    """Whether ``month`` (any day of it) shares a day with the inclusive range [``start``, ``end``]."""
    return month_start(month) <= end and month_end(month) >= start


# --- "≥ N months" ---------------------------------------------------------------------------------------


def min_end(start: dt.date, months: int) -> dt.date:
    """The earliest last day of a stay of at least ``months`` months: start + N months − 1 day."""
    return add_months(start, months) - DAY


def stay_met(start: dt.date, end: dt.date, months: int | None) -> bool:
    """SPEC §3: "≥ N months" means end ≥ start + N months − 1 day (inclusive ranges); no minimum is met."""
    if not months:
        return True
    return end >= min_end(start, months)


# --- Working days ---------------------------------------------------------------------------------------


def is_weekday(day: dt.date) -> bool:
    return day.isoweekday() < 6


def library_years() -> range:
    """The years ``chinese-calendar`` knows (its holiday table's first to last year)."""
    from chinese_calendar import constants  # the library is only needed when its data is read

    years = [d.year for d in constants.holidays]
    return range(min(years), max(years) + 1)


def national_calendar_rows() -> Iterator[tuple[dt.date, bool, str]]:
    """(date, is working day, name) for every day the library says differs from Monday–Friday: public
    holidays on weekdays and adjusted working weekends (调休). Days that match the default are not listed —
    the attendance query starts from Monday–Friday and applies only these corrections."""
    from chinese_calendar import constants

    for day, name in sorted(constants.holidays.items()):
        if is_weekday(day):
            yield day, False, str(name)
    for day, name in sorted(constants.workdays.items()):
        if not is_weekday(day):
            yield day, True, str(name)


def is_working_day(day: dt.date, corrections: dict[dt.date, bool]) -> bool:
    """Python twin of the SQL test (for forms and single days): a correction wins, else Monday–Friday."""
    return corrections.get(day, is_weekday(day))


def working_days(start: dt.date, end: dt.date, corrections: dict[dt.date, bool]) -> int:
    """Working days in the inclusive range [``start``, ``end``] (small ranges; the lists use SQL)."""
    n, day = 0, start
    while day <= end:
        n += is_working_day(day, corrections)
        day += DAY
    return n


def unknown_calendar_years(years: Iterable[int], known: Iterable[int]) -> list[int]:
    """The ``years`` not in ``known`` (years with a national or provincial calendar): their working days are
    counted as Monday–Friday, and pages and reports say so."""
    have = set(known)
    return sorted({y for y in years if y not in have})
