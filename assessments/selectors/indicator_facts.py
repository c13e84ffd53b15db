"""The indicators' facts (``assessments.models.facts``): filled by the measures' own SQL, read as sums.

Three per-pairing tables, each the output of the one definition of its measure for the whole pairing, so
that any period is a filter and a sum:

* ``AttendanceMonthFact``: ``teams.selectors.attendance.PAIRING_MONTHS_SQL`` — the monthly attendance query
  (China's working days, approved leave, "not imported") summed per pairing and month. The indicators ask
  whole months (the months of ``date_from`` … ``date_to``), so a period is a range of these rows;
* ``DeploymentFact``: per pairing and deployment period, how many deployments, how many met their
  continuous stay (``teams.selectors.stays``) and had their roster on time
  (``teams.selectors.roster_timeliness``) under the program's rules — the SQL the scorecard's
  ``deployment_figures`` joins; a period sums the rows overlapping it;
* ``CoverageIntervalFact``: ``teams.selectors.deployments.headcount_intervals`` over the pairing's whole
  service period; a period clips them (clipping maximal intervals gives the clipped period's maximal
  intervals, which is what the same function computes for that period).

Freshness: triggers (migration 0016) mark a pairing not fresh in the transaction of any statement that
writes what its facts come from. ``ensure_fresh`` recomputes the pairings of a scope that are not fresh
(or were never computed) before the indicators read them: a handful after an import or a roster change,
every pairing once after ``migrate`` (presets live in code, so a deployment marks everything). The claim
is an upsert that locks the state rows: a writer still holding one (uncommitted) makes the claim wait for
its commit, and the recomputation, in later statements, then sees its data — so no committed write is
ever left out of facts marked fresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction

from core.planner import whole_set_plan
from pairings.models import Program
from teams.selectors.attendance import PAIRING_MONTHS_SQL, pairing_months_params
from teams.selectors.deployments import headcount_intervals
from teams.selectors.roster_timeliness import roster_timeliness_sql
from teams.selectors.stays import stay_met_sql, stays_sql

STATE = "assessments_indicatorfactstate"

_STALE_SQL = f"""
SELECT x.id FROM unnest(%(ids)s::bigint[]) AS x(id)
  LEFT JOIN {STATE} s ON s.pairing_id = x.id
 WHERE s.fresh IS NOT TRUE
"""

# Claimed: the rows inserted (never computed) or switched to fresh here; rows already fresh are left alone
# (but locked, which is what makes a concurrent writer's commit come first).
_CLAIM_SQL = f"""
INSERT INTO {STATE} (pairing_id, fresh, marked_at)
SELECT x.id, true, NULL FROM unnest(%(ids)s::bigint[]) AS x(id) ORDER BY x.id
ON CONFLICT (pairing_id) DO UPDATE SET fresh = true WHERE NOT {STATE}.fresh
RETURNING pairing_id
"""

_PAIRINGS_OF_PROGRAM = (
    "SELECT p.id, p.program_id FROM pairings_pairing p "
    "WHERE p.program_id = %(program_id)s AND p.id = ANY(%(ids)s::bigint[])"
)

# The joins and conditions of the scorecard's ``deployment_figures`` (assessments/reports/figures.py), per
# deployment instead of per pairing and period.
_DEPLOYMENTS_SQL = f"""
-- MATERIALIZED: computed once. Inlined, a planner misled by stale statistics (a table analysed while it
-- was nearly empty) may put either subquery on the inner side of a nested loop and rerun it for every
-- deployment; a test run once spent 14 minutes in this statement that way.
WITH stays AS MATERIALIZED (
    SELECT unnest(st.ids) AS deployment_id,
           {stay_met_sql("st", "%(leader_stay)s::int", "%(member_stay)s::int")} AS met
      FROM ({stays_sql(_PAIRINGS_OF_PROGRAM)}) st
),
rosters AS MATERIALIZED (
    SELECT rt.id AS deployment_id, rt.reason IS NULL AS timely
      FROM ({roster_timeliness_sql(_PAIRINGS_OF_PROGRAM)}) rt
)
INSERT INTO assessments_deploymentfact (pairing_id, period, deployments, stay_met, roster_timely)
SELECT t.pairing_id, d.period, COUNT(*), COUNT(*) FILTER (WHERE stays.met),
       COUNT(*) FILTER (WHERE NOT %(roster_filed)s OR rosters.timely)
  FROM teams_deployment d
  JOIN teams_team t ON t.id = d.team_id
  JOIN pairings_pairing p ON p.id = t.pairing_id
  JOIN teams_staff s ON s.id = d.staff_id
  JOIN stays ON stays.deployment_id = d.id
  JOIN rosters ON rosters.deployment_id = d.id
 WHERE p.program_id = %(program_id)s AND p.id = ANY(%(ids)s::bigint[])
 GROUP BY t.pairing_id, d.period
