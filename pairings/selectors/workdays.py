"""Working days of a province (``core.dates``): the national calendar corrected by the province's own rows.

``corrections_sql`` is the one definition the attendance query and these helpers share: per province and
date, whether a day that differs from Monday–Friday is worked. A province row wins over the national one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from core.dates import unknown_calendar_years


def corrections_sql(provinces: str) -> str:
    """SQL rows (province_id, date, is_workday) for the provinces the SQL set ``provinces`` yields."""
    return f"""
SELECT pv.province_id, h.date, h.is_workday
  FROM ({provinces}) AS pv(province_id)
 CROSS JOIN core_holidaydate h
 WHERE NOT EXISTS (SELECT 1 FROM pairings_provinceworkday o
                    WHERE o.province_id = pv.province_id AND o.date = h.date)
UNION ALL
SELECT o.province_id, o.date, o.is_workday
  FROM pairings_provinceworkday o
 WHERE o.province_id IN ({provinces})
"""


CORRECTIONS_SQL = corrections_sql("SELECT unnest(%(province_ids)s::bigint[])")


def working_day_corrections(
    *, province_id: int | None, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, bool]:
    """{date: is worked} for the days in [date_from, date_to] that differ from Monday–Friday in the
    province (national calendar only when ``province_id`` is None). One query."""
    sql = f"SELECT date, is_workday FROM ({CORRECTIONS_SQL}) c WHERE date BETWEEN %(a)s AND %(b)s"
    with connection.cursor() as cur:
        if province_id is None:
            cur.execute(
                "SELECT date, is_workday FROM core_holidaydate WHERE date BETWEEN %s AND %s",
                [date_from, date_to],
            )
        else:
            cur.execute(sql, {"province_ids": [province_id], "a": date_from, "b": date_to})
        return dict(cur.fetchall())


def known_calendar_years(*, province_id: int | None) -> set[int]:
    """Years with a calendar for the province: the national one (chinese-calendar) or its own rows."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT EXTRACT(YEAR FROM date)::int FROM core_holidaydate
               UNION SELECT DISTINCT EXTRACT(YEAR FROM date)::int FROM pairings_provinceworkday
                WHERE province_id = %s""",
            [province_id],
        )
        return {y for (y,) in cur.fetchall()}


def years_counted_as_weekdays(*, province_id: int | None, years: Iterable[int]) -> list[int]:
    """The ``years`` with no holiday calendar for the province: Monday–Friday are their working days
    (the documented fallback); pages and reports name them."""
    return unknown_calendar_years(years, known_calendar_years(province_id=province_id))
