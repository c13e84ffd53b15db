"""Each deployment with its SPEC §3a measures under a program's rules: its continuous stay met
(``teams.selectors.stays``) and its roster on time (``teams.selectors.roster_timeliness``).

One SQL for the scorecard's figures (``assessments.reports.figures.deployment_figures``) and the indicators'
facts (``assessments.selectors.indicator_facts``): both count these two columns, so they cannot join or judge
them differently. Run it through ``core.planner.whole_set_plan`` (whole sets, hash joins).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from pairings.presets import RuleParams
from teams.selectors.roster_timeliness import roster_timeliness_sql
from teams.selectors.stays import stay_met_sql, stays_sql


def deployment_measures_sql(pairings: str) -> str:
    """SQL: one row per deployment of the pairings the SQL ``pairings`` selects (a query with ``id`` and
    ``program_id`` columns, all of one program). Columns: id, pairing_id, staff_id, role, post, period,
    stay_met (LEADER_MIN_STAY / MEMBER_MIN_STAY on the deployment's continuous stay) and roster_on_time
    (submitted in time — always, when the program does not judge rosters: ROSTER_FILED off).
    Parameters: ``deployment_measures_params`` and those of ``pairings``."""
    return f"""
-- MATERIALIZED: computed once. Inlined, a planner misled by stale statistics (a table analysed while it
-- was nearly empty) may put either subquery on the inner side of a nested loop and rerun it for every
-- deployment; a test run once spent 14 minutes in this statement that way.
WITH stays AS MATERIALIZED (
    SELECT unnest(st.ids) AS deployment_id,
           {stay_met_sql("st", "%(leader_stay)s::int", "%(member_stay)s::int")} AS met
      FROM ({stays_sql(pairings)}) st
),
rosters AS MATERIALIZED (
    SELECT rt.id AS deployment_id, rt.reason IS NULL AS timely
      FROM ({roster_timeliness_sql(pairings)}) rt
)
SELECT d.id, t.pairing_id, d.staff_id, d.role, d.post, d.period, stays.met AS stay_met,
       (NOT %(roster_filed)s OR rosters.timely) AS roster_on_time
  FROM teams_deployment d
  JOIN teams_team t ON t.id = d.team_id
  JOIN stays ON stays.deployment_id = d.id
  JOIN rosters ON rosters.deployment_id = d.id
"""


def deployment_measures_params(rules: RuleParams) -> dict[str, Any]:
    """The parameters ``deployment_measures_sql`` reads from a program's rules."""
    return {
        "leader_stay": rules.leader_min_stay_months,
        "member_stay": rules.member_min_stay_months,
        "roster_filed": rules.roster_filed,
        "tz": settings.TIME_ZONE,
    }
