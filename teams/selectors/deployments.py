"""Reads of teams and deployments. The day-level figures (people on site, leaders on site) live here so
the rule engine, the UI timeline, the API indicators and the reports all compute them the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from core.access import User
from teams.models import Deployment, Team

# Sweep-line over deployment start/end events: one row per change of head-count, so the cost grows with
# the number of deployments, not with pairings × days. Pairing service periods add zero-weight boundary
# events so the first and last intervals are clipped to the period (and empty periods show as 0 on site).
# Deployments ending before the clipped period or starting after it are left out: the period's first
# row starts on its boundary event, where such a deployment's +1 and -1 have cancelled, and rows after
# the period are dropped — the same intervals from fewer events (a program-year of a multi-year program).
# ``HEADCOUNT_SQL`` is the statement unordered, before neighbours with equal counts are joined (``_merge``):
# the rule engine's team rules build on it in SQL (``assessments/rules/team.py``). Parameters ``program_id``,
# ``pairing_ids``, ``date_from``, ``date_to``; columns pairing_id, start_day, end_day, on_site, leaders.
HEADCOUNT_SQL = """
WITH p AS (
    SELECT p.id,
           GREATEST(p.service_start, COALESCE(%(date_from)s::date, p.service_start)) AS s,
           LEAST(p.service_end, COALESCE(%(date_to)s::date, p.service_end)) AS e
      FROM pairings_pairing p
     WHERE (%(program_id)s::bigint IS NULL OR p.program_id = %(program_id)s)
       AND (%(pairing_ids)s::bigint[] IS NULL OR p.id = ANY(%(pairing_ids)s))
),
p_ok AS (SELECT * FROM p WHERE s <= e),
dep AS (
    SELECT t.pairing_id, d.period, CASE WHEN d.role = 'leader' THEN 1 ELSE 0 END AS leader
      FROM teams_deployment d JOIN teams_team t ON t.id = d.team_id JOIN p_ok ON p_ok.id = t.pairing_id
     WHERE upper(d.period) > p_ok.s AND lower(d.period) <= p_ok.e
),
ev AS (
    SELECT pairing_id, lower(period) AS day, 1 AS dn, leader AS dl FROM dep
    UNION ALL
    SELECT pairing_id, upper(period), -1, -leader FROM dep
    UNION ALL SELECT id, s, 0, 0 FROM p_ok
    UNION ALL SELECT id, e + 1, 0, 0 FROM p_ok
),
agg AS (SELECT pairing_id, day, SUM(dn) AS dn, SUM(dl) AS dl FROM ev GROUP BY pairing_id, day),
run AS (
    SELECT pairing_id, day AS start_day,
           LEAD(day) OVER w - 1 AS end_day,
           SUM(dn) OVER (w ROWS UNBOUNDED PRECEDING) AS on_site,
           SUM(dl) OVER (w ROWS UNBOUNDED PRECEDING) AS leaders
      FROM agg
    WINDOW w AS (PARTITION BY pairing_id ORDER BY day)
)
SELECT r.pairing_id, GREATEST(r.start_day, p_ok.s) AS start_day, LEAST(r.end_day, p_ok.e) AS end_day,
       r.on_site::int AS on_site, r.leaders::int AS leaders
  FROM run r JOIN p_ok ON p_ok.id = r.pairing_id
 WHERE r.end_day IS NOT NULL AND r.start_day <= p_ok.e AND r.end_day >= p_ok.s
"""
_INTERVALS_SQL = HEADCOUNT_SQL + " ORDER BY 1, 2"


def team_crew_sql(teams: str) -> str:
    """The people each team is made up of (派驻至少5名…组成帮扶队), one definition for the rule engine's
    TEAM_MIN_SIZE and the indicators' facts that keep it (``TeamCompositionFact``): the people deployed on the
    team, and the people of the pairing's other teams kept on across its start (a leader staying a year
    serves two half-year rotations on one deployment); someone on both sides counts once. A team of the same
    start date is a team of its own. Nothing here depends on a date: the facts hold every team.

    ``teams``: a query of teams with columns ``id``, ``pairing_id``, ``start_date`` (read twice: name a CTE).
    Columns team_id, people; a team without anyone has no row."""
    # Counted per team (distinct people), then joined to the teams by the caller: a UNION joined to the
    # teams and grouped again hashed and sorted 125,000 rows twice at national scale. DISTINCT pairs, then
    # COUNT(*): both hashed; COUNT(DISTINCT …) sorted the 125,000 rows.
    return f"""
