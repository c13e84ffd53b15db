"""The dashboard indicators of a scope in one statement: the fact tables and the live tables, one round trip.

``indicators`` used to ask each section with a query of its own, and each query evaluated the scope again (a
province is 2,500 pairings, joined to their hospitals and programs) or carried the scope's ids as a
parameter. Here the scope is computed once, as a materialized CTE, and every section is a CTE over it:
coverage, attendance and deployments from the facts (``indicator_facts``); training, open findings,
appraisals, capacity and county outcomes from their tables, each through its own ``for_user`` scoping
(compiled by Django once per ``scope_key``, embedded as a subquery; the asked place and period are
conditions around it). PostgreSQL returns one row of sums; no Django rows are built.

A reader of whole programs asking for no city or pairing reads the blocks from the program sums
(``ProgramPeriodFact``) and the rest from the pairings without their hospitals; the statement checks that the
sums hold exactly the reader's pairings and otherwise sums the pairings' rows.

The facts' freshness is read in the same statement (the same snapshot): a pairing a committed write marked
stale is reported, never read from the facts of before; the caller recomputes it and asks again.

Same figures as the section functions of ``indicators`` (``tests/assessments/test_indicator_facts.py``
holds them byte for byte against the computation over the period, for every role, period and city).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
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
    OpenFindingCount,
    Specialty,
)
from core.access import User, scope_key
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
    programs_changed: bool  # a program given is not the row of its ``row_version``: read it and ask again
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


def _in_range(column: str, date_from: dt.date | None, date_to: dt.date | None) -> str:
    """SQL: ``column`` inside [date_from, date_to] (an open end: no bound)."""
    conds = [f"{column} >= %(date_from)s" if date_from else "", f"{column} <= %(date_to)s" if date_to else ""]
    return " AND ".join(c for c in conds if c) or "TRUE"


# ``for_user`` querysets compiled, per (section, the user's ``scope_key``, columns): their SQL with named
# parameters and the parameters' values. Why: Django building and compiling the statement's ten scoped
# querysets was the largest share of a cold answer's Python (issue 18). What ``for_user`` filters depends
# only on ``core.access.scope_key``, so one compilation serves every request of that key; the asked period
# and place are conditions of the statement, outside the compiled SQL. Cleared when full.
_COMPILED: dict[tuple[Any, ...], tuple[str, dict[str, Any], bool]] = {}
_COMPILED_MAX = 4096


def _compile(name: str, qs: QuerySet[Any], fields: tuple[str, ...]) -> tuple[str, dict[str, Any], bool]:
    """``qs``'s rows (``fields``, in that order, unsorted) as SQL with named parameters, their values, and
    whether ``for_user`` gave ``none()`` (the user sees nothing of the model)."""
    none = qs.query.is_empty()
    try:
        sql, params = qs.order_by().values_list(*fields).query.sql_with_params()
    except EmptyResultSet:  # ``for_user`` gave ``none()``: the same columns, no rows
        none = True
        empty = qs.model._base_manager.filter(pk__isnull=True)
        sql, params = empty.order_by().values_list(*fields).query.sql_with_params()
    pieces = sql.split("%s")
    if len(pieces) != len(params) + 1:  # a literal "%s" in the SQL would shift every parameter
        raise ValueError(f"cannot name the parameters of {sql!r}")
    out, values = [pieces[0]], {}
    for i, (value, piece) in enumerate(zip(params, pieces[1:], strict=True)):
        key = f"{name}_{i}"
        values[key] = value
        out.append(f"%({key})s{piece}")
    return "".join(out), values, none


class _Params:
    """Named parameters; a compiled queryset's positional ones get names of their own."""

    def __init__(self, scope_key: tuple[Any, ...], **named: Any) -> None:
        self.scope_key = scope_key
        self.values: dict[str, Any] = dict(named)

    def _hit(
        self, name: str, queryset: Callable[[], QuerySet[Any]], fields: tuple[str, ...]
    ) -> tuple[str, dict[str, Any], bool]:
        key = (name, self.scope_key, fields)
        hit = _COMPILED.get(key)
        if hit is None:
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.clear()
            hit = _COMPILED[key] = _compile(name, queryset(), fields)
        return hit

    def scoped(self, name: str, queryset: Callable[[], QuerySet[Any]], *fields: str) -> str:
        """The rows of ``queryset()`` — ``for_user`` and constant filters, nothing of the request — as SQL
        (``fields``, in that order), compiled once per scope key."""
        sql, values, _none = self._hit(name, queryset, fields)
        self.values.update(values)
        return sql

    def scoped_unless_none(
        self, name: str, queryset: Callable[[], QuerySet[Any]], *fields: str
    ) -> str | None:
        """``scoped``, or None when ``for_user`` in ``queryset()`` gave ``none()``."""
        sql, values, none = self._hit(name, queryset, fields)
        if none:
            return None
        self.values.update(values)
        return sql


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


