"""The indicators' facts (``assessments.models.facts``): filled by the measures' own SQL, read as sums
(``assessments.selectors.indicator_read``).

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
  intervals, which is what the same function computes for that period);
* ``TeamCompositionFact``: ``teams.selectors.deployments.team_crew_sql`` — the people each team of the
  pairing is made up of (the rule engine's TEAM_MIN_SIZE reads them; no date in it).

And ``PeriodFact``, their sums per pairing and calendar month, year and program span, computed from them: a
period aligned on months (a year, the whole program) reads one row per pairing and block instead of every
month, interval and deployment inside it; the partial months at its ends are read from the intervals.

And ``ProgramPeriodFact``, the period facts summed per program and block, kept by the same refresh in its
transaction (the rows it replaces taken away, the new ones added): a reader of whole programs reads a
program's year as one row (``indicator_read``, while the sums hold exactly its pairings).

Freshness: triggers (migration 0016) mark a pairing not fresh in the transaction of any statement that
writes what its facts come from. The pairings of a scope that are not fresh (or were never computed) are
recomputed before the indicators read them (``refresh``): a handful after an import or a roster change,
every pairing once after ``migrate`` (presets live in code, so a deployment marks everything). The claim
is an upsert that locks the state rows: a writer still holding one (uncommitted) makes the claim wait for
its commit, and the recomputation, in later statements, then sees its data — so no committed write is
ever left out of facts marked fresh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import OperationalError, connection, connections, transaction

from core.planner import whole_set_plan
from pairings.choices import HospitalKind
from pairings.models import Program
from teams.selectors.attendance import PAIRING_MONTHS_SQL, pairing_months_params
from teams.selectors.deployment_measures import deployment_measures_params, deployment_measures_sql
from teams.selectors.deployments import headcount_intervals, team_crew_sql
from training.selectors.quota import long_enough_sql

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

# The deployments counted as the scorecard's ``deployment_figures`` counts them (one SQL for both,
# ``teams.selectors.deployment_measures``), per pairing and deployment period instead of per pairing and year.
_DEPLOYMENTS_SQL = f"""
INSERT INTO assessments_deploymentfact (pairing_id, period, deployments, stay_met, roster_timely)
SELECT dm.pairing_id, dm.period, COUNT(*), COUNT(*) FILTER (WHERE dm.stay_met),
       COUNT(*) FILTER (WHERE dm.roster_on_time)
  FROM ({deployment_measures_sql(_PAIRINGS_OF_PROGRAM)}) dm
 GROUP BY dm.pairing_id, dm.period
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
            if ids:
                # The program sums' lock waits under the same limit: a refresh of another of the program's
                # pairings (a national one takes seconds) makes this reader compute without the facts
                # rather than wait for it.
                cur.execute(_LOCK_PROGRAMS_SQL, {"ns": _PROGRAM_SUMS_LOCK, "ids": ids})
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            if not ids:
                return []
            # Later statements: a fresh snapshot, which includes every writer the claim waited for.
            _refresh_attendance(cur, ids)
            programs = _refresh_deployments(cur, ids)
            _refresh_coverage(cur, ids)
            _refresh_composition(cur, ids)
            _refresh_periods(cur, ids, programs)
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


def _refresh_deployments(cur: Any, ids: list[int]) -> list[Program]:
    """The deployment facts of ``ids``; the programs of those pairings."""
    # A deployment moved to another pairing's team marks both (old and new rows): each is recomputed
    # before it is read, so per pairing the facts are exact.
    cur.execute("DELETE FROM assessments_deploymentfact WHERE pairing_id = ANY(%(ids)s)", {"ids": ids})
    cur.execute("SELECT DISTINCT program_id FROM pairings_pairing WHERE id = ANY(%(ids)s)", {"ids": ids})
    programs = list(Program.objects.filter(pk__in=[row[0] for row in cur.fetchall()]))
    with whole_set_plan() as whole:
        for program in programs:
            _insert_deployment_facts(whole, program, ids)
    return programs


