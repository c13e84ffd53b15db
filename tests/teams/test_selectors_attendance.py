"""Monthly attendance: the closed-form weekday count and the shared SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from teams.selectors_attendance import weekdays_sql

D = dt.date
pytestmark = pytest.mark.django_db


def test_closed_form_weekdays_equal_counting_the_days():
    # every start day of two years (one of them a leap year) × every length 0 … 40 days
    first, days, lengths = D(2023, 1, 1), 731, 41
    sql = f"""
        SELECT a::date, n, {weekdays_sql("a::date", "a::date + n")},
               (SELECT COUNT(*) FROM generate_series(a::date, a::date + n - 1, interval '1 day') AS day
                 WHERE EXTRACT(ISODOW FROM day) < 6)
          FROM generate_series(%s::date, %s::date, interval '1 day') AS a, generate_series(0, %s) AS n
    """
    with connection.cursor() as cur:
        cur.execute(sql, [first, first + dt.timedelta(days=days - 1), lengths - 1])
        rows = cur.fetchall()
    assert len(rows) == days * lengths
    for start, n, closed_form, counted in rows:
        python = sum(1 for i in range(n) if (start + dt.timedelta(days=i)).weekday() < 5)
        assert closed_form == counted == python, (start, n)