# The sums of ``blocks`` (name, column, the section a row counts in, type) over the rows ``pf``; the columns
# after the first three as ``pf`` selects them from a period-fact row.
_BLOCK_SUMS = (
    ("days", "days", "cov", "bigint"),
    ("covered", "covered_days", "cov", "bigint"),
    ("full_days", "full_days", "cov", "bigint"),
    ("single", "single_leader_days", "cov", "bigint"),
    ("present", "present", "att", "bigint"),
    ("expected", "expected", "att", "bigint"),
    ("months", "attendance_months", "att", "int"),
    ("missing", "not_imported", "att", "int"),
    ("n", "deployments", "dep", "int"),
    ("met", "stay_met", "dep", "int"),
    ("timely", "roster_timely", "dep", "int"),
    ("trainees", "trainees", "cov", "int"),
    ("qualifying", "qualifying_trainees", "cov", "int"),
)
_BLOCK_REST = ", ".join(f"f.{c}" for _name, c, _when, _t in _BLOCK_SUMS[3:])


# The scope: the user's pairings (``for_user``) with what the sections read of them (narrowed in the SQL).
_SCOPE_FIELDS = (
    "pk",
    "program_id",
    "recipient_id",
    "recipient__county_id",
    "recipient__kind",
    "service_start",
    "service_end",
    "recipient__city_id",
)
_SCOPE_AS = "s(id, program_id, recipient_id, county_id, kind, service_start, service_end, city_id)"


def _scope(
    p: _Params, user: User, program_id: int | None, city_id: int | None, pairing_id: int | None
) -> str:
    """SQL: the rows ``s`` of the pairings the indicators cover — the user's own, narrowed by program, city
    (the recipient's) and pairing, as ``indicators.scoped_pairing_queryset`` narrows them."""
    p.values.update(program=program_id, city=city_id, pairing=pairing_id)
    place = [
        "s.program_id = %(program)s" if program_id is not None else "",
        "s.city_id = %(city)s" if city_id is not None else "",
        "s.id = %(pairing)s" if pairing_id is not None else "",
    ]
    sql = p.scoped("scope", lambda: Pairing.objects.for_user(user), *_SCOPE_FIELDS)
    return f"SELECT * FROM ({sql}) AS {_SCOPE_AS} WHERE {' AND '.join(c for c in place if c) or 'TRUE'}"


# The scope of a reader of whole programs: the pairings only (no hospital), what the sections that do not
# need the recipient read.
_NARROW_FIELDS = ("pk", "program_id", "recipient_id", "service_start", "service_end")


def _narrow_scope(p: _Params, user: User, program_id: int | None) -> str:
    """SQL: the rows ``s(id, program_id, recipient_id, service_start, service_end)`` of the user's pairings
    (``for_user``), of the program asked for."""
    p.values.update(program=program_id)
    sql = p.scoped("narrow", lambda: Pairing.objects.for_user(user), *_NARROW_FIELDS)
    cond = "s.program_id = %(program)s" if program_id is not None else "TRUE"
    return (
        f"SELECT * FROM ({sql}) AS s(id, program_id, recipient_id, service_start, service_end) WHERE {cond}"
    )


