"""The dashboard indicators of a scope in one statement: the fact tables and the live tables, one round trip.

``indicators`` used to ask each section with a query of its own, and each query evaluated the scope again (a
province is 2,500 pairings, joined to their hospitals and programs) or carried the scope's ids as a
parameter. Here the scope is computed once, as a materialized CTE, and every section is a CTE over it:
coverage, attendance and deployments from the facts (``indicator_facts``); training, open findings,
appraisals, capacity and county outcomes from their tables, each through its own ``for_user`` scoping
(compiled by Django, embedded as a subquery). PostgreSQL returns one row of sums; no Django rows are built.

The facts' freshness is read in the same statement (the same snapshot): a pairing a committed write marked
stale is reported, never read from the facts of before; the caller recomputes it and asks again.

Same figures as the section functions of ``indicators`` (``tests/assessments/test_indicator_facts.py``
holds them byte for byte against the computation over the period, for every role, period and city).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet

from assessments.choices import AppraisalStatus, CentreStatus, FindingStatus
from assessments.models import (
    AnnualAppraisal,
    CentreProgress,
    CountyOutcome,
    Finding,
    GradeChange,
    NewTechnology,
    Specialty,
)
from core.access import User
from core.prepared import execute_prepared
from core.query_params import MAX_YEAR, MIN_YEAR
from pairings.choices import HospitalKind
from pairings.models import Pairing, Program
from training.models import RemoteService, TraineeStint
from training.selectors.quota import long_enough_sql

_EPOCH = dt.date(2000, 1, 1)


@dataclasses.dataclass(frozen=True)
class Sums:
    """What the statement returns, before the indicators shape it."""

    stale: list[int]  # pairings whose facts must be recomputed first: the rest is only right when empty
    pairings: int
    coverage: dict[str, int]
    gaps: list[tuple[int, dt.date, dt.date]]
    attendance: dict[str, int]
    deployments: dict[str, int]
    training: dict[str, int]
    findings: list[dict[str, Any]]
    grades: list[tuple[str | None, int]]
    capacity: dict[str, int]
    outcomes: list[list[Any]]  # (program, county, county name, year, *RATE_FIELDS as text, up, down)


def _in_range(field: str, date_from: dt.date | None, date_to: dt.date | None) -> Q:
    cond = Q()
    if date_from is not None:
        cond &= Q(**{f"{field}__gte": date_from})
    if date_to is not None:
        cond &= Q(**{f"{field}__lte": date_to})
    return cond


class _Params:
    """Named parameters; a compiled queryset's positional ones get names of their own."""

    def __init__(self, **named: Any) -> None:
        self.values: dict[str, Any] = dict(named)

    def sub(self, name: str, qs: QuerySet[Any], *fields: str) -> str:
        """``qs``'s rows (``fields``, in that order, unsorted) as SQL with named parameters."""
        try:
            sql, params = qs.order_by().values_list(*fields).query.sql_with_params()
        except EmptyResultSet:  # ``for_user`` gave ``none()``: the same columns, no rows
            empty = qs.model._base_manager.filter(pk__isnull=True)
            sql, params = empty.order_by().values_list(*fields).query.sql_with_params()
        pieces = sql.split("%s")
        if len(pieces) != len(params) + 1:  # a literal "%s" in the SQL would shift every parameter
            raise ValueError(f"cannot name the parameters of {sql!r}")
        out = [pieces[0]]
        for i, (value, piece) in enumerate(zip(params, pieces[1:], strict=True)):
            key = f"{name}_{i}"
            self.values[key] = value
            out.append(f"%({key})s{piece}")
        return "".join(out)


# --- the blocks of a period ---------------------------------------------------------------------------------

_FIRST, _LAST = dt.date(1, 1, 1), dt.date(9999, 1, 1)  # open ends


def _next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def whole_months(
    lo: dt.date | None, hi: dt.date | None
) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
    """The months [lo, hi) (first days; None: open) as whole calendar years [y_lo, y_hi) (their 1 Januaries)
    and the months around them, each [start, end) — what the period facts' year and month rows cover."""
    a, b = lo or _FIRST, hi or _LAST
    if a >= b:
        return None, []
    first_year = a if a.month == 1 else dt.date(a.year + 1, 1, 1)
    last_year = dt.date(b.year, 1, 1) if b < _LAST else _LAST
    if first_year < last_year:
        return (first_year, last_year), [r for r in ((a, first_year), (last_year, b)) if r[0] < r[1]]
    return None, [(a, b)]


