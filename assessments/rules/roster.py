"""Deployments against rosters: nobody deployed twice at once, every deployment on a roster in time."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import (
    SCOPE_PAIRINGS,
    Draft,
    Rule,
    RuleContext,
    msg,
    register,
    rules_facts,
    scope_to_compute,
)
from pairings.presets import RuleParams
from teams.selectors.roster_timeliness import roster_timeliness_sql

# Both sides of a pair are looked up anywhere (a person may be double-booked across pairings or programs);
# the finding belongs to the side in the program with the lower id — the same choice whether a program or a
# pairing run finds it — and is reported when that pairing is in the run's scope. That side's person is
# deployed (or rostered) in the scope, so only the scope's people are self-joined: a pairing's recheck looks
# up its few people by the staff index (``= ANY(ARRAY(…))``; an ``IN`` under the OR became a hashed filter
# over every deployment), not at every deployment of the database. In a program run the
# filter is dropped (``pairing_ids`` NULL): every person of the program takes part anyway; there, a pair
# needs two deployments (entries) of one person, so people with one only — nearly everyone — are left out
# before joining.
DOUBLE_DEPLOYMENTS = f"""
WITH d AS (
    SELECT d.id, d.staff_id, d.team_id, t.pairing_id, d.period,
           p.program_id = %(program_id)s AS in_program
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN pairings_pairing p ON p.id = t.pairing_id
     WHERE (%(pairing_ids)s::bigint[] IS NOT NULL
            OR d.staff_id IN (SELECT staff_id FROM teams_deployment GROUP BY staff_id HAVING COUNT(*) > 1))
       AND (%(pairing_ids)s::bigint[] IS NULL
            OR d.staff_id = ANY(ARRAY(SELECT x.staff_id
                                        FROM teams_deployment x JOIN teams_team xt ON xt.id = x.team_id
                                       WHERE xt.pairing_id = ANY(%(pairing_ids)s::bigint[]))))
)
SELECT a.id AS a_id, b.id AS b_id, a.staff_id, st.name,
       CASE WHEN a.in_program THEN a.pairing_id ELSE b.pairing_id END AS pairing_id,
       lower(a.period * b.period) AS start, upper(a.period * b.period) - 1 AS "end"
  FROM d a JOIN d b ON a.staff_id = b.staff_id AND a.id < b.id AND a.period && b.period
  JOIN teams_staff st ON st.id = a.staff_id
 WHERE (a.in_program OR b.in_program)
   AND CASE WHEN a.in_program THEN a.pairing_id ELSE b.pairing_id END
       IN (SELECT id FROM ({SCOPE_PAIRINGS}) sp)
"""

# Latest versions (nothing replaces them) of rosters that were not returned.
DOUBLE_ROSTERED = f"""
WITH e AS (
    SELECT e.id, e.staff_id, e.roster_id, t.pairing_id,
           daterange(e.planned_start, e.planned_end, '[]') AS r,
           p.program_id = %(program_id)s AS in_program
      FROM teams_rosterentry e
      JOIN teams_roster ro ON ro.id = e.roster_id
      JOIN teams_team t ON t.id = ro.team_id
      JOIN pairings_pairing p ON p.id = t.pairing_id
     WHERE ro.status <> 'returned'
       AND NOT EXISTS (SELECT 1 FROM teams_roster nx WHERE nx.previous_id = ro.id)
       AND (%(pairing_ids)s::bigint[] IS NOT NULL
            OR e.staff_id IN (SELECT staff_id FROM teams_rosterentry GROUP BY staff_id HAVING COUNT(*) > 1))
       AND (%(pairing_ids)s::bigint[] IS NULL
            OR e.staff_id = ANY(ARRAY(SELECT x.staff_id FROM teams_rosterentry x
                                        JOIN teams_roster xr ON xr.id = x.roster_id
                                        JOIN teams_team xt ON xt.id = xr.team_id
                                       WHERE xt.pairing_id = ANY(%(pairing_ids)s::bigint[]))))
)
SELECT a.id AS a_id, b.id AS b_id, a.roster_id AS a_roster, b.roster_id AS b_roster, a.staff_id, st.name,
       CASE WHEN a.in_program THEN a.pairing_id ELSE b.pairing_id END AS pairing_id,
       lower(a.r * b.r) AS start, upper(a.r * b.r) - 1 AS "end"
  FROM e a JOIN e b ON a.staff_id = b.staff_id AND a.id < b.id AND a.roster_id <> b.roster_id AND a.r && b.r
  JOIN teams_staff st ON st.id = a.staff_id
 WHERE (a.in_program OR b.in_program)
   AND CASE WHEN a.in_program THEN a.pairing_id ELSE b.pairing_id END
       IN (SELECT id FROM ({SCOPE_PAIRINGS}) sp)
