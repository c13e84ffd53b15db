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
from django.utils.translation import gettext as _

from core.access import User
from teams.choices import EXCUSED_STATUSES, PRESENT_STATUSES
from teams.models import Deployment


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


# Month k as an integer (year * 12 + month - 1): the month of a date, and the first day of month k.
def _month_of(day: str) -> str:
    return f"(EXTRACT(YEAR FROM {day})::int * 12 + EXTRACT(MONTH FROM {day})::int - 1)"


def _first_day(k: str) -> str:
    return f"make_date(({k}) / 12, MOD({k}, 12) + 1, 1)"


# ``d``: the deployments. ``m``: one row per deployment and calendar month that touches its period and
# whose first day is in [month_from, month_to]; [lo, hi) is the part of the month inside the period.
# ``a``: the weekday records inside the deployments' periods, grouped by the record's month, so each
# lands on exactly one row of ``m`` (the left join drops months outside the range; the date conditions
# on ``d`` and ``a`` only skip rows that could not match).
#
# Months are walked as integers with plain date arithmetic (a timestamptz series with range
# intersections cost several times more per row), and only between the first month starting on or
# after month_from and the month of month_to, instead of generating a deployment's other months and
# filtering them out.
_CTES = f"""
WITH d AS (
    SELECT d.id, t.pairing_id, d.period
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN pairings_pairing p ON p.id = t.pairing_id
     WHERE (%(program_id)s::bigint IS NULL OR p.program_id = %(program_id)s)
       AND (%(pairing_ids)s::bigint[] IS NULL OR p.id = ANY(%(pairing_ids)s))
       AND (%(deployment_ids)s::bigint[] IS NULL OR d.id = ANY(%(deployment_ids)s))
       AND (%(month_from)s::date IS NULL OR upper(d.period) > %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR lower(d.period) <= %(month_to)s::date + 31)
),
m AS (
    SELECT d.id AS deployment_id, d.pairing_id, x.month, x.lo, x.hi,
           {weekdays_sql("x.lo", "x.hi")} AS weekdays
      FROM d
     CROSS JOIN generate_series(
               GREATEST({_month_of("lower(d.period)")}, {_month_of("%(month_from)s::date - 1")} + 1),
               LEAST({_month_of("upper(d.period) - 1")}, {_month_of("%(month_to)s::date")})
           ) AS k
     CROSS JOIN LATERAL (
           SELECT {_first_day("k")} AS month,
                  GREATEST({_first_day("k")}, lower(d.period)) AS lo,
                  LEAST({_first_day("k + 1")}, upper(d.period)) AS hi
           ) AS x
     -- Repeats the series bounds: lets the planner expect a few months per deployment instead of
     -- generate_series' default 1000 rows (that estimate alone triggers JIT compilation, ~1 s).
     WHERE (%(month_from)s::date IS NULL OR k >= {_month_of("%(month_from)s::date - 1")} + 1)
       AND (%(month_to)s::date IS NULL OR k <= {_month_of("%(month_to)s::date")})
),
a AS (
    SELECT r.deployment_id, {_first_day(_month_of("r.date"))} AS month,
           COUNT(*) FILTER (WHERE r.status = ANY(%(present)s)) AS present,
           COUNT(*) FILTER (WHERE r.status = ANY(%(excused)s)) AS excused,
           COUNT(*) FILTER (WHERE NOT (r.status = ANY(%(present)s)) AND NOT (r.status = ANY(%(excused)s)))
               AS absent
      FROM d JOIN teams_attendancerecord r ON r.deployment_id = d.id AND r.date <@ d.period
     WHERE EXTRACT(ISODOW FROM r.date) < 6
       AND (%(month_from)s::date IS NULL OR r.date >= %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR r.date <= %(month_to)s::date + 31)
     GROUP BY 1, 2
)
"""

_SQL = f"""{_CTES}
SELECT m.deployment_id, m.pairing_id, m.month, m.lo AS span_start, m.hi - 1 AS span_end,
       m.weekdays::int, COALESCE(a.excused, 0)::int AS excused, COALESCE(a.present, 0)::int AS present,
       COALESCE(a.absent, 0)::int AS absent
  FROM m LEFT JOIN a USING (deployment_id, month)
 ORDER BY m.deployment_id, m.month
"""

# Σ present and Σ expected (``MonthlyAttendance.expected``) over the same rows, without sending them.
_TOTALS_SQL = f"""{_CTES}
SELECT COALESCE(SUM(COALESCE(a.present, 0)), 0)::bigint,
       COALESCE(SUM(GREATEST(m.weekdays - COALESCE(a.excused, 0), 0)), 0)::bigint
  FROM m LEFT JOIN a USING (deployment_id, month)
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


def _params(
    program_id: int | None,
    pairing_ids: Sequence[int] | None,
    deployment_ids: Sequence[int] | None,
    month_from: dt.date | None,
    month_to: dt.date | None,
) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "pairing_ids": list(pairing_ids) if pairing_ids is not None else None,
        "deployment_ids": list(deployment_ids) if deployment_ids is not None else None,
        "month_from": month_from,
        "month_to": month_to,
        "present": sorted(str(s) for s in PRESENT_STATUSES),
        "excused": sorted(str(s) for s in EXCUSED_STATUSES),
    }


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
    params = _params(program_id, pairing_ids, deployment_ids, month_from, month_to)
    with connection.cursor() as cur:
        cur.execute(_SQL, params)
        return [MonthlyAttendance(*row) for row in cur.fetchall()]


def attendance_totals(
    *,
    program_id: int | None = None,
    pairing_ids: Sequence[int] | None = None,
    deployment_ids: Sequence[int] | None = None,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> tuple[int, int]:
    """(Σ present, Σ expected) over the rows ``monthly_attendance`` returns for the same arguments, summed
    in the database: the ATTENDANCE_RATE of a whole program or period without fetching a row per
    deployment and month."""
    params = _params(program_id, pairing_ids, deployment_ids, month_from, month_to)
    with connection.cursor() as cur:
        cur.execute(_TOTALS_SQL, params)
        present, expected = cur.fetchone()
    return int(present), int(expected)


def monthly_attendance_table(*, user: User, month: dt.date) -> list[dict[str, Any]]:
    """The monthly attendance page: every deployment the user may see that is on site in ``month``, with
    its figures from ``monthly_attendance`` (two queries whatever the number of rows)."""
    from django.db.models import F

    month = month.replace(day=1)
    month_end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    deployments = list(
        # Attendance is the person's record: a co-supporter of the pairing does not see it.
        Deployment.objects.for_user(user, scope=Deployment.RECORDS_SCOPE)
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
                "team": _("%(recipient)s %(year)s 第%(rotation)s批")
                % {"recipient": d["recipient_name"], "year": d["team_year"], "rotation": d["team_rotation"]},
                "expected_days": f.expected if f else 0,
                "present_days": f.present if f else 0,
                "leave_days": f.excused if f else 0,
                "absent_days": f.absent if f else 0,
                "rate": f"{f.rate:.1%}" if f and f.rate is not None else None,
            }
        )
    return rows