def coverage_blocks(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]], list[tuple[dt.date, dt.date]]]:
    """The days of [date_from, date_to] as whole years and months (``whole_months``) and the partial
    months at either end, each [first day, last day] (at most two)."""
    pieces: list[tuple[dt.date, dt.date]] = []
    lo, hi = date_from, date_to + dt.timedelta(days=1) if date_to else None
    if date_from is not None and date_from.day != 1:
        pieces.append((date_from, min(_next_month(date_from) - dt.timedelta(days=1), date_to or _LAST)))
        lo = _next_month(date_from)
    if date_to is not None and hi is not None and hi.day != 1:
        start = max(date_to.replace(day=1), date_from or _FIRST)
        if not pieces or start > pieces[0][1]:
            pieces.append((start, date_to))
        hi = date_to.replace(day=1)
    years, months = whole_months(lo, hi)
    return years, months, pieces


def deployment_block(program: Program, lo: dt.date, hi: dt.date) -> tuple[dt.date, int] | None:
    """The period-fact row (start, months) whose deployments are those overlapping [lo, hi] (the asked
    period clipped to ``program``): its whole span, or one of its years; None when there is none."""
    if (lo, hi) == (program.start_date, program.end_date):
        return program.start_date, 0
    year = dt.date(lo.year, 1, 1)
    if (lo, hi) == (max(year, program.start_date), min(dt.date(lo.year, 12, 31), program.end_date)):
        return year, 12
    return None


def _blocks(
    p: _Params, name: str, years: tuple[dt.date, dt.date] | None, months: list[tuple[dt.date, dt.date]]
) -> str:
    """SQL condition on a period-fact row ``{t}`` (to be formatted): it is one of these blocks."""
    conds = []
    if years:
        p.values[f"{name}_ylo"], p.values[f"{name}_yhi"] = years
        conds.append(
            f"({{t}}.months = 12 AND {{t}}.start >= %({name}_ylo)s AND {{t}}.start < %({name}_yhi)s)"
        )
    for i, (lo, hi) in enumerate(months):
        p.values[f"{name}_mlo{i}"], p.values[f"{name}_mhi{i}"] = lo, hi
        conds.append(
            f"({{t}}.months = 1 AND {{t}}.start >= %({name}_mlo{i})s AND {{t}}.start < %({name}_mhi{i})s)"
        )
    return "(" + " OR ".join(conds) + ")" if conds else "FALSE"


def _pieces_sql(p: _Params, pieces: list[tuple[dt.date, dt.date]]) -> str:
    """The CTE ``pieces``: coverage over the partial months, from the intervals clipped to them."""
    if not pieces:
        return "pieces AS (SELECT 0 AS days, 0 AS covered, 0 AS full_days, 0 AS single)"
    ranges = []
    for i, (lo, hi) in enumerate(pieces):
        p.values[f"piece_lo{i}"], p.values[f"piece_hi{i}"] = lo, hi
        ranges.append(f"(%(piece_lo{i})s::date, %(piece_hi{i})s::date)")
    return f"""piece AS (
    SELECT GREATEST(f.start, x.a) AS a, LEAST(f."end", x.b) AS b, f.on_site, f.leaders, sc.minimum
      FROM (VALUES {", ".join(ranges)}) AS x(a, b)
      JOIN assessments_coverageintervalfact f ON f.start <= x.b AND f."end" >= x.a
      JOIN sc ON sc.id = f.pairing_id
),
pieces AS (
    SELECT COALESCE(SUM(b - a + 1), 0)::bigint AS days,
           COALESCE(SUM(b - a + 1) FILTER (WHERE on_site > 0), 0)::bigint AS covered,
           COALESCE(SUM(b - a + 1) FILTER (WHERE minimum IS NULL OR on_site >= minimum), 0)::bigint
               AS full_days,
           COALESCE(SUM(b - a + 1) FILTER (WHERE on_site > 0 AND leaders = 1), 0)::bigint AS single
      FROM piece
)"""


# Deployments of the programs whose clipped period is no period-fact row: the deployment facts overlapping it.
_DEPLOYMENTS_SQL = """dep AS (
    SELECT COALESCE(SUM(f.deployments), 0)::int AS n, COALESCE(SUM(f.stay_met), 0)::int AS met,
           COALESCE(SUM(f.roster_timely), 0)::int AS timely
      FROM assessments_deploymentfact f JOIN sc ON sc.id = f.pairing_id
     WHERE sc.dep_generic AND lower(f.period) <= sc.dep_hi AND upper(f.period) > sc.dep_lo
)"""