"""


def _array(values: Sequence[int | None]) -> str:
    """An array parameter as one text literal (``'{1,2,…}'``, cast in the SQL): psycopg2 would send
    ``ARRAY[1,2,…]``, thousands of constants for the planner to parse on every read of a province."""
    return "{" + ",".join("NULL" if v is None else str(int(v)) for v in values) + "}"


def stale_pairings(pairing_ids: Sequence[int]) -> list[int]:
    """The pairings among ``pairing_ids`` whose facts are not fresh. One query, no locks."""
    with connection.cursor() as cur:
        cur.execute(_STALE_SQL, {"ids": _array(pairing_ids)})
        return [row[0] for row in cur.fetchall()]


def ensure_fresh(pairing_ids: Sequence[int]) -> list[int]:
    """Recompute the facts of the pairings among ``pairing_ids`` that are not fresh; the ones recomputed."""
    stale = stale_pairings(pairing_ids)
    return refresh(stale) if stale else []


# How long a claim waits for a writer still holding a stale pairing's state row (a long import): past it
# the indicators are computed the old way rather than keep the request waiting.
CLAIM_LOCK_TIMEOUT = "2s"
_BUSY = {"55P03", "40P01"}  # lock_not_available, deadlock_detected


class FactsBusy(Exception):
    """A writer holds pairings whose facts are stale: the caller computes without the facts."""


def refresh(pairing_ids: Sequence[int]) -> list[int]:
    """Recompute the facts of those of ``pairing_ids`` not fresh, set-based: a few statements per program.
    Raises ``FactsBusy`` (and changes nothing) when a writer keeps one of them locked too long."""
    try:
        return _refresh(sorted(set(pairing_ids)))
    except OperationalError as exc:
        if getattr(exc.__cause__, "pgcode", None) in _BUSY:
            raise FactsBusy from exc
        raise


def _refresh(pairing_ids: list[int]) -> list[int]:
    with transaction.atomic():
        with connection.cursor() as cur:
            # SET LOCAL would outlast this savepoint in a caller's transaction: set and put back.
            cur.execute(
                "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                [CLAIM_LOCK_TIMEOUT],
            )
            previous = cur.fetchone()[0]
            cur.execute(_CLAIM_SQL, {"ids": pairing_ids})
            ids = sorted(row[0] for row in cur.fetchall())
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            if not ids:
                return []
            # Later statements: a fresh snapshot, which includes every writer the claim waited for.
            _refresh_attendance(cur, ids)
            _refresh_deployments(cur, ids)
            _refresh_coverage(cur, ids)
    return ids


def mark_all_stale(**kwargs: Any) -> None:
    """Every pairing's facts to be recomputed before they are read again (``post_migrate``: the presets
    the rules read live in code, which a deployment may have changed)."""
    using = kwargs.get("using", "default")
    with connections[using].cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [STATE])
        if cur.fetchone()[0] is not None:  # not before migration 0016
            cur.execute(f"UPDATE {STATE} SET fresh = false WHERE fresh")


def refresh_all() -> int:
    """Recompute every pairing's facts now (``manage.py refresh_indicator_facts``, after a deployment, so
    the first reader does not); how many pairings."""
    mark_all_stale()
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM pairings_pairing")
        ids = [row[0] for row in cur.fetchall()]
    return len(refresh(ids))


def _refresh_attendance(cur: Any, ids: list[int]) -> None:
    cur.execute("DELETE FROM assessments_attendancemonthfact WHERE pairing_id = ANY(%(ids)s)", {"ids": ids})
    cur.execute(
        "INSERT INTO assessments_attendancemonthfact (pairing_id, month, present, expected, imported) "
        f"SELECT pairing_id, month, present, expected, imported FROM ({PAIRING_MONTHS_SQL}) f",
        pairing_months_params(pairing_ids=ids),
    )


def _refresh_deployments(cur: Any, ids: list[int]) -> None:
    # A deployment moved to another pairing's team marks both (old and new rows): each is recomputed
    # before it is read, so per pairing the facts are exact.
    cur.execute("DELETE FROM assessments_deploymentfact WHERE pairing_id = ANY(%(ids)s)", {"ids": ids})
    cur.execute("SELECT DISTINCT program_id FROM pairings_pairing WHERE id = ANY(%(ids)s)", {"ids": ids})
    programs = list(Program.objects.filter(pk__in=[row[0] for row in cur.fetchall()]))
    with whole_set_plan() as whole:
        for program in programs:
            _insert_deployment_facts(whole, program, ids)


def _insert_deployment_facts(cur: Any, program: Program, ids: list[int]) -> None:
    rules = program.rules
    cur.execute(
        _DEPLOYMENTS_SQL,
        {
            "program_id": program.pk,
            "ids": ids,
            "leader_stay": rules.leader_min_stay_months,
            "member_stay": rules.member_min_stay_months,
            "roster_filed": rules.roster_filed,
            "tz": settings.TIME_ZONE,
        },
    )


def _refresh_coverage(cur: Any, ids: list[int]) -> None:
    cur.execute("DELETE FROM assessments_coverageintervalfact WHERE pairing_id = ANY(%(ids)s)", {"ids": ids})
    columns: dict[str, list[Any]] = defaultdict(list)
    for iv in headcount_intervals(pairing_ids=ids):
        columns["pairing"].append(iv.pairing_id)
        columns["start"].append(iv.start)
        columns["end"].append(iv.end)
        columns["on_site"].append(iv.on_site)
        columns["leaders"].append(iv.leaders)
    if columns:
        cur.execute(
            """INSERT INTO assessments_coverageintervalfact (pairing_id, start, "end", on_site, leaders)
               SELECT * FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::int[], %s::int[])""",
            [columns["pairing"], columns["start"], columns["end"], columns["on_site"], columns["leaders"]],
        )


# --- reads ------------------------------------------------------------------------------------------------


def _month_bounds(date_from: dt.date | None, date_to: dt.date | None) -> dict[str, Any]:
    return {"month_from": date_from.replace(day=1) if date_from else None, "month_to": date_to}


def attendance_sums(
    *, pairing_ids: Sequence[int], date_from: dt.date | None, date_to: dt.date | None
) -> dict[str, int]:
    """Over the months of the period: Σ present and Σ expected (months imported), pairing-months with
    people on site and those of them not imported — ``attendance_totals`` and ``attendance_import_status``
    from the facts. One query."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT COALESCE(SUM(present), 0)::bigint, COALESCE(SUM(expected), 0)::bigint,
                      COUNT(*)::int, COUNT(*) FILTER (WHERE NOT imported)::int
                 FROM assessments_attendancemonthfact
                WHERE pairing_id = ANY(%(ids)s::bigint[])
                  AND (%(month_from)s::date IS NULL OR month >= %(month_from)s::date)
                  AND (%(month_to)s::date IS NULL OR month <= %(month_to)s::date)""",
            {"ids": _array(pairing_ids), **_month_bounds(date_from, date_to)},
        )
        present, expected, months, missing = cur.fetchone()
    return {"present": int(present), "expected": int(expected), "months": months, "missing": missing}


def deployment_sums(
    *, pairing_ids: Sequence[int], date_from: dt.date | None, date_to: dt.date | None
) -> dict[str, int]:
    """Deployments overlapping the period (clipped to each pairing's program, as ``deployment_figures`` is
    asked per program), with their stay met and roster on time. One query."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT COALESCE(SUM(f.deployments), 0)::int, COALESCE(SUM(f.stay_met), 0)::int,
                      COALESCE(SUM(f.roster_timely), 0)::int
                 FROM assessments_deploymentfact f
                 JOIN pairings_pairing p ON p.id = f.pairing_id
                 JOIN LATERAL (
                      SELECT GREATEST(pr.start_date, COALESCE(%(date_from)s::date, pr.start_date)) AS lo,
                             LEAST(pr.end_date, COALESCE(%(date_to)s::date, pr.end_date)) AS hi
                        FROM pairings_program pr WHERE pr.id = p.program_id
                      ) b ON b.lo <= b.hi
                WHERE f.pairing_id = ANY(%(ids)s::bigint[])
                  AND lower(f.period) <= b.hi AND upper(f.period) > b.lo""",
            {"ids": _array(pairing_ids), "date_from": date_from, "date_to": date_to},
        )
        n, met, timely = cur.fetchone()
    return {"deployments": n, "stay_met": met, "rosters_on_time": timely}


_COVERAGE_CTE = """
WITH sc AS (SELECT * FROM unnest(%(ids)s::bigint[], %(minimum)s::int[]) AS sc(pairing_id, minimum)),
pp AS (
    SELECT p.id, sc.minimum,
           GREATEST(p.service_start, COALESCE(%(date_from)s::date, p.service_start)) AS s,
           LEAST(p.service_end, COALESCE(%(date_to)s::date, p.service_end)) AS e
      FROM pairings_pairing p JOIN sc ON sc.pairing_id = p.id
),
iv AS (
    SELECT f.pairing_id, GREATEST(f.start, pp.s) AS a, LEAST(f."end", pp.e) AS b,
           f.on_site, f.leaders, pp.minimum
      FROM assessments_coverageintervalfact f JOIN pp ON pp.id = f.pairing_id
     WHERE pp.s <= pp.e AND f.start <= pp.e AND f."end" >= pp.s
)
"""


def coverage_sums(
    *,
    minimum_for: dict[int, int | None],
    date_from: dt.date | None,
    date_to: dt.date | None,
    max_gaps: int,
) -> tuple[dict[str, int], list[tuple[int, dt.date, dt.date]]]:
    """``coverage_summaries`` summed over the pairings of ``minimum_for`` (pairing → TEAM_MIN_SIZE), from
    the facts clipped to the period; and the first ``max_gaps`` + 1 gaps in (pairing, start) order. One
    query."""
    ids = list(minimum_for)
    params: dict[str, Any] = {
        "ids": _array(ids),
        "minimum": _array([minimum_for[pk] for pk in ids]),
        "date_from": date_from,
        "date_to": date_to,
    }
    with connection.cursor() as cur:
        # One pass: the sums, and the gaps in (pairing, start) order cut at ``max_gaps`` + 1.
        cur.execute(
            f"""{_COVERAGE_CTE}
            SELECT COALESCE(SUM(b - a + 1), 0)::bigint,
                   COALESCE(SUM(b - a + 1) FILTER (WHERE on_site > 0), 0)::bigint,
                   COALESCE(SUM(b - a + 1) FILTER (WHERE minimum IS NULL OR on_site >= minimum), 0)::bigint,
                   COALESCE(SUM(b - a + 1) FILTER (WHERE on_site > 0 AND leaders = 1), 0)::bigint,
                   COUNT(*) FILTER (WHERE NOT on_site > 0)::int,
                   COUNT(DISTINCT pairing_id) FILTER (WHERE NOT on_site > 0)::int,
                   (ARRAY_AGG(ARRAY[pairing_id, a - DATE '2000-01-01', b - DATE '2000-01-01']
                              ORDER BY pairing_id, a) FILTER (WHERE NOT on_site > 0))[1:%(limit)s]
              FROM iv""",
            {**params, "limit": max_gaps + 1},
        )
        period, covered, full, single, gap_count, with_gaps, gap_rows = cur.fetchone()
    epoch = dt.date(2000, 1, 1)
    gaps = [
        (int(pid), epoch + dt.timedelta(days=a), epoch + dt.timedelta(days=b)) for pid, a, b in gap_rows or []
    ]
    sums = {
        "period_days": int(period),
        "covered_days": int(covered),
        "full_strength_days": int(full),
        "single_leader_days": int(single),
        "gap_count": gap_count,
        "pairings_with_gaps": with_gaps,
    }
    return sums, gaps