SELECT team_id, COUNT(*) AS people
  FROM (SELECT DISTINCT team_id, staff_id FROM (SELECT t.id AS team_id, d.staff_id
          FROM ({teams}) t JOIN teams_deployment d ON d.team_id = t.id
        UNION ALL
        SELECT t.id, d.staff_id
          FROM ({teams}) t
          JOIN teams_team o ON o.pairing_id = t.pairing_id AND o.id <> t.id
          JOIN teams_deployment d ON d.team_id = o.id
         WHERE lower(d.period) < t.start_date AND d.period @> t.start_date) x) pairs
 GROUP BY team_id"""


@dataclasses.dataclass(frozen=True)
class Interval:
    """Days ``start`` … ``end`` (inclusive) of a pairing with a constant head-count."""

    pairing_id: int
    start: dt.date
    end: dt.date
    on_site: int
    leaders: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def headcount_intervals(
    *,
    program_id: int | None = None,
    pairing_ids: Sequence[int] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[Interval]:
    """Maximal intervals of constant (people on site, leaders on site) per pairing, in one query.

    Covers each pairing's service period clipped to ``date_from``/``date_to``. Callers scope the pairings
    (``pairing_ids`` from a ``for_user`` queryset, or a whole program for the rule engine).
    """
    params: dict[str, Any] = {
        "program_id": program_id,
        "pairing_ids": list(pairing_ids) if pairing_ids is not None else None,
        "date_from": date_from,
        "date_to": date_to,
    }
    with connection.cursor() as cur:
        cur.execute(_INTERVALS_SQL, params)
        rows = cur.fetchall()
    return list(_merge(Interval(*row) for row in rows))


def _merge(intervals: Iterable[Interval]) -> Iterable[Interval]:
    """Join neighbours with equal counts (boundary events can split an interval without changing it)."""
    current: Interval | None = None
    for iv in intervals:
        if (
            current is not None
            and iv.pairing_id == current.pairing_id
            and iv.on_site == current.on_site
            and iv.leaders == current.leaders
            and iv.start == current.end + dt.timedelta(days=1)
        ):
            current = dataclasses.replace(current, end=iv.end)
            continue
        if current is not None:
            yield current
        current = iv
    if current is not None:
        yield current


@dataclasses.dataclass
class CoverageSummary:
    pairing_id: int
    period_days: int = 0
    covered_days: int = 0
    full_strength_days: int = 0
    single_leader_days: int = 0
    gaps: list[tuple[dt.date, dt.date]] = dataclasses.field(default_factory=list)

    @property
    def coverage_rate(self) -> float:
        return self.covered_days / self.period_days if self.period_days else 0.0

    @property
    def full_strength_rate(self) -> float:
        return self.full_strength_days / self.period_days if self.period_days else 0.0


def coverage_summaries(
    intervals: Iterable[Interval], *, minimum_for: dict[int, int | None]
) -> dict[int, CoverageSummary]:
    """Per pairing: days in period, days with someone on site, days at full strength, gaps.

    ``minimum_for`` maps pairing id → minimum team size (TEAM_MIN_SIZE, TCM variant applied by the caller).
    """
    out: dict[int, CoverageSummary] = {}
    for iv in intervals:
        s = out.setdefault(iv.pairing_id, CoverageSummary(iv.pairing_id))
        s.period_days += iv.days
        if iv.on_site > 0:
            s.covered_days += iv.days
            if iv.leaders == 1:
                s.single_leader_days += iv.days
        else:
            s.gaps.append((iv.start, iv.end))
        minimum = minimum_for.get(iv.pairing_id)
        if minimum is None or iv.on_site >= minimum:
            s.full_strength_days += iv.days
    return out


def team_list(*, user: User) -> QuerySet[Team]:
    return Team.objects.for_user(user).select_related("pairing__recipient", "pairing__program")


def deployment_list(*, user: User) -> QuerySet[Deployment]:
    return Deployment.objects.for_user(user).select_related("staff", "team__pairing__recipient", "supporter")


def deployment_span(deployment: Deployment) -> tuple[dt.date, dt.date]:
    """Inclusive first and last day of ``period`` (actual where known, else planned)."""
    period = deployment.period
    if period is None or isinstance(period, str | bytes):  # not yet refreshed from the database
        return deployment.start, max(deployment.end, deployment.start)
    return period.lower, period.upper - dt.timedelta(days=1)
