"""Monthly attendance rate of deployments: one set-based query, reused by ATTENDANCE_RATE, appraisals, API.

For each deployment and each calendar month its ``period`` touches:

* expected working days = Monday–Friday days of the month inside the deployment's period, minus the excused
  days (``EXCUSED_STATUSES``: approved leave, rest days) recorded on those days;
* present days = records with a ``PRESENT_STATUSES`` status on those days (late / left early / business trip
  still came to work);
* rate = present / expected (None when nothing is expected).

Weekend records do not count either way (public-holiday calendars are not modelled).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from .choices import EXCUSED_STATUSES, PRESENT_STATUSES


# Monday–Friday days in [start, end) in closed form rather than by walking the days (a generate_series
# over every day of every deployment-month was most of this query's time). _weekdays_before(x) counts the
# weekdays from Monday 1900-01-01 up to x: five per whole week, plus the days into x's week, at most five.
# Integer division truncates toward zero, so it holds for dates from 1900-01-01 on.
def _weekdays_before(day: str) -> str:
    days = f"({day} - DATE '1900-01-01')"
    return f"({days} / 7 * 5 + LEAST(MOD({days}, 7), 5))"


def weekdays_sql(start: str, end: str) -> str:
    """SQL expression: the number of Monday–Friday days in [``start``, ``end``) (two SQL date expressions)."""
    return f"({_weekdays_before(end)} - {_weekdays_before(start)})"


_SQL = f"""
WITH d AS (
    SELECT d.id, t.pairing_id, d.period
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN pairings_pairing p ON p.id = t.pairing_id
     WHERE (%(program_id)s::bigint IS NULL OR p.program_id = %(program_id)s)
       AND (%(pairing_ids)s::bigint[] IS NULL OR p.id = ANY(%(pairing_ids)s))
       AND (%(deployment_ids)s::bigint[] IS NULL OR d.id = ANY(%(deployment_ids)s))
),
m AS (
    SELECT d.id AS deployment_id, d.pairing_id, d.period, gs::date AS month,
           daterange(gs::date, (gs + interval '1 month')::date) * d.period AS span
      FROM d,
           generate_series(date_trunc('month', lower(d.period)), upper(d.period) - 1, interval '1 month')
               AS gs
     WHERE (%(month_from)s::date IS NULL OR gs >= %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR gs <= %(month_to)s::date)
),
w AS (
    SELECT m.deployment_id, m.month, {weekdays_sql("lower(m.span)", "upper(m.span)")} AS weekdays
      FROM m
),
a AS (
    SELECT m.deployment_id, m.month,
           COUNT(*) FILTER (WHERE r.status = ANY(%(present)s)) AS present,
           COUNT(*) FILTER (WHERE r.status = ANY(%(excused)s)) AS excused,
           COUNT(*) FILTER (WHERE NOT (r.status = ANY(%(present)s)) AND NOT (r.status = ANY(%(excused)s)))
               AS absent
      FROM m JOIN teams_attendancerecord r
        ON r.deployment_id = m.deployment_id AND r.date <@ m.span AND EXTRACT(ISODOW FROM r.date) < 6
     GROUP BY m.deployment_id, m.month
)
SELECT m.deployment_id, m.pairing_id, m.month, lower(m.span) AS span_start, upper(m.span) - 1 AS span_end,
       w.weekdays::int, COALESCE(a.excused, 0)::int AS excused, COALESCE(a.present, 0)::int AS present,
       COALESCE(a.absent, 0)::int AS absent
  FROM m JOIN w USING (deployment_id, month)
  LEFT JOIN a USING (deployment_id, month)
 ORDER BY m.deployment_id, m.month
"""


@dataclasses.dataclass(frozen=True)
class MonthlyAttendance:
    deployment_id: int
    pairing_id: int
    month: dt.date  # first day of the month
    span_start: dt.date  # part of the month inside the deployment's period
    span_end: dt.date
    weekdays: int
    excused: int
    present: int
    absent: int  # recorded non-present, non-excused working days (旷工, 缺卡 …)

    @property
    def expected(self) -> int:
        return max(self.weekdays - self.excused, 0)

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


def monthly_attendance(
    *,
    program_id: int | None = None,
    pairing_ids: Sequence[int] | None = None,
    deployment_ids: Sequence[int] | None = None,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> list[MonthlyAttendance]:
    """Attendance per deployment and month in one query. Callers scope the rows: pass ``pairing_ids`` or
    ``deployment_ids`` taken from a ``for_user`` queryset (the rule engine passes its program).
    ``month_from``/``month_to`` are first days of months (inclusive).
    """
    params: dict[str, Any] = {
        "program_id": program_id,
        "pairing_ids": list(pairing_ids) if pairing_ids is not None else None,
        "deployment_ids": list(deployment_ids) if deployment_ids is not None else None,
        "month_from": month_from,
        "month_to": month_to,
        "present": sorted(str(s) for s in PRESENT_STATUSES),
        "excused": sorted(str(s) for s in EXCUSED_STATUSES),
    }
    with connection.cursor() as cur:
        cur.execute(_SQL, params)
        return [MonthlyAttendance(*row) for row in cur.fetchall()]


def monthly_attendance_table(*, user: Any, month: dt.date) -> list[dict[str, Any]]:
    """The monthly attendance page: every deployment the user may see that is on site in ``month``, with
    its figures from ``monthly_attendance`` (two queries whatever the number of rows)."""
    from django.db.models import F

    from .models import Deployment

    month = month.replace(day=1)
    month_end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    deployments = list(
        Deployment.objects.for_user(user)
        .filter(period__overlap=(month, month_end + dt.timedelta(days=1)))
        .annotate(
            staff_name=F("staff__name"),
            recipient_name=F("team__pairing__recipient__name"),
            team_year=F("team__year"),
            team_rotation=F("team__rotation"),
        )
        .order_by("recipient_name", "staff_name", "pk")
        .values("pk", "staff_name", "recipient_name", "team_year", "team_rotation")
    )
    figures = {
        r.deployment_id: r
        for r in monthly_attendance(
            deployment_ids=[d["pk"] for d in deployments], month_from=month, month_to=month
        )
    }
    rows = []
    for d in deployments:
        f = figures.get(d["pk"])
        rows.append(
            {
                "deployment": d["pk"],
                "staff_name": d["staff_name"],
                "team": f"{d['recipient_name']} {d['team_year']} 第{d['team_rotation']}批",
                "expected_days": f.expected if f else 0,
                "present_days": f.present if f else 0,
                "leave_days": f.excused if f else 0,
                "absent_days": f.absent if f else 0,
                "rate": f"{f.rate:.1%}" if f and f.rate is not None else None,
            }
        )
    return rows