def _insert_deployment_facts(cur: Any, program: Program, ids: list[int]) -> None:
    cur.execute(
        _DEPLOYMENTS_SQL, {"program_id": program.pk, "ids": ids, **deployment_measures_params(program.rules)}
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


_COMPOSITION_SQL = f"""
WITH t AS (
    SELECT t.id, t.pairing_id, t.start_date FROM teams_team t WHERE t.pairing_id = ANY(%(ids)s::bigint[])
)
INSERT INTO assessments_teamcompositionfact (pairing_id, team_id, people)
SELECT t.pairing_id, crew.team_id, crew.people
  FROM ({team_crew_sql("SELECT * FROM t")}) crew JOIN t ON t.id = crew.team_id
"""
# Up to this many pairings (a refresh after a write) the composition keeps its index probes; a whole
# program's thousands of teams, estimated at a few, are hashed instead.
_FEW_PAIRINGS = 50


def _refresh_composition(cur: Any, ids: list[int]) -> None:
    cur.execute("DELETE FROM assessments_teamcompositionfact WHERE pairing_id = ANY(%(ids)s)", {"ids": ids})
    if len(ids) <= _FEW_PAIRINGS:
        cur.execute(_COMPOSITION_SQL, {"ids": _array(ids)})
        return
    with whole_set_plan() as whole:
        whole.execute(_COMPOSITION_SQL, {"ids": _array(ids)})


# The program sums (``ProgramPeriodFact``, ``ProgramFactPairings``) follow the period facts a statement
# wrote (``{sign}`` +) or removed (-), ``{rows}`` naming those rows: each block of their programs takes
# their sums, each program their number of pairings. In the refresh's transaction, so a reader sees the
# facts and their sums of the same moment.
_SUMMED_COLUMNS = (
    "days",
    "covered_days",
    "full_days",
    "single_leader_days",
    "present",
    "expected",
    "attendance_months",
    "not_imported",
    "deployments",
    "stay_met",
    "roster_timely",
    "trainees",
    "qualifying_trainees",
)
_SUMS_SQL = f"""
summed AS (
    INSERT INTO assessments_programperiodfact AS t (program_id, start, months, {", ".join(_SUMMED_COLUMNS)})
    SELECT program_id, start, months,
           {{sign}}SUM(days), {{sign}}SUM(covered_days),
           {{sign}}SUM(CASE WHEN tcm THEN full_days_tcm ELSE full_days END),
           {", ".join(f"{{sign}}SUM({c})" for c in _SUMMED_COLUMNS[3:])}
      FROM {{rows}} GROUP BY 1, 2, 3 ORDER BY 1, 3, 2
    ON CONFLICT (program_id, months, start) DO UPDATE
       SET {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in _SUMMED_COLUMNS)}
)
INSERT INTO assessments_programfactpairings AS t (program_id, pairings)
SELECT program_id, {{sign}}COUNT(DISTINCT pairing_id) FROM {{rows}} GROUP BY 1 ORDER BY 1
ON CONFLICT (program_id) DO UPDATE SET pairings = t.pairings + EXCLUDED.pairings
"""

# The blocks a period aligned on months reads (``PeriodFact``), from the three tables above: coverage per
# month from the intervals (each cut at month ends), attendance months as they are, years as sums of their
# months; deployments overlapping each program year and the whole program (clipped to the program, as
# ``deployment_sums`` clips the asked period), from the deployment facts.
_PERIODS_SQL = f"""
WITH r AS (
    SELECT * FROM unnest(%(programs)s::bigint[], %(min)s::int[], %(min_tcm)s::int[], %(p_start)s::date[],
                         %(p_end)s::date[], %(months)s::int[])
           AS r(program_id, min, min_tcm, p_start, p_end, months)
),
p AS (
    SELECT p.id AS pairing_id, p.program_id, h.kind = '{HospitalKind.TCM.value}' AS tcm, r.min, r.min_tcm,
           r.p_start, r.p_end, r.months
      FROM pairings_pairing p JOIN r ON r.program_id = p.program_id
      JOIN pairings_hospital h ON h.id = p.recipient_id
     WHERE p.id = ANY(%(ids)s)
),
cm AS (
    SELECT f.pairing_id, m::date AS month,
           LEAST(f."end", (m + interval '1 month')::date - 1) - GREATEST(f.start, m::date) + 1 AS days,
           f.on_site, f.leaders, p.min, p.min_tcm
      FROM assessments_coverageintervalfact f JOIN p ON p.pairing_id = f.pairing_id
     CROSS JOIN generate_series(date_trunc('month', f.start::timestamp), f."end"::timestamp,
                                interval '1 month') AS m
),
mon AS (
    SELECT pairing_id, month, SUM(days) AS days,
           COALESCE(SUM(days) FILTER (WHERE on_site > 0), 0) AS covered,
           COALESCE(SUM(days) FILTER (WHERE min IS NULL OR on_site >= min), 0) AS full_days,
           COALESCE(SUM(days) FILTER (WHERE min_tcm IS NULL OR on_site >= min_tcm), 0) AS full_tcm,
           COALESCE(SUM(days) FILTER (WHERE on_site > 0 AND leaders = 1), 0) AS single,
           0 AS present, 0 AS expected, 0 AS att_months, 0 AS not_imported, 0 AS trainees, 0 AS qualifying
      FROM cm GROUP BY pairing_id, month
    UNION ALL
    SELECT a.pairing_id, a.month, 0, 0, 0, 0, 0, a.present, a.expected, 1,
           CASE WHEN a.imported THEN 0 ELSE 1 END, 0, 0
      FROM assessments_attendancemonthfact a WHERE a.pairing_id = ANY(%(ids)s)
    UNION ALL
    -- TRAINING_QUOTA's count (``training.selectors.quota``): free stints, by the month they start.
    SELECT ts.pairing_id, date_trunc('month', ts.start_date::timestamp)::date, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           COUNT(*), COUNT(*) FILTER (WHERE {long_enough_sql("ts.start_date", "ts.end_date", "p.months")})
      FROM training_traineestint ts JOIN p ON p.pairing_id = ts.pairing_id
     WHERE ts.is_free
     GROUP BY 1, 2
),
dep AS (
    SELECT p.pairing_id, b.start, b.months, SUM(d.deployments) AS n, SUM(d.stay_met) AS met,
           SUM(d.roster_timely) AS timely
      FROM p
     CROSS JOIN LATERAL (
           SELECT make_date(y, 1, 1) AS start, 12 AS months, GREATEST(make_date(y, 1, 1), p.p_start) AS lo,
                  LEAST(make_date(y, 12, 31), p.p_end) AS hi
             FROM generate_series(EXTRACT(YEAR FROM p.p_start)::int, EXTRACT(YEAR FROM p.p_end)::int) AS y
           UNION ALL
           SELECT p.p_start, 0, p.p_start, p.p_end
     ) b
      JOIN assessments_deploymentfact d
        ON d.pairing_id = p.pairing_id AND lower(d.period) <= b.hi AND upper(d.period) > b.lo
     GROUP BY 1, 2, 3
),
new AS (
INSERT INTO assessments_periodfact (pairing_id, program_id, tcm, start, months, days, covered_days, full_days,
                                    full_days_tcm, single_leader_days, present, expected, attendance_months,
                                    not_imported, deployments, stay_met, roster_timely, trainees,
                                    qualifying_trainees)
SELECT x.pairing_id, MIN(p.program_id), bool_and(p.tcm), x.start, x.months, SUM(days), SUM(covered),
       SUM(full_days), SUM(full_tcm), SUM(single), SUM(present), SUM(expected), SUM(att_months),
       SUM(not_imported), SUM(n), SUM(met), SUM(timely), SUM(trainees), SUM(qualifying)
  FROM (
        SELECT pairing_id, month AS start, 1 AS months, days, covered, full_days, full_tcm, single, present,
               expected, att_months, not_imported, 0 AS n, 0 AS met, 0 AS timely, trainees, qualifying
          FROM mon
        UNION ALL
        SELECT pairing_id, make_date(EXTRACT(YEAR FROM month)::int, 1, 1), 12, days, covered, full_days,
               full_tcm, single, present, expected, att_months, not_imported, 0, 0, 0, trainees, qualifying
          FROM mon
        UNION ALL
        SELECT pairing_id, start, months, 0, 0, 0, 0, 0, 0, 0, 0, 0, n, met, timely, 0, 0 FROM dep
       ) x
  JOIN p ON p.pairing_id = x.pairing_id
 GROUP BY x.pairing_id, x.start, x.months
 -- A block's rows side by side (a province's year is read as one run of pages, not one row a page).
 ORDER BY x.months DESC, x.start, x.pairing_id
RETURNING *
),""" + _SUMS_SQL.format(sign="", rows="new")


# Two refreshes of one program's pairings add to the same sums: each takes its programs' lock first, in
# order (adding row by row in two statements, they could otherwise wait on each other).
_PROGRAM_SUMS_LOCK = 18_0020
_LOCK_PROGRAMS_SQL = """
SELECT pg_advisory_xact_lock(%(ns)s, x.program_id::int)
  FROM (SELECT program_id FROM assessments_periodfact WHERE pairing_id = ANY(%(ids)s)
        UNION SELECT program_id FROM pairings_pairing WHERE id = ANY(%(ids)s)
        ORDER BY 1) x
"""

# Which program's sums hold each recomputed pairing's rows (none: NULL), for the readers' check.
_SUMMED_IN_SQL = f"""
UPDATE {STATE} st SET summed_program_id = x.program_id
  FROM (SELECT u.id, (SELECT f.program_id FROM assessments_periodfact f WHERE f.pairing_id = u.id LIMIT 1)
          FROM unnest(%(ids)s::bigint[]) AS u(id)) AS x(id, program_id)
 WHERE st.pairing_id = x.id AND st.summed_program_id IS DISTINCT FROM x.program_id
"""


def _refresh_periods(cur: Any, ids: list[int], programs: list[Program]) -> None:
    # The programs' sums are locked already (``_refresh``, under the claim's time limit).
    cur.execute(
        "WITH gone AS (DELETE FROM assessments_periodfact WHERE pairing_id = ANY(%(ids)s) RETURNING *),"
        + _SUMS_SQL.format(sign="-", rows="gone"),
        {"ids": ids},
    )
    rules = [p.rules for p in programs]
    cur.execute(
        _PERIODS_SQL,
        {
            "ids": ids,
            "programs": [p.pk for p in programs],
            "min": [r.team_min_for(is_tcm=False) for r in rules],
            "min_tcm": [r.team_min_for(is_tcm=True) for r in rules],
            "p_start": [p.start_date for p in programs],
            "p_end": [p.end_date for p in programs],
            "months": [r.training_min_months for r in rules],
        },
    )
    cur.execute(_SUMMED_IN_SQL, {"ids": ids})
