"""Monthly attendance rate of deployments: one set-based query, reused by ATTENDANCE_RATE, appraisals, API.

For each deployment and each calendar month its ``period`` touches (SPEC §3a, defined here once):

* working days = China's working days (``core.dates``: Monday–Friday, minus public holidays, plus adjusted
  working weekends 调休, then the province's own corrections) of the month inside the deployment's period —
  counted in SQL: the closed-form weekday count plus the calendar corrections that fall in the span;
* expected = working days minus the excused days: those recorded with an ``EXCUSED_STATUSES`` status
  (approved leave, rest days in a DingTalk export) and those covered by a ``LeaveRequest`` approved in the
  app (issue 19) with no present or excused record of their own — each working day counted once;
* present days = records with a ``PRESENT_STATUSES`` status on working days (late / left early / business
  trip still came to work); records on days off count neither way;
* imported: whether the pairing has any attendance record in that month. A month nobody imported is "not
  imported" — its rate is None (never 0 %) and it is left out of every total;
* rate = present / expected (None when nothing is expected or the month is not imported).

A year with no holiday calendar (neither chinese-calendar nor the province's rows know it) counts
Monday–Friday; ``pairings.selectors.years_counted_as_weekdays`` names such years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from core.access import User
from core.dates import month_bounds
from pairings.selectors.workdays import corrections_sql
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


# ``s``: the pairings in scope (with the deployment_ids filter, every pairing of those deployments, so that
# "imported" is judged on the whole pairing). ``d``: their deployments, ``wanted`` marking the rows asked for.
# ``c``: the provinces' calendar corrections in range, each with its month k and its effect on the Monday–
# Friday count (+1 a worked weekend day, −1 a weekday off). ``m``: one row per deployment and calendar month
# that touches its period and whose first day is in [month_from, month_to]; [lo, hi) is the part of the month
# inside the period. ``mc``: the corrections inside each [lo, hi), joined on (province, month) so each row of
# ``m`` meets only its month's few holidays. ``a``: the records inside the deployments' periods, grouped by
# the record's month, so each lands on exactly one row of ``m``.
#
# Months are walked as integers with plain date arithmetic (a timestamptz series with range
# intersections cost several times more per row), and only between the first month starting on or
# after month_from and the month of month_to, instead of generating a deployment's other months and
# filtering them out.
_CTES = f"""
WITH s AS (
    SELECT p.id AS pairing_id, pr.province_id
      FROM pairings_pairing p
      JOIN pairings_program pr ON pr.id = p.program_id
     WHERE (%(program_id)s::bigint IS NULL OR p.program_id = %(program_id)s)
       AND (%(pairing_ids)s::bigint[] IS NULL OR p.id = ANY(%(pairing_ids)s))
       AND (%(deployment_ids)s::bigint[] IS NULL OR p.id IN (
               SELECT t.pairing_id FROM teams_deployment x JOIN teams_team t ON t.id = x.team_id
                WHERE x.id = ANY(%(deployment_ids)s)))
),
d AS (
    SELECT d.id, s.pairing_id, s.province_id, d.period,
           (%(deployment_ids)s::bigint[] IS NULL OR d.id = ANY(%(deployment_ids)s)) AS wanted
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN s ON s.pairing_id = t.pairing_id
     WHERE (%(month_from)s::date IS NULL OR upper(d.period) > %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR lower(d.period) <= %(month_to)s::date + 31)
),
c AS (
    SELECT c.province_id, c.date, c.is_workday, {_month_of("c.date")} AS k,
           CASE WHEN c.is_workday AND EXTRACT(ISODOW FROM c.date) >= 6 THEN 1
                WHEN NOT c.is_workday AND EXTRACT(ISODOW FROM c.date) < 6 THEN -1
                ELSE 0 END AS delta
      FROM ({corrections_sql("SELECT DISTINCT province_id FROM s")}) c
     WHERE (%(month_from)s::date IS NULL OR c.date >= %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR c.date <= %(month_to)s::date + 31)
),
m AS (
    SELECT d.id AS deployment_id, d.pairing_id, d.province_id, d.wanted, k, x.month, x.lo, x.hi,
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
mc AS (
    SELECT m.deployment_id, m.month, SUM(c.delta) AS delta
      FROM m JOIN c ON c.province_id = m.province_id AND c.k = m.k AND c.date >= m.lo AND c.date < m.hi
     GROUP BY 1, 2
),
a AS (
    SELECT r.deployment_id, {_first_day(_month_of("r.date"))} AS month,
           COUNT(*) FILTER (WHERE w.worked AND r.status = ANY(%(present)s)) AS present,
           COUNT(*) FILTER (WHERE w.worked AND r.status = ANY(%(excused)s)) AS excused,
           COUNT(*) FILTER (WHERE w.worked AND NOT (r.status = ANY(%(present)s))
                                 AND NOT (r.status = ANY(%(excused)s)) AND NOT EXISTS (
                   SELECT 1 FROM teams_leaverequest l
                    WHERE l.deployment_id = r.deployment_id AND l.status = 'approved'
                      AND r.date BETWEEN l.start_date AND l.end_date)) AS absent
      FROM d JOIN teams_attendancerecord r ON r.deployment_id = d.id AND r.date <@ d.period
      LEFT JOIN c ON c.province_id = d.province_id AND c.date = r.date
     CROSS JOIN LATERAL (SELECT COALESCE(c.is_workday, EXTRACT(ISODOW FROM r.date) < 6) AS worked) w
     WHERE (%(month_from)s::date IS NULL OR r.date >= %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR r.date <= %(month_to)s::date + 31)
     GROUP BY 1, 2
),
lv AS (
    -- Working days of leave approved in the app (issue 19) that no present or excused record already
    -- covers: a day the export marks absent but the leave excuses is excused, not absent.
    SELECT l.deployment_id, {_first_day(_month_of("g.day"))} AS month, COUNT(DISTINCT g.day) AS excused
      FROM d JOIN teams_leaverequest l ON l.deployment_id = d.id AND l.status = 'approved'
     CROSS JOIN LATERAL (
           SELECT x::date AS day FROM generate_series(l.start_date, l.end_date, interval '1 day') AS x
           ) AS g
      LEFT JOIN c ON c.province_id = d.province_id AND c.date = g.day
     WHERE g.day <@ d.period AND COALESCE(c.is_workday, EXTRACT(ISODOW FROM g.day) < 6)
       AND (%(month_from)s::date IS NULL OR g.day >= %(month_from)s::date)
       AND (%(month_to)s::date IS NULL OR g.day <= %(month_to)s::date + 31)
       AND NOT EXISTS (
           SELECT 1 FROM teams_attendancerecord r
            WHERE r.deployment_id = l.deployment_id AND r.date = g.day
              AND (r.status = ANY(%(present)s) OR r.status = ANY(%(excused)s)))
     GROUP BY 1, 2
),
rows AS (
    SELECT m.deployment_id, m.pairing_id, m.month, m.lo AS span_start, m.hi - 1 AS span_end,
           (m.weekdays + COALESCE(mc.delta, 0))::int AS workdays,
           (COALESCE(a.excused, 0) + COALESCE(lv.excused, 0))::int AS excused,
           COALESCE(a.present, 0)::int AS present, COALESCE(a.absent, 0)::int AS absent,
           bool_or(a.deployment_id IS NOT NULL) OVER (PARTITION BY m.pairing_id, m.month) AS imported,
           m.wanted
      FROM m LEFT JOIN mc USING (deployment_id, month) LEFT JOIN a USING (deployment_id, month)
      LEFT JOIN lv USING (deployment_id, month)
)
"""

_SQL = f"""{_CTES}
SELECT deployment_id, pairing_id, month, span_start, span_end, workdays, excused, present, absent, imported
  FROM rows WHERE wanted
 ORDER BY deployment_id, month
"""

# Σ present and Σ expected (``MonthlyAttendance.expected``) over the same rows, without sending them; months
# not imported are left out of both.
_TOTALS_SQL = f"""{_CTES}
SELECT COALESCE(SUM(present) FILTER (WHERE imported), 0)::bigint,
       COALESCE(SUM(GREATEST(workdays - excused, 0)) FILTER (WHERE imported), 0)::bigint
  FROM rows WHERE wanted
"""


# Pairing-months with people on site, and those of them with no attendance imported (SPEC §3a).
_IMPORT_STATUS_SQL = f"""{_CTES}
SELECT COUNT(DISTINCT (pairing_id, month))::int,
       COUNT(DISTINCT (pairing_id, month)) FILTER (WHERE NOT imported)::int
  FROM rows WHERE wanted
"""


# Per pairing and month: Σ present and Σ expected over the imported rows (what ``_TOTALS_SQL`` sums) and
# whether the month was imported (what ``_IMPORT_STATUS_SQL`` counts). The indicators' fact table
# (``assessments.selectors.indicator_facts``) is filled from this, so it cannot define a month otherwise.
PAIRING_MONTHS_SQL = f"""{_CTES}
SELECT pairing_id, month,
       COALESCE(SUM(present) FILTER (WHERE imported), 0)::int AS present,
       COALESCE(SUM(GREATEST(workdays - excused, 0)) FILTER (WHERE imported), 0)::int AS expected,
       bool_or(imported) AS imported
  FROM rows WHERE wanted
 GROUP BY pairing_id, month
"""


def pairing_months_params(*, pairing_ids: Sequence[int]) -> dict[str, Any]:
    """The parameters of ``PAIRING_MONTHS_SQL`` for ``pairing_ids``, every month."""
    return _params(None, pairing_ids, None, None, None)


_NOT_IMPORTED_SQL = f"""{_CTES}
SELECT DISTINCT pairing_id, month FROM rows WHERE wanted AND NOT imported ORDER BY pairing_id, month
"""


# slots: a national year is hundreds of thousands of these (the annual workbook holds them all at once).
@dataclasses.dataclass(frozen=True, slots=True)
class MonthlyAttendance:
    deployment_id: int
    pairing_id: int
    month: dt.date  # first day of the month
    span_start: dt.date  # part of the month inside the deployment's period
    span_end: dt.date
    workdays: int  # China's working days in the span (core.dates)
    excused: int
    present: int
    absent: int  # recorded non-present, non-excused working days (旷工, 缺卡 …)
    imported: bool  # the pairing has attendance records in this month

    @property
    def expected(self) -> int:
        """Working days less excused ones; 0 for a month not imported (it is left out of every rate)."""
        return max(self.workdays - self.excused, 0) if self.imported else 0

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
        # Row by row from the result: fetchall() would hold a second list of tuples alongside.
        return [MonthlyAttendance(*row) for row in cur]


def attendance_totals(
    *,
    program_id: int | None = None,
    pairing_ids: Sequence[int] | None = None,
    deployment_ids: Sequence[int] | None = None,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> tuple[int, int]:
    """(Σ present, Σ expected) over the rows ``monthly_attendance`` returns for the same arguments (months
    not imported left out), summed in the database: the ATTENDANCE_RATE of a whole program or period
    without fetching a row per deployment and month."""
    params = _params(program_id, pairing_ids, deployment_ids, month_from, month_to)
    with connection.cursor() as cur:
        cur.execute(_TOTALS_SQL, params)
        present, expected = cur.fetchone()
    return int(present), int(expected)


def attendance_import_status(
    *,
    program_id: int | None = None,
    pairing_ids: Sequence[int] | None = None,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> tuple[int, int]:
    """(pairing-months with people on site, of which not imported) over the rows ``monthly_attendance``
    returns for the same arguments — the months the rates leave out. One query."""
    params = _params(program_id, pairing_ids, None, month_from, month_to)
    with connection.cursor() as cur:
        cur.execute(_IMPORT_STATUS_SQL, params)
        months, missing = cur.fetchone()
    return int(months), int(missing)


def months_not_imported(
    *, program_id: int, month_from: dt.date | None = None, month_to: dt.date | None = None
) -> list[tuple[int, dt.date]]:
    """(pairing id, first day of month) of every pairing-month with people on site and no attendance
    imported, in one query (the warning before annual results are published)."""
    params = _params(program_id, None, None, month_from, month_to)
    with connection.cursor() as cur:
        cur.execute(_NOT_IMPORTED_SQL, params)
        return [(int(pid), month) for pid, month in cur.fetchall()]


def monthly_attendance_table(*, user: User, month: dt.date) -> list[dict[str, Any]]:
    """The monthly attendance page: every deployment the user may see that is on site in ``month``, with
    its figures from ``monthly_attendance`` (two queries whatever the number of rows)."""
    from django.db.models import F

    month, month_end = month_bounds(month)
    deployments = list(
        # Attendance is the person's record: a co-supporter of the pairing does not see it.
        Deployment.objects.for_user(user, scope=Deployment.RECORDS_SCOPE)
        .filter(period__overlap=(month, month_end + dt.timedelta(days=1)))
        .annotate(
            staff_name=F("staff__name"),
            recipient_name=F("team__pairing__recipient__name"),
            team_year=F("team__year"),
            team_rotation=F("team__rotation"),
            # For the export: tells two people of the same name apart, masked by role there.
            staff_national_id=F("staff__national_id"),
            staff_employer_id=F("staff__employer_id"),
        )
        .order_by("recipient_name", "staff_name", "pk")
        .values(
            "pk",
            "staff_name",
            "recipient_name",
            "team_year",
            "team_rotation",
            "staff_national_id",
            "staff_employer_id",
        )
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
                "staff_national_id": d["staff_national_id"],
                "staff_employer_id": d["staff_employer_id"],
                "team": _("%(recipient)s %(year)s 第%(rotation)s批")
                % {"recipient": d["recipient_name"], "year": d["team_year"], "rotation": d["team_rotation"]},
                "working_days": f.workdays if f else 0,
                "imported": bool(f and f.imported),
                "expected_days": f.expected if f else 0,
                "present_days": f.present if f else 0,
                "leave_days": f.excused if f else 0,
                "absent_days": f.absent if f else 0,
                "rate": f"{f.rate:.1%}" if f and f.rate is not None else None,
            }
        )
    return rows