# The programs asked for by id, kept per process with a digest of their whole row: asking PostgreSQL for
# the program on every request was a round trip of its own, half as long as the statement under load
# (issue 18). The statement checks, in its own snapshot, that every program it was given still has that
# digest (``Sums.programs_changed``); a program changed since (its rules, its dates, anything) is read again
# and the statement asked again, so an answer never mixes an old program with new facts. A digest of the
# content, not the row's ``xmin``: a transaction that changes a program and then asks keeps the same xmin.
# Cleared when full.
_PROGRAMS: dict[int, Program] = {}
_PROGRAMS_MAX = 256
_PROGRAM_COLUMNS = "*, hashtextextended(pairings_program::text, 0) AS row_version"


def programs_of(
    *, user: User, program_id: int | None, city_id: int | None, pairing_id: int | None, cached: bool = True
) -> dict[int, Program]:
    """Every program the scope's pairings belong to (asked for one: that one), each with ``row_version``
    (the digest of its row).
    A program asked for by id comes from this process's copy unless ``cached`` is false (one small query
    otherwise)."""
    if program_id is not None:
        hit = _PROGRAMS.get(program_id) if cached else None
        if hit is not None:
            return {program_id: hit}
        # Raw: the ORM compiling ``filter(pk=…)`` was a third of the indicators' own Python (issue 18).
        programs = Program.objects.raw(  # type: ignore[assignment]
            f"SELECT {_PROGRAM_COLUMNS} FROM pairings_program WHERE id = %(program)s", {"program": program_id}
        )
        found = {prog.pk: prog for prog in programs}
        if program_id not in found:
            _PROGRAMS.pop(program_id, None)  # deleted since it was kept
        else:
            if len(_PROGRAMS) >= _PROGRAMS_MAX:
                _PROGRAMS.clear()
            _PROGRAMS[program_id] = found[program_id]
        return found
    p = _Params(scope_key(user))
    scope = _scope(p, user, program_id, city_id, pairing_id)
    programs = Program.objects.raw(  # type: ignore[assignment]
        f"SELECT {_PROGRAM_COLUMNS} FROM pairings_program "
        f"WHERE id IN (SELECT s.program_id FROM ({scope}) AS s)",
        p.values,
    )
    return {prog.pk: prog for prog in programs}


@dataclasses.dataclass(frozen=True)
class _Count:
    """A capacity figure: rows of ``model`` the user may see (``for_user``, and ``where``), of the scope's
    recipients (``of="hospital_id"``) or pairings (``of="pairing_id"``), whose ``day`` lies in the period;
    ``sums`` are the figures (key, SQL aggregate over the rows ``x``) read of them."""

    name: str
    model: Any
    where: Q
    day: str
    of: str
    sums: tuple[tuple[str, str], ...]
    columns: tuple[str, ...] = ()


_CAPACITY = (
    _Count(
        "centres",
        CentreProgress,
        Q(status__in=(CentreStatus.BUILT, CentreStatus.ACCREDITED)),
        "achieved_on",
        "hospital_id",
        (("centres_built", "COUNT(*)"),),
    ),
    _Count(
        "specialties",
        Specialty,
        Q(achieved_on__isnull=False),
        "achieved_on",
        "hospital_id",
        (("specialties_achieved", "COUNT(*)"),),
    ),
    _Count(
        "tech",
        NewTechnology,
        Q(),
        "introduced_on",
        "hospital_id",
        (("new_technologies", "COUNT(*)"), ("new_technology_cases", "SUM(x.cases)")),
        ("cases",),
    ),
    _Count("grades", GradeChange, Q(), "effective_on", "hospital_id", (("grade_changes", "COUNT(*)"),)),
    _Count(
        "remote",
        RemoteService,
        Q(),
        "month",
        "pairing_id",
        (("remote_services", "SUM(x.count)"),),
        ("count",),
    ),
)