def programs_of(*, scope: QuerySet[Pairing], program_id: int | None) -> dict[int, Program]:
    """Every program the scope's pairings belong to (asked for one: that one). One small query."""
    programs = (
        Program.objects.filter(pk=program_id)
        if program_id is not None
        else Program.objects.filter(pk__in=scope.values("program_id"))
    )
    return {p.pk: p for p in programs}


def read(
    *,
    user: User,
    scope: QuerySet[Pairing],
    programs: dict[int, Program],
    date_from: dt.date | None,
    date_to: dt.date | None,
    by_pairing: bool,
    max_gaps: int,
) -> Sums:
    """The sums of every section over ``scope`` (the user's pairings, narrowed), one statement.

    ``by_pairing``: open findings are those of the scope's pairings (a city or a pairing was asked);
    otherwise those of ``programs``, program-level ones included."""
    rules = {pk: prog.rules for pk, prog in programs.items()}
    ids = list(programs)
    month_from = date_from.replace(day=1) if date_from else None
    # Deployments are counted over the period clipped to their program (``deployment_figures`` is asked
    # per program); a clip that is one of the program's years or its whole span is a period-fact row.
    clip = {
        pk: (max(prog.start_date, date_from or prog.start_date), min(prog.end_date, date_to or prog.end_date))
        for pk, prog in programs.items()
    }
    key = {pk: deployment_block(programs[pk], *clip[pk]) for pk in ids}
    p = _Params(
        date_from=date_from,
        date_to=date_to,
        month_from=month_from,
        finding_programs=ids,
        limit=max_gaps + 1,
        # Per program: TEAM_MIN_SIZE (general, TCM), TRAINING_QUOTA's N and M, the period clipped to the
        # program and, when that is a block of the period facts, the block.
        r_program=ids,
        r_min=[rules[pk].team_min_for(is_tcm=False) for pk in ids],
        r_min_tcm=[rules[pk].team_min_for(is_tcm=True) for pk in ids],
        r_quota=[rules[pk].training_quota for pk in ids],
        r_months=[rules[pk].training_min_months for pk in ids],
        r_lo=[clip[pk][0] for pk in ids],
        r_hi=[clip[pk][1] for pk in ids],
        r_dep_start=[k[0] if (k := key[pk]) else None for pk in ids],
        r_dep_months=[k[1] if (k := key[pk]) else None for pk in ids],
        r_dep_generic=[key[pk] is None and clip[pk][0] <= clip[pk][1] for pk in ids],
    )
    cov_years, cov_months, pieces = coverage_blocks(date_from, date_to)
    att_years, att_months = whole_months(month_from, _next_month(date_to) if date_to else None)
    cov_blocks = _blocks(p, "cov", cov_years, cov_months)
    att_blocks = _blocks(p, "att", att_years, att_months)
    dep_keys = sorted({k for k in key.values() if k})
    dep_rows = [f"(f.months = %(dep_m{i})s AND f.start = %(dep_s{i})s)" for i in range(len(dep_keys))]
    for i, (start, months) in enumerate(dep_keys):
        p.values[f"dep_s{i}"], p.values[f"dep_m{i}"] = start, months
    block_rows = (
        " OR ".join(
            c for c in (cov_blocks.format(t="f"), att_blocks.format(t="f"), *dep_rows) if c != "FALSE"
        )
        or "FALSE"
    )
    pieces_sql = _pieces_sql(p, pieces)
    deployments_sql = (
        _DEPLOYMENTS_SQL
        if any(p.values["r_dep_generic"])
        else "dep AS (SELECT 0 AS n, 0 AS met, 0 AS timely)"
    )
    scope_sql = p.sub(
        "scope",
        scope,
        "pk",
        "program_id",
        "recipient_id",
        "recipient__county_id",
        "recipient__kind",
        "service_start",
        "service_end",
    )
    if pieces:  # a period not aligned on months: the stints themselves, through their own scoping
        stints_sql = p.sub(
            "stints",
            TraineeStint.objects.for_user(user).filter(
                _in_range("start_date", date_from, date_to), is_free=True
            ),
            "pairing_id",
            "start_date",
            "end_date",
        )
        training_sql = f"""tr AS (
    SELECT COUNT(*)::int AS trainees,
           COUNT(*) FILTER (WHERE {long_enough_sql("t.start_date", "t.end_date", "sc.months")})::int
               AS qualifying
      FROM ({stints_sql}) AS t(pairing_id, start_date, end_date) JOIN sc ON sc.id = t.pairing_id
)"""
    else:
        # Aligned: the period facts' stints of the scope's pairings. The same rows: a stint's scope is its
        # pairing's (``TraineeStint.SCOPE`` is ``Pairing.SCOPE`` through ``pairing``; a test holds it).
        training_sql = "tr AS (SELECT trainees, qualifying FROM blocks)"
    findings = Finding.objects.for_user(user).filter(status=FindingStatus.OPEN)
    if date_to is not None:
        findings = findings.filter(Q(period_start__isnull=True) | Q(period_start__lte=date_to))
    if date_from is not None:
        findings = findings.filter(Q(period_end__isnull=True) | Q(period_end__gte=date_from))
    findings_sql = p.sub("findings", findings, "program_id", "pairing_id", "rule_code", "severity")
    findings_in = (
        "f.pairing_id IN (SELECT id FROM sc)"
        if by_pairing
        # Program-level findings (no pairing) count too when the whole program or province is asked for:
        # those of the scope's programs (``programs``: the scope's, or the one asked for).
        else "f.program_id = ANY(%(finding_programs)s::bigint[])"
    )
    appraisals = AnnualAppraisal.objects.for_user(user).filter(status=AppraisalStatus.PUBLISHED)
    if date_from is not None:
        appraisals = appraisals.filter(year__gte=date_from.year)
    if date_to is not None:
        appraisals = appraisals.filter(year__lte=date_to.year)
    appraisals_sql = p.sub("appraisals", appraisals, "pairing_id", "grade")
    centres_sql = p.sub(
        "centres",
        CentreProgress.objects.for_user(user).filter(
            _in_range("achieved_on", date_from, date_to),
            status__in=(CentreStatus.BUILT, CentreStatus.ACCREDITED),
        ),
        "hospital_id",
    )
    specialties_sql = p.sub(
        "specialties",
        Specialty.objects.for_user(user).filter(
            _in_range("achieved_on", date_from, date_to), achieved_on__isnull=False
        ),
        "hospital_id",
    )
    tech_sql = p.sub(
        "tech",
        NewTechnology.objects.for_user(user).filter(_in_range("introduced_on", date_from, date_to)),
        "hospital_id",
        "cases",
    )
    grades_sql = p.sub(
        "grades",
        GradeChange.objects.for_user(user).filter(_in_range("effective_on", date_from, date_to)),
        "hospital_id",
    )
    remote_sql = p.sub(
        "remote",
        RemoteService.objects.for_user(user).filter(_in_range("month", date_from, date_to)),
        "pairing_id",
        "count",
    )
    # The years a county outcome counts in: those the asked period touches (all when none is asked).
    outcomes_sql = p.sub(
        "outcomes",
        CountyOutcome.objects.for_user(user).filter(
            year__gte=date_from.year if date_from else MIN_YEAR,
            year__lte=date_to.year if date_to else MAX_YEAR,
        ),
        "county_id",
        "county__name",
        "year",
        *CountyOutcome.RATE_FIELDS,
        "referrals_up",
        "referrals_down",
    )
    rate_names = ", ".join(CountyOutcome.RATE_FIELDS)
    cov_f, att_f = cov_blocks.format(t="f"), att_blocks.format(t="f")
    rate_columns = ", ".join(f"o.{f}::text" for f in CountyOutcome.RATE_FIELDS)  # exact decimals
    sql = f"""
-- The scope once, with what the sections read of its pairings' programs; [lo, hi]: the service period
-- inside the asked one.
WITH sc AS MATERIALIZED (
    SELECT s.id, s.program_id, s.recipient_id, s.county_id, s.kind = '{HospitalKind.TCM.value}' AS tcm,
           CASE WHEN s.kind = '{HospitalKind.TCM.value}' THEN r.min_tcm ELSE r.min END AS minimum,
           r.quota, r.months, r.dep_lo, r.dep_hi, r.dep_start, r.dep_months, r.dep_generic,
           GREATEST(s.service_start, COALESCE(%(date_from)s::date, s.service_start)) AS lo,
           LEAST(s.service_end, COALESCE(%(date_to)s::date, s.service_end)) AS hi
      FROM ({scope_sql}) AS s(id, program_id, recipient_id, county_id, kind, service_start, service_end)
      LEFT JOIN unnest(%(r_program)s::bigint[], %(r_min)s::int[], %(r_min_tcm)s::int[], %(r_quota)s::int[],
                       %(r_months)s::int[], %(r_lo)s::date[], %(r_hi)s::date[], %(r_dep_start)s::date[],
                       %(r_dep_months)s::int[], %(r_dep_generic)s::boolean[])
           AS r(program_id, min, min_tcm, quota, months, dep_lo, dep_hi, dep_start, dep_months, dep_generic)
           USING (program_id)
),
stale AS (
    SELECT array_agg(sc.id ORDER BY sc.id) AS ids
      FROM sc LEFT JOIN assessments_indicatorfactstate st ON st.pairing_id = sc.id
     WHERE st.fresh IS NOT TRUE
),
-- The blocks of the period aligned on months (``PeriodFact``: a province's year is its year rows): coverage
-- and attendance summed over them, deployments read where the period is exactly a row's block.
pf AS (
    -- Which sections a row counts in, worked out once per row (not once per sum).
    SELECT f.*, sc.tcm, {cov_f} AS in_cov, {att_f} AS in_att,
           f.months = sc.dep_months AND f.start = sc.dep_start AS in_dep
      FROM assessments_periodfact f JOIN sc ON sc.id = f.pairing_id
     WHERE {block_rows}
),
blocks AS (
    SELECT COALESCE(SUM(days) FILTER (WHERE in_cov), 0)::bigint AS days,
           COALESCE(SUM(covered_days) FILTER (WHERE in_cov), 0)::bigint AS covered,
           COALESCE(SUM(CASE WHEN tcm THEN full_days_tcm ELSE full_days END) FILTER (WHERE in_cov), 0)
               ::bigint AS full_days,
           COALESCE(SUM(single_leader_days) FILTER (WHERE in_cov), 0)::bigint AS single,
           COALESCE(SUM(present) FILTER (WHERE in_att), 0)::bigint AS present,
           COALESCE(SUM(expected) FILTER (WHERE in_att), 0)::bigint AS expected,
           COALESCE(SUM(attendance_months) FILTER (WHERE in_att), 0)::int AS months,
           COALESCE(SUM(not_imported) FILTER (WHERE in_att), 0)::int AS missing,
           COALESCE(SUM(deployments) FILTER (WHERE in_dep), 0)::int AS n,
           COALESCE(SUM(stay_met) FILTER (WHERE in_dep), 0)::int AS met,
           COALESCE(SUM(roster_timely) FILTER (WHERE in_dep), 0)::int AS timely,
           COALESCE(SUM(trainees) FILTER (WHERE in_cov), 0)::int AS trainees,
           COALESCE(SUM(qualifying_trainees) FILTER (WHERE in_cov), 0)::int AS qualifying
      FROM pf
),
{pieces_sql},
-- Gaps (nobody on site) clipped to [lo, hi], from the head-count intervals (``coverage_summaries``).
gap AS (
    SELECT f.pairing_id, GREATEST(f.start, sc.lo) AS a, LEAST(f."end", sc.hi) AS b
      FROM assessments_coverageintervalfact f JOIN sc ON sc.id = f.pairing_id
     WHERE f.on_site <= 0 AND sc.lo <= sc.hi AND f.start <= sc.hi AND f."end" >= sc.lo
),
gaps AS (
    SELECT COUNT(*)::int AS gap_count, COUNT(DISTINCT pairing_id)::int AS with_gaps,
           (ARRAY_AGG(ARRAY[pairing_id, a - DATE '2000-01-01', b - DATE '2000-01-01']
                      ORDER BY pairing_id, a))[1:%(limit)s] AS rows
      FROM gap
),
{deployments_sql},
-- TRAINING_QUOTA: free stints started in the period; N per pairing per year of its service inside it.
{training_sql},
quota AS (
    SELECT COALESCE(SUM(quota * GREATEST(0, EXTRACT(YEAR FROM hi)::int - EXTRACT(YEAR FROM lo)::int + 1)),
                    0)::int AS quota
      FROM sc WHERE quota IS NOT NULL
),
fi AS (
    SELECT f.rule_code, f.severity, COUNT(*)::int AS n
      FROM ({findings_sql}) AS f(program_id, pairing_id, rule_code, severity)
     WHERE {findings_in}
     GROUP BY 1, 2
),
ap AS (
    SELECT a.grade, COUNT(*)::int AS n
      FROM ({appraisals_sql}) AS a(pairing_id, grade)
     WHERE a.pairing_id IN (SELECT id FROM sc)
     GROUP BY 1
),
tech AS (
    SELECT COUNT(*)::int AS n, COALESCE(SUM(x.cases), 0)::bigint AS cases
      FROM ({tech_sql}) AS x(hospital_id, cases)
     WHERE x.hospital_id IN (SELECT recipient_id FROM sc)
),
-- County outcomes: each county of the scope's recipients with the program of its first pairing.
po AS (
    SELECT DISTINCT ON (county_id) county_id, program_id FROM sc WHERE county_id IS NOT NULL
     ORDER BY county_id, id
),
co AS (
    SELECT json_agg(json_build_array(po.program_id, o.county_id, o.county_name, o.year, {rate_columns},
                                     o.referrals_up, o.referrals_down)
                    ORDER BY o.county_name, o.year, o.county_id) AS rows
      FROM ({outcomes_sql}) AS o(county_id, county_name, year, {rate_names}, referrals_up, referrals_down)
      JOIN po USING (county_id)
)
SELECT (SELECT ids FROM stale), (SELECT COUNT(*) FROM sc)::int,
       blocks.days + pieces.days, blocks.covered + pieces.covered, blocks.full_days + pieces.full_days,
       blocks.single + pieces.single, gaps.gap_count, gaps.with_gaps, gaps.rows,
       blocks.present, blocks.expected, blocks.months, blocks.missing,
       blocks.n + dep.n, blocks.met + dep.met, blocks.timely + dep.timely,
       tr.trainees, tr.qualifying, quota.quota,
       (SELECT json_agg(json_build_array(rule_code, severity, n) ORDER BY rule_code, severity) FROM fi),
       (SELECT json_agg(json_build_array(grade, n)) FROM ap),
       (SELECT COUNT(*) FROM ({centres_sql}) AS c(hospital_id)
         WHERE c.hospital_id IN (SELECT recipient_id FROM sc))::int,
       (SELECT COUNT(*) FROM ({specialties_sql}) AS x(hospital_id)
         WHERE x.hospital_id IN (SELECT recipient_id FROM sc))::int,
       tech.n, tech.cases,
       (SELECT COUNT(*) FROM ({grades_sql}) AS g(hospital_id)
         WHERE g.hospital_id IN (SELECT recipient_id FROM sc))::int,
       (SELECT COALESCE(SUM(x.count), 0) FROM ({remote_sql}) AS x(pairing_id, count)
         WHERE x.pairing_id IN (SELECT id FROM sc))::bigint,
       co.rows
  FROM blocks, pieces, gaps, dep, tr, quota, tech, co
"""
    with connection.cursor() as cur:
        execute_prepared(cur, sql, p.values)
        row = cur.fetchone()
    (
        stale,
        pairings,
        period_days,
        covered,
        full,
        single,
        gap_count,
        with_gaps,
        gap_rows,
        present,
        expected,
        months,
        missing,
        deployments,
        met,
        timely,
        trainees,
        qualifying,
        quota,
        finding_rows,
        grade_rows,
        centres,
        specialties,
        techs,
        cases,
        grade_changes,
        remote,
        outcome_rows,
    ) = row
    return Sums(
        stale=list(stale or []),
        pairings=pairings,
        coverage={
            "period_days": int(period_days),
            "covered_days": int(covered),
            "full_strength_days": int(full),
            "single_leader_days": int(single),
            "gap_count": gap_count,
            "pairings_with_gaps": with_gaps,
        },
        gaps=[
            (int(pid), _EPOCH + dt.timedelta(days=a), _EPOCH + dt.timedelta(days=b))
            for pid, a, b in gap_rows or []
        ],
        attendance={"present": int(present), "expected": int(expected), "months": months, "missing": missing},
        deployments={"deployments": deployments, "stay_met": met, "rosters_on_time": timely},
        training={"trainees": trainees, "qualifying_trainees": qualifying, "quota": quota},
        findings=[
            {"rule_code": code, "severity": severity, "count": n} for code, severity, n in finding_rows or []
        ],
        grades=[(grade, n) for grade, n in grade_rows or []],
        capacity={
            "centres_built": centres,
            "specialties_achieved": specialties,
            "new_technologies": techs,
            "new_technology_cases": int(cases),
            "grade_changes": grade_changes,
            "remote_services": int(remote),
        },
        outcomes=outcome_rows or [],
    )