"""


@register
class NoDoubleDeployment(Rule):
    """NO_DOUBLE_DEPLOYMENT — one person is never on two deployments on the same day
    (``no_double_deployment``).

    The exclusion constraint ``deployment_no_double_booking`` already refuses overlapping deployments, so the
    deployment self-join (``period && period``) finds nothing on a healthy database; the rule also checks the
    plans: a person on two non-returned rosters (latest versions) with overlapping planned dates.
    Severity: critical.
    """

    code = "NO_DOUBLE_DEPLOYMENT"
    severity = Severity.CRITICAL
    title = gettext_noop("同一人员重复派驻")
    subject_type = SubjectType.PERSON

    def enabled(self, params: RuleParams) -> bool:
        return params.no_double_deployment

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        for row in ctx.fetch(DOUBLE_DEPLOYMENTS):
            yield self.draft(
                subject_id=row["staff_id"],
                staff_id=row["staff_id"],
                pairing_id=row["pairing_id"],
                deployment_id=row["a_id"],
                period_start=row["start"],
                period_end=row["end"],
                key=f"deployments:{row['a_id']}:{row['b_id']}",
                message=msg(
                    gettext_noop("%(name)s 在 %(start)s … %(end)s 同时有两项派驻"),
                    name=row["name"],
                    start=row["start"],
                    end=row["end"],
                ),
                evidence={"staff": row["name"], "deployments": [row["a_id"], row["b_id"]]},
            )
        for row in ctx.fetch(DOUBLE_ROSTERED):
            yield self.draft(
                subject_id=row["staff_id"],
                staff_id=row["staff_id"],
                pairing_id=row["pairing_id"],
                period_start=row["start"],
                period_end=row["end"],
                key=f"roster_entries:{row['a_id']}:{row['b_id']}",
                message=msg(
                    gettext_noop("%(name)s 同时列入两份派驻名单，计划时间在 %(start)s … %(end)s 重叠"),
                    name=row["name"],
                    start=row["start"],
                    end=row["end"],
                ),
                evidence={
                    "staff": row["name"],
                    "rosters": [row["a_roster"], row["b_roster"]],
                    "roster_entries": [row["a_id"], row["b_id"]],
                },
            )


# The deployments that may be late only (``untimely_only``): the same rows with a reason as the full query.
_ROSTER_FILED = """
SELECT * FROM ({timeliness}) rt
 WHERE rt.reason IS NOT NULL ORDER BY rt.id
"""
ROSTER_FILED = _ROSTER_FILED.format(timeliness=roster_timeliness_sql(SCOPE_PAIRINGS, untimely_only=True))
# The same over the pairings whose indicator facts are not fresh or count a deployment whose roster was not
# on time (``DeploymentFact.roster_timely``: this definition under the program's rules; the rule runs only
# while ``roster_filed`` is on, when the facts count timeliness itself): at national scale, with the facts
# fresh and every roster on time, over no pairing at all.
ROSTER_FILED_FROM_FACTS = _ROSTER_FILED.format(
    timeliness=roster_timeliness_sql(
        scope_to_compute(unmet="df.roster_timely < df.deployments"), untimely_only=True
    )
)


_MESSAGES = {
    "no_roster": gettext_noop("%(name)s 的派驻（%(start)s 起）不在任何已报备名单上"),
    "late": gettext_noop("%(name)s 的派驻 %(start)s 开始，名单 %(submitted)s 才报备（应不晚于 %(due)s）"),
    "not_forwarded": gettext_noop("%(name)s 的派驻（%(start)s 起）所在名单未经市州汇总上报（省外支援医院）"),
    "late_forwarded": gettext_noop(
        "%(name)s 的派驻 %(start)s 开始，市州 %(forwarded)s 才汇总上报（应不晚于 %(due)s）"
    ),
}


@register
class RosterFiled(Rule):
    """ROSTER_FILED — every deployment is on a roster its supporter submitted (报备) before the deployment
    starts, and for an out-of-province supporter forwarded by the city (市州汇总后统一报省) by then too
    (``roster_filed``; SPEC §3). The program's ``roster_deadline`` (Gansu 2022: 04-05) binds the first
    rotation. The commission's filing date is not the supporter's fault and is not judged. The definition
    is ``teams.selectors.roster_timeliness`` — the annual scorecard counts the same. Severity: major.
    """

    code = "ROSTER_FILED"
    severity = Severity.MAJOR
    title = gettext_noop("派驻人员名单未按时报备")
    subject_type = SubjectType.DEPLOYMENT

    def enabled(self, params: RuleParams) -> bool:
        return params.roster_filed

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        sql = ROSTER_FILED_FROM_FACTS if rules_facts() else ROSTER_FILED
        for row in ctx.fetch(sql, {"tz": settings.TIME_ZONE}, whole_set=True):
            reason = row["reason"]
            message = msg(
                _MESSAGES[reason],
                name=row["name"],
                start=row["start"],
                submitted=row["submitted_on"],
                forwarded=row["forwarded_on"],
                due=row["due"],
            )
            yield self.deployment_draft(
                row,
                period_start=row["start"],
                period_end=row["end"],
                message=message,
                evidence={
                    "staff": row["name"],
                    "start": row["start"].isoformat(),
                    "reason": reason,
                    "due": row["due"].isoformat(),
                    "submitted_on": row["submitted_on"].isoformat() if row["submitted_on"] else None,
                    "forwarded_on": row["forwarded_on"].isoformat() if row["forwarded_on"] else None,
                    "out_of_province": row["out_of_province"],
                    "roster": row["roster_id"],
                    "roster_deadline": row["deadline"].isoformat() if row["deadline"] else None,
                },
            )