def _visible(count: _Count, user: User) -> QuerySet[Any]:
    return count.model.objects.for_user(user).filter(count.where)  # type: ignore[no-any-return]


def _capacity_sql(
    p: _Params, user: User, date_from: dt.date | None, date_to: dt.date | None, scope: str
) -> str:
    """The CTEs ``cap_<name>``, one row each: the ``_CAPACITY`` figures."""
    ctes = []
    for c in _CAPACITY:
        rows = p.scoped(c.name, functools.partial(_visible, c, user), c.of, c.day, *c.columns)
        keys = "recipient_id" if c.of == "hospital_id" else "id"
        sums = ", ".join(f"COALESCE({agg}, 0)::bigint AS {key}" for key, agg in c.sums)
        ctes.append(
            f"""cap_{c.name} AS (
    SELECT {sums}
      FROM ({rows}) AS x(key, day{"".join(f", {col}" for col in c.columns)})
     WHERE x.key IN (SELECT {keys} FROM {scope}) AND {_in_range("x.day", date_from, date_to)}
)"""
        )
    return ",\n".join(ctes)


def read(
    *,
    user: User,
    programs: dict[int, Program],
    program_id: int | None,
    city_id: int | None,
    pairing_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    max_gaps: int,
) -> Sums:
    """The sums of every section over the user's pairings narrowed to the program, city and pairing asked
    for, in one statement.

    Open findings are those of the scope's pairings when a city or a pairing was asked; otherwise those of
    ``programs``, program-level ones included."""
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
        scope_key(user),
        date_from=date_from,
        date_to=date_to,
        month_from=month_from,
        year_from=date_from.year if date_from else MIN_YEAR,
        year_to=date_to.year if date_to else MAX_YEAR,
        finding_programs=ids,
        limit=max_gaps + 1,
        # Per program: TEAM_MIN_SIZE (general, TCM), TRAINING_QUOTA's N and M, the period clipped to the
        # program and, when that is a block of the period facts, the block.
        r_program=ids,
        r_version=[programs[pk].row_version for pk in ids],  # type: ignore[attr-defined]
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
    cov_f, att_f = cov_blocks.format(t="f"), att_blocks.format(t="f")
    if (cov_years, cov_months) == (att_years, att_months) and all(
        months == 12 and cov_years is not None and cov_years[0] <= start < cov_years[1]
        for start, months in dep_keys
    ):
        # One set of rows: attendance reads the months coverage reads, and every deployment block is one of
        # their years (a calendar year, months aligned), so each row counts in both — no test per row
        # (a fifth of the statement over a province's year).
        block_rows, cov_f = cov_f, "TRUE"
        att_f = cov_f
    else:
        block_rows = " OR ".join(c for c in (cov_f, att_f, *dep_rows) if c != "FALSE") or "FALSE"
    pieces_sql = _pieces_sql(p, pieces)
    deployments_sql = (
        _DEPLOYMENTS_SQL
        if any(p.values["r_dep_generic"])
        else "dep AS (SELECT 0 AS n, 0 AS met, 0 AS timely)"
    )
    counted = (
        None
        if city_id is not None or pairing_id is not None
        else p.scoped_unless_none(
            "finding_counts",
            lambda: OpenFindingCount.objects.for_user(user),
            "program_id",
            "rule_code",
            "severity",
            "period_start",
            "period_end",
            "n",
        )
    )
    # A reader of whole programs (the open finding counts' test: it sees findings through the program) asking
    # for no city or pairing: the period blocks are read from the program sums, the pairings' own rows only
    # where the sums hold other pairings than the reader's (checked in the statement, ``whole``); head,
    # gaps, appraisals and capacity from the pairings without their hospitals (issue 18: the scope joined to
    # its hospitals and the pairings' year rows were two thirds of the statement).
    whole = counted is not None
    scope_sql = _scope(p, user, program_id, city_id, pairing_id)
    if pieces:  # a period not aligned on months: the stints themselves, through their own scoping
        stints_sql = p.scoped(
            "stints",
            lambda: TraineeStint.objects.for_user(user).filter(is_free=True),
            "pairing_id",
            "start_date",
            "end_date",
        )
        training_sql = f"""tr AS (
    SELECT COUNT(*)::int AS trainees,
           COUNT(*) FILTER (WHERE {long_enough_sql("t.start_date", "t.end_date", "sc.months")})::int
               AS qualifying
      FROM ({stints_sql}) AS t(pairing_id, start_date, end_date) JOIN sc ON sc.id = t.pairing_id
     WHERE {_in_range("t.start_date", date_from, date_to)}
)"""
    else:
        # Aligned: the period facts' stints of the scope's pairings. The same rows: a stint's scope is its
        # pairing's (``TraineeStint.SCOPE`` is ``Pairing.SCOPE`` through ``pairing``; a test holds it).
        training_sql = "tr AS (SELECT trainees, qualifying FROM blocks)"
    period_in = [
        # Findings about the period: those whose period (open ends: none) overlaps it.
        "(f.period_start IS NULL OR f.period_start <= %(date_to)s)" if date_to else "",
        "(f.period_end IS NULL OR f.period_end >= %(date_from)s)" if date_from else "",
    ]
    if counted is not None:
        # Whole programs' open findings as ``Finding.for_user`` sees them through the program (the only path
        # ``OpenFindingCount.SCOPE`` declares; who sees findings through pairings sees none of the counts
        # and takes the branch below): their counts per rule, severity and period, a few dozen rows where
        # the findings are thousands (issue 18).
        conds = ["f.program_id = ANY(%(finding_programs)s::bigint[])", "f.n > 0", *period_in]
        findings_cte = f"""fi AS (
    SELECT f.rule_code, f.severity, SUM(f.n)::int AS n
      FROM ({counted}) AS f(program_id, rule_code, severity, period_start, period_end, n)
     WHERE {" AND ".join(c for c in conds if c)}
     GROUP BY 1, 2
)"""
    else:
        findings_sql = p.scoped(
            "findings",
            lambda: Finding.objects.for_user(user).filter(status=FindingStatus.OPEN),
            "program_id",
            "pairing_id",
            "rule_code",
            "severity",
            "period_start",
            "period_end",
        )
        findings_in = [
            "f.pairing_id IN (SELECT id FROM sc)"
            if city_id is not None or pairing_id is not None
            # Program-level findings (no pairing) count too when the whole program or province is asked
            # for: those of the scope's programs (``programs``: the scope's, or the one asked for).
            else "f.program_id = ANY(%(finding_programs)s::bigint[])",
            *period_in,
        ]
        findings_cte = f"""fi AS (
    SELECT f.rule_code, f.severity, COUNT(*)::int AS n
      FROM ({findings_sql}) AS f(program_id, pairing_id, rule_code, severity, period_start, period_end)
     WHERE {" AND ".join(c for c in findings_in if c)}
     GROUP BY 1, 2
)"""
    appraisals_sql = p.scoped(
        "appraisals",
        lambda: AnnualAppraisal.objects.for_user(user).filter(status=AppraisalStatus.PUBLISHED),
        "pairing_id",
        "grade",
        "year",
    )
    appraisals_in = [
        "a.year >= %(year_from)s" if date_from else "",
        "a.year <= %(year_to)s" if date_to else "",
    ]
    outcomes_sql = p.scoped(
        "outcomes",
        lambda: CountyOutcome.objects.for_user(user),
        "county_id",
        "county__name",
        "year",
        *CountyOutcome.RATE_FIELDS,
        "referrals_up",
        "referrals_down",
    )
    scope_cte = "ps" if whole else "sc"  # what gaps, appraisals and capacity join
    capacity_sql = _capacity_sql(p, user, date_from, date_to, scope_cte)
    rate_names = ", ".join(CountyOutcome.RATE_FIELDS)
    rate_columns = ", ".join(f"o.{f}::text" for f in CountyOutcome.RATE_FIELDS)  # exact decimals
    capacity_columns = ", ".join(f"cap_{c.name}.{key}" for c in _CAPACITY for key, _agg in c.sums)
    sums = ", ".join(
        f"COALESCE(SUM({c}) FILTER (WHERE in_{when}), 0)::{t} AS {name}" for name, c, when, t in _BLOCK_SUMS
    )
    # The pairings' own year rows, of the scope joined to them; for a reader of whole programs only when the
    # program sums hold other pairings than its own (``whole``; then the sums are left out instead).
    each_pf = f"""SELECT f.days, f.covered_days, CASE WHEN sc.tcm THEN f.full_days_tcm ELSE f.full_days END,
           {_BLOCK_REST}, {cov_f} AS in_cov, {att_f} AS in_att,
           f.months = sc.dep_months AND f.start = sc.dep_start AS in_dep
      FROM assessments_periodfact f JOIN sc ON sc.id = f.pairing_id
     WHERE {"NOT (SELECT ok FROM whole) AND " if whole else ""}({block_rows})"""
    if whole:
        p.values["summed_programs"] = ids
        scope_ctes = f"""
-- The pairings without their hospitals, what head, gaps, appraisals and capacity read; not materialized:
-- head reads it in one pass, gaps look up the few pairings with a gap by key (a fifth of the statement).
ps AS NOT MATERIALIZED (
    SELECT s.id, s.program_id, s.recipient_id,
           GREATEST(s.service_start, COALESCE(%(date_from)s::date, s.service_start)) AS lo,
           LEAST(s.service_end, COALESCE(%(date_to)s::date, s.service_end)) AS hi
      FROM ({_narrow_scope(p, user, program_id)}) AS s
),
-- Per program first, then its rules: the scope's pairings are not joined to the rules one by one (issue 18).
per AS (
    SELECT ps.program_id, COUNT(*) AS pairings,
           array_agg(ps.id ORDER BY ps.id) FILTER (WHERE st.fresh IS NOT TRUE) AS stale,
           SUM(GREATEST(0, date_part('year', ps.hi)::int - date_part('year', ps.lo)::int + 1)) AS years,
           COUNT(*) FILTER (WHERE st.summed_program_id = ps.program_id) AS summed
      FROM ps
      LEFT JOIN assessments_indicatorfactstate st ON st.pairing_id = ps.id
     GROUP BY ps.program_id
),
head AS (
    SELECT COALESCE(SUM(per.pairings), 0)::int AS pairings,
           (SELECT array_agg(x ORDER BY x) FROM per, unnest(per.stale) AS x) AS stale,
           COALESCE(SUM(r.quota * per.years), 0)::int AS quota,
           COALESCE(SUM(per.summed), 0)::bigint AS summed
      FROM per LEFT JOIN r USING (program_id)
),
-- The program sums hold exactly the scope's pairings' rows: every pairing summed in them is one of the
-- scope's (the scope holds that many of them). Otherwise (a pairing deleted or moved away and not
-- recomputed, a reader seeing part of a program) the pairings' own rows are summed.
whole AS (
    SELECT head.summed = COALESCE((SELECT SUM(m.pairings) FROM assessments_programfactpairings m
                                    WHERE m.program_id = ANY(%(summed_programs)s::bigint[])), 0) AS ok
      FROM head
),
pf AS (
    SELECT f.days, f.covered_days, f.full_days, {_BLOCK_REST}, {cov_f} AS in_cov, {att_f} AS in_att,
           f.months = r.dep_months AND f.start = r.dep_start AS in_dep
      FROM assessments_programperiodfact f JOIN r USING (program_id)
     WHERE (SELECT ok FROM whole) AND ({block_rows})
    UNION ALL
    {each_pf}
),"""
        counties = """SELECT DISTINCT ON (h.county_id) h.county_id, ps.program_id
      FROM ps JOIN pairings_hospital h ON h.id = ps.recipient_id WHERE h.county_id IS NOT NULL
     ORDER BY h.county_id, ps.id"""
    else:
        scope_ctes = f"""
-- One pass over the scope: its size, the pairings whose facts are stale, and TRAINING_QUOTA's N per pairing
-- per year of its service inside the asked period (date_part, not EXTRACT: the same whole years, where
-- EXTRACT's numeric cost a visible share of the statement over a province's pairings).
head AS (
    SELECT COUNT(*)::int AS pairings, array_agg(id ORDER BY id) FILTER (WHERE NOT fresh) AS stale,
           COALESCE(SUM(quota * GREATEST(0, date_part('year', hi)::int - date_part('year', lo)::int + 1)),
                    0)::int AS quota
      FROM sc
),
-- The blocks of the period aligned on months (``PeriodFact``: a province's year is its year rows): coverage
-- and attendance summed over them, deployments read where the period is exactly a row's block; which
-- sections a row counts in worked out once per row (not once per sum).
pf AS (
    {each_pf}
),"""
        counties = """SELECT DISTINCT ON (county_id) county_id, program_id FROM sc WHERE county_id IS NOT NULL
     ORDER BY county_id, id"""
    sql = f"""
-- Per program asked: its rules and the period clipped to it.
WITH r AS (
    SELECT * FROM unnest(%(r_program)s::bigint[], %(r_min)s::int[], %(r_min_tcm)s::int[], %(r_quota)s::int[],
                         %(r_months)s::int[], %(r_lo)s::date[], %(r_hi)s::date[], %(r_dep_start)s::date[],
                         %(r_dep_months)s::int[], %(r_dep_generic)s::boolean[])
           AS r(program_id, min, min_tcm, quota, months, dep_lo, dep_hi, dep_start, dep_months, dep_generic)
),
-- The scope once, with what the sections read of its pairings' programs; [lo, hi]: the service period
-- inside the asked one.
sc AS MATERIALIZED (
    SELECT s.id, s.program_id, s.recipient_id, s.county_id, s.kind = '{HospitalKind.TCM.value}' AS tcm,
           CASE WHEN s.kind = '{HospitalKind.TCM.value}' THEN r.min_tcm ELSE r.min END AS minimum,
           r.quota, r.months, r.dep_lo, r.dep_hi, r.dep_start, r.dep_months, r.dep_generic,
           GREATEST(s.service_start, COALESCE(%(date_from)s::date, s.service_start)) AS lo,
           LEAST(s.service_end, COALESCE(%(date_to)s::date, s.service_end)) AS hi,
           st.fresh IS TRUE AS fresh
      FROM ({scope_sql}) AS s
      LEFT JOIN assessments_indicatorfactstate st ON st.pairing_id = s.id
      LEFT JOIN r USING (program_id)
),{scope_ctes}
blocks AS (
    SELECT {sums}
      FROM pf AS pf(days, covered_days, full_days, single_leader_days, present, expected, attendance_months,
                    not_imported, deployments, stay_met, roster_timely, trainees, qualifying_trainees,
                    in_cov, in_att, in_dep)
),
{pieces_sql},
-- Gaps (nobody on site) clipped to [lo, hi], from the head-count intervals (``coverage_summaries``).
gap AS (
    SELECT f.pairing_id, GREATEST(f.start, s.lo) AS a, LEAST(f."end", s.hi) AS b
      FROM assessments_coverageintervalfact f JOIN {scope_cte} AS s ON s.id = f.pairing_id
     WHERE f.on_site <= 0 AND s.lo <= s.hi AND f.start <= s.hi AND f."end" >= s.lo
),
gaps AS (
    SELECT COUNT(*)::int AS gap_count, COUNT(DISTINCT pairing_id)::int AS with_gaps,
           (ARRAY_AGG(ARRAY[pairing_id, a - DATE '2000-01-01', b - DATE '2000-01-01']
                      ORDER BY pairing_id, a))[1:%(limit)s] AS rows
      FROM gap
),
{deployments_sql},
-- TRAINING_QUOTA: free stints started in the period (N per pairing per year: ``head``).
{training_sql},
{findings_cte},
ap AS (
    SELECT a.grade, COUNT(*)::int AS n
      FROM ({appraisals_sql}) AS a(pairing_id, grade, year)
     WHERE a.pairing_id IN (SELECT id FROM {scope_cte}) {"".join(f" AND {c}" for c in appraisals_in if c)}
     GROUP BY 1
),
{capacity_sql},
-- County outcomes: each county of the scope's recipients with the program of its first pairing, in the
-- years the asked period touches (all when none is asked).
po AS (
    {counties}
),
co AS (
    SELECT json_agg(json_build_array(po.program_id, o.county_id, o.county_name, o.year, {rate_columns},
                                     o.referrals_up, o.referrals_down)
                    ORDER BY o.county_name, o.year, o.county_id) AS rows
      FROM ({outcomes_sql}) AS o(county_id, county_name, year, {rate_names}, referrals_up, referrals_down)
      JOIN po USING (county_id)
     WHERE o.year >= %(year_from)s AND o.year <= %(year_to)s
)
SELECT head.stale,
       -- The programs' rows are still the versions the parameters above were computed from.
       (SELECT COUNT(*) FROM unnest(%(r_program)s::bigint[], %(r_version)s::bigint[]) AS v(id, version)
          JOIN pairings_program pp ON pp.id = v.id AND hashtextextended(pp::text, 0) = v.version)
           <> cardinality(%(r_program)s::bigint[]),
       head.pairings,
       blocks.days + pieces.days, blocks.covered + pieces.covered, blocks.full_days + pieces.full_days,
       blocks.single + pieces.single, gaps.gap_count, gaps.with_gaps, gaps.rows,
       blocks.present, blocks.expected, blocks.months, blocks.missing,
       blocks.n + dep.n, blocks.met + dep.met, blocks.timely + dep.timely,
       tr.trainees, tr.qualifying, head.quota,
       (SELECT json_agg(json_build_array(rule_code, severity, n) ORDER BY rule_code, severity) FROM fi),
       (SELECT json_agg(json_build_array(grade, n)) FROM ap),
       co.rows, {capacity_columns}
  FROM head, blocks, pieces, gaps, dep, tr, co, {", ".join(f"cap_{c.name}" for c in _CAPACITY)}
"""
    # Prepared with parameters, so PostgreSQL takes its generic plan after five custom ones — and here that is
    # what we want (issue 18, checked with EXPLAIN on the national data): a custom plan of this statement
    # costs 5–11 ms of planning against 1.3–3.4 ms of execution; the generic plan's execution is the same
    # for a whole program and up to ~1.8 ms slower for a city or a small province, far less than the
    # planning it saves. Inlining the values (``execute_planned_once``, the lists' cure) would plan once per
    # distinct period and place.
    with connection.cursor() as cur:
        execute_prepared(cur, sql, p.values)
        row = cur.fetchone()
    (
        stale,
        programs_changed,
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
        outcome_rows,
        *capacity,
    ) = row
    return Sums(
        stale=list(stale or []),
        programs_changed=programs_changed,
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
            key: int(value)
            for key, value in zip((key for c in _CAPACITY for key, _agg in c.sums), capacity, strict=True)
        },
        outcomes=outcome_rows or [],
    )
