"""Monthly attendance: the closed-form weekday count, China's working days and the shared SQL."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.db import connection

from devtools import factories as f
from teams.choices import EXCUSED_STATUSES, PRESENT_STATUSES
from teams.models import AttendanceRecord
from teams.selectors.attendance import attendance_totals, monthly_attendance, weekdays_sql

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


@pytest.fixture
def attendance_world():
    """Two pairings, deployments starting and ending mid-month (one across a year end), and records of
    every status on weekdays and weekends, some outside the deployment's period."""
    program = f.ProgramFactory(start_date=D(2022, 1, 1), end_date=D(2024, 12, 31))
    pairings = [
        f.PairingFactory(program=program, service_start=D(2022, 1, 1), service_end=D(2024, 12, 31))
        for _ in range(2)
    ]
    periods = [
        (D(2023, 1, 18), D(2023, 4, 11)),
        (D(2023, 3, 1), D(2023, 3, 31)),
        (D(2022, 11, 29), D(2023, 2, 2)),
        (D(2023, 2, 4), D(2023, 2, 5)),  # a weekend only
    ]
    statuses = ["present", "late", "early_leave", "business_trip", "missing_punch", "absent", "leave", "rest"]
    deployments = []
    for i, (start, end) in enumerate(periods):
        team = f.TeamFactory(pairing=pairings[i % 2], year=start.year)
        dep = f.DeploymentFactory(team=team, planned_start=start, planned_end=end)
        deployments.append(dep)
        day, n = start - dt.timedelta(days=3), 0
        while day <= end + dt.timedelta(days=3):
            if n % 5 != 4:  # leave some days without a record
                f.AttendanceFactory(deployment=dep, date=day, status=statuses[n % len(statuses)])
            day += dt.timedelta(days=1)
            n += 1
    return program, pairings, deployments


RANGES = [
    (None, None),
    (D(2023, 1, 1), D(2023, 12, 31)),
    (D(2023, 2, 1), D(2023, 2, 1)),
    (D(2023, 2, 1), D(2023, 3, 15)),
    (D(2022, 12, 1), None),
    (None, D(2023, 1, 1)),
    (D(2024, 1, 1), None),
    (D(2023, 1, 18), D(2023, 3, 15)),  # not first days of months
]


@pytest.mark.parametrize(("month_from", "month_to"), RANGES)
def test_attendance_totals_equal_the_sum_of_the_monthly_rows(attendance_world, month_from, month_to):
    program, pairings, deployments = attendance_world
    for scope in (
        {"program_id": program.pk},
        {"pairing_ids": [pairings[0].pk]},
        {"deployment_ids": [deployments[1].pk, deployments[3].pk]},
        {"pairing_ids": []},
    ):
        rows = monthly_attendance(**scope, month_from=month_from, month_to=month_to)
        totals = attendance_totals(**scope, month_from=month_from, month_to=month_to)
        assert totals == (sum(r.present for r in rows), sum(r.expected for r in rows)), scope


def test_attendance_rows_of_the_fixture(attendance_world):
    # the figures themselves, so the sums above are not vacuous
    _program, _pairings, deployments = attendance_world
    rows = monthly_attendance(deployment_ids=[d.pk for d in deployments])
    by_dep = {}
    for r in rows:
        by_dep.setdefault(r.deployment_id, []).append(r)
    months = [(r.month, r.span_start, r.span_end, r.workdays) for r in by_dep[deployments[2].pk]]
    assert months == [
        (D(2022, 11, 1), D(2022, 11, 29), D(2022, 11, 30), 2),
        (D(2022, 12, 1), D(2022, 12, 1), D(2022, 12, 31), 22),
        # 22 weekdays − New Year's Monday − Spring Festival Mon–Fri + the 调休 weekend (28th, 29th)
        (D(2023, 1, 1), D(2023, 1, 1), D(2023, 1, 31), 18),
        (D(2023, 2, 1), D(2023, 2, 1), D(2023, 2, 2), 2),
    ]
    [weekend] = by_dep[deployments[3].pk]
    assert (weekend.workdays, weekend.present, weekend.excused, weekend.expected) == (0, 0, 0, 0)
    # records outside the period and on days off do not count; records on 调休 weekends do
    for r in rows:
        span = [r.span_start + dt.timedelta(days=i) for i in range((r.span_end - r.span_start).days + 1)]
        recorded = AttendanceRecord.objects.filter(
            deployment_id=r.deployment_id, date__in=[day for day in span if chinese_calendar.is_workday(day)]
        )
        assert r.present == recorded.filter(status__in=PRESENT_STATUSES).count()
        assert r.excused == recorded.filter(status__in=EXCUSED_STATUSES).count()
        assert r.absent == recorded.exclude(status__in=PRESENT_STATUSES | EXCUSED_STATUSES).count()
    assert sum(r.present for r in rows) > 0 and sum(r.excused for r in rows) > 0
    assert attendance_totals(deployment_ids=[d.pk for d in deployments]) == (
        sum(r.present for r in rows),
        sum(r.expected for r in rows),
    )
