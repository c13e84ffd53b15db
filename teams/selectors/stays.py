"""Continuous stays (SPEC §3a), defined once for LEADER_MIN_STAY / MEMBER_MIN_STAY, the certificate, the
annual scorecard, the report and the API.

A stay joins back-to-back deployments of one person at one recipient in the same role (a leader kept on
from rotation 1 to rotation 2 has one stay): within a program a pairing is one recipient, so stays are
islands per (person, pairing, leader or not) — gaps-and-islands with window functions, in one query. A
deployment continues the stay when it starts on or before the day after the latest end so far (PostgreSQL
stores ``[)`` ranges: ``lower(next) <= upper(previous)``); a one-day gap starts a new stay.
The range of a deployment is its ``period``: planned while it has not ended, actual once it has.
"≥ N months" is ``core.dates.stay_met``: last day ≥ start + N months − 1 day, i.e. the exclusive upper
bound ≥ start + N months (the SQL test below).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from core.dates import min_end, stay_met
from core.planner import whole_set_plan
from pairings.presets import RuleParams


def stays_sql(pairings: str) -> str:
    """SQL of every stay in the pairings the SQL ``pairings`` selects (a query with an ``id`` column).

    Columns: staff_id, pairing_id, leader, start (first day), e_excl (day after the last), ids (the
    deployments, in order), team_id (of the first)."""
    return f"""
WITH d AS MATERIALIZED (
    SELECT d.id, d.staff_id, d.team_id, t.pairing_id, d.role = 'leader' AS leader,
           lower(d.period) AS s, upper(d.period) AS e
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
     WHERE t.pairing_id IN (SELECT id FROM ({pairings}) sp)
),
-- Most people have one deployment per pairing and role: that deployment is the stay. Only the others go
-- through the windows below (two sorts of every deployment of a national program cost ~0.5 s).
multi AS (
    SELECT staff_id, pairing_id, leader FROM d GROUP BY staff_id, pairing_id, leader HAVING COUNT(*) > 1
),
-- A semi-join (IN): planned as a hash of the few multi keys probed by each deployment. The inner join
-- was merged, sorting every deployment of a national program (~0.1 s) to match a handful of keys.
m AS (
    SELECT d.* FROM d WHERE (staff_id, pairing_id, leader) IN (SELECT staff_id, pairing_id, leader FROM multi)
),
g AS (
    SELECT m.*,
           CASE WHEN s <= MAX(e) OVER (PARTITION BY staff_id, pairing_id, leader ORDER BY s, id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS brk
      FROM m
),
i AS (
    SELECT g.*, SUM(brk) OVER (PARTITION BY staff_id, pairing_id, leader ORDER BY s, id
                               ROWS UNBOUNDED PRECEDING) AS island
      FROM g
)
SELECT staff_id, pairing_id, leader, MIN(s) AS start, MAX(e) AS e_excl,
       ARRAY_AGG(id ORDER BY s, id) AS ids, (ARRAY_AGG(team_id ORDER BY s, id))[1] AS team_id
  FROM i GROUP BY staff_id, pairing_id, leader, island
UNION ALL
SELECT d.staff_id, d.pairing_id, d.leader, d.s, d.e, ARRAY[d.id], d.team_id
  FROM d
 WHERE NOT EXISTS (SELECT 1 FROM multi
                    WHERE multi.staff_id = d.staff_id AND multi.pairing_id = d.pairing_id
                      AND multi.leader = d.leader)
"""


def stay_met_sql(stay: str, leader_months: str, member_months: str) -> str:
    """SQL boolean: the stay alias ``stay`` lasts the minimum for its role (no minimum is met)."""
    months = f"CASE WHEN {stay}.leader THEN {leader_months} ELSE {member_months} END"
    return f"({months} IS NULL OR {stay}.e_excl >= {stay}.start + make_interval(months => {months}))"


@dataclasses.dataclass(frozen=True)
class Stay:
    staff_id: int
    pairing_id: int
    leader: bool
    start: dt.date
    end: dt.date  # last day (inclusive)
    deployment_ids: tuple[int, ...]
    required_months: int | None

    @property
    def required_end(self) -> dt.date | None:
        return min_end(self.start, self.required_months) if self.required_months else None

    @property
    def met(self) -> bool:
        return stay_met(self.start, self.end, self.required_months)


def required_months(rules: RuleParams, *, leader: bool) -> int | None:
    """The program's minimum stay for the role (LEADER_MIN_STAY / MEMBER_MIN_STAY)."""
    return rules.leader_min_stay_months if leader else rules.member_min_stay_months


def stays_of_deployments(*, deployment_ids: Sequence[int], rules: RuleParams) -> dict[int, Stay]:
    """{deployment id: the stay it belongs to}, one query (the certificate, the API, pages)."""
    ids = list(deployment_ids)
    if not ids:
        return {}
    pairings = """SELECT t.pairing_id AS id FROM teams_deployment x JOIN teams_team t ON t.id = x.team_id
                   WHERE x.id = ANY(%(ids)s)"""
    sql = f"SELECT * FROM ({stays_sql(pairings)}) st WHERE st.ids && %(ids)s::bigint[]"
    out: dict[int, Stay] = {}
    wanted = set(ids)
    # Without nested loops, as every whole-set use of stays_sql: on statistics taken while the tables were
    # nearly empty (a test database) this statement ran over 15 minutes in a CI run, nesting the stays CTE.
    with whole_set_plan() as cur:
        cur.execute(sql, {"ids": ids})
        for staff_id, pairing_id, leader, start, e_excl, dep_ids, _team in cur.fetchall():
            stay = Stay(
                staff_id,
                pairing_id,
                leader,
                start,
                e_excl - dt.timedelta(days=1),
                tuple(dep_ids),
                required_months(rules, leader=leader),
            )
            for dep in dep_ids:
                if dep in wanted:
                    out[dep] = stay
    return out
