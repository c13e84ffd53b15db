"""The training quota, defined once (SPEC §3a): which stints count for TRAINING_QUOTA and how many a pairing
must train in each year (or over the program). The rule (assessments/rules/training.py) keeps the rows that
fall short in judged periods; the recipient's training page shows every period's progress from the same query.

A stint counts when the host accepted it, it was free, it lasts ≥ ``training_min_months`` where the preset
sets M (calendar arithmetic: end + 1 day ≥ start + M months), and — where ``training_backbone_only`` — the
trainee is a clinical backbone doctor or technician. Its year is the year it starts. A partial first or last
year asks a pro-rated quota when ``training_prorate`` (days of service in the year / days of the year,
rounded up: a share of a trainee is still a trainee to train).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection

from pairings.models import Pairing
from pairings.presets import RuleParams


def long_enough_sql(start: str, end: str, months: str) -> str:
    """SQL boolean: a stint from ``start`` to ``end`` (SQL dates, inclusive) lasts the ``months`` (an SQL
    integer) TRAINING_QUOTA asks — ``core.dates.stay_met``: end + 1 day ≥ start + M months; no M (or 0) is
    met. The quota below and the API's training indicators count with it."""
    return f"(COALESCE({months}, 0) = 0 OR {end} + 1 >= {start} + make_interval(months => {months}))"


def quota_sql(pairings_sql: str) -> str:
    """One row per pairing and period (year, or the whole service period when ``training_quota_period`` is
    'program'): ``required``, ``trained`` (stints that count), ``judged`` (the period is over by
    ``as_of``: until then the quota can still be met), and the stints that do not count (too short, not
    backbone). ``pairings_sql`` selects the pairings (``p.*``); parameters: n, m, period, prorate,
    backbone, as_of, plus those of ``pairings_sql``."""
    return f"""
WITH p AS ({pairings_sql}),
y AS (
    SELECT p.id AS pairing_id, gs.year,
           GREATEST(make_date(gs.year, 1, 1), p.service_start) AS ps,
           LEAST(make_date(gs.year, 12, 31), p.service_end) AS pe,
           make_date(gs.year, 12, 31) - make_date(gs.year, 1, 1) + 1 AS year_days
      FROM p, generate_series(date_part('year', p.service_start)::int, date_part('year', p.service_end)::int)
              AS gs(year)
     WHERE %(period)s = 'year'
    UNION ALL
    SELECT p.id, NULL, p.service_start, p.service_end, NULL
      FROM p
     WHERE %(period)s = 'program'
),
q AS (
    SELECT y.*,
           CASE WHEN %(prorate)s AND y.year IS NOT NULL
                THEN CEIL(%(n)s * (y.pe - y.ps + 1)::numeric / y.year_days)::int
                ELSE %(n)s END AS required
      FROM y
),
s AS (
    SELECT ts.pairing_id, ts.id, ts.trainee_name, ts.start_date, ts.end_date,
           {long_enough_sql("ts.start_date", "ts.end_date", "%(m)s::int")} AS long_enough,
           (NOT %(backbone)s OR ts.is_backbone) AS eligible
      FROM training_traineestint ts JOIN p ON p.id = ts.pairing_id
     WHERE ts.is_free AND ts.status = 'accepted'
)
SELECT q.pairing_id, q.year, q.ps, q.pe, q.required, q.pe < %(as_of)s AS judged,
       COUNT(s.id) FILTER (WHERE s.long_enough AND s.eligible) AS trained,
       COALESCE(JSON_AGG(JSON_BUILD_OBJECT('id', s.id, 'trainee', s.trainee_name, 'start', s.start_date,
                                           'end', s.end_date) ORDER BY s.start_date)
                FILTER (WHERE s.id IS NOT NULL AND NOT s.long_enough), '[]') AS too_short,
       COALESCE(JSON_AGG(JSON_BUILD_OBJECT('id', s.id, 'trainee', s.trainee_name, 'start', s.start_date,
                                           'end', s.end_date) ORDER BY s.start_date)
                FILTER (WHERE s.id IS NOT NULL AND s.long_enough AND NOT s.eligible), '[]') AS not_backbone
  FROM q
  -- A stint counts in the year it starts; over the program, every stint of the pairing counts.
  LEFT JOIN s ON s.pairing_id = q.pairing_id
             AND (q.year IS NULL OR date_part('year', s.start_date)::int = q.year)
 GROUP BY q.pairing_id, q.year, q.ps, q.pe, q.required
"""


def quota_params(params: RuleParams) -> dict[str, Any]:
    return {
        "n": params.training_quota,
        "m": params.training_min_months,
        "period": params.training_quota_period,
        "prorate": params.training_prorate,
        "backbone": params.training_backbone_only,
    }


@dataclasses.dataclass(frozen=True)
class QuotaProgress:
    """One period of one pairing: trained (counting) against required."""

    pairing_id: int
    year: int | None  # None: the whole service period (quota over the program)
    period_start: dt.date
    period_end: dt.date
    required: int
    trained: int
    judged: bool
    min_months: int | None

    @property
    def met(self) -> bool:
        return self.trained >= self.required


_BY_IDS = "SELECT p.* FROM pairings_pairing p WHERE p.id = ANY(%(pairing_ids)s)"


def quota_progress(*, pairings: list[Pairing], as_of: dt.date) -> dict[int, list[QuotaProgress]]:
    """Each pairing's quota periods (TRAINING_QUOTA's definition). The caller passes pairings it already
    scoped with ``for_user``; one query per program (a recipient's pairings belong to one or two)."""
    by_program: dict[int, list[Pairing]] = defaultdict(list)
    for p in pairings:
        by_program[p.program_id].append(p)
    out: dict[int, list[QuotaProgress]] = {p.pk: [] for p in pairings}
    for group in by_program.values():
        params = group[0].program.rules
        if params.training_quota is None:
            continue
        with connection.cursor() as cur:
            cur.execute(
                quota_sql(_BY_IDS) + " ORDER BY q.pairing_id, q.year",
                {**quota_params(params), "pairing_ids": [p.pk for p in group], "as_of": as_of},
            )
            for pairing_id, year, ps, pe, required, judged, trained, *_rest in cur.fetchall():
                out[pairing_id].append(
                    QuotaProgress(
                        pairing_id, year, ps, pe, required, trained, judged, params.training_min_months
                    )
                )
    return out
