"""Minimum continuous stay of leaders and members (LEADER_MIN_STAY, MEMBER_MIN_STAY).

The range of a deployment is its ``period``: the planned range while it has not ended, the actual range once
it has — exactly what SPEC §3 asks. A stay is *continuous* across back-to-back deployments of one person at
one pairing in the same role (e.g. a leader kept on from rotation 1 to rotation 2), so adjacent deployments
are merged (gaps-and-islands with window functions) before the length is checked.
"≥ N months" is calendar arithmetic: last day ≥ start + N months − 1 day, i.e. the exclusive upper bound
≥ start + N months.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

STAYS = f"""
WITH d AS (
    SELECT d.id, d.staff_id, d.team_id, t.pairing_id, lower(d.period) AS s, upper(d.period) AS e
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
     WHERE (d.role = 'leader') = %(leader)s
),
g AS (
    SELECT d.*, CASE WHEN s = LAG(e) OVER w THEN 0 ELSE 1 END AS brk
      FROM d WINDOW w AS (PARTITION BY staff_id, pairing_id ORDER BY s)
),
i AS (
    SELECT g.*,
           SUM(brk) OVER (PARTITION BY staff_id, pairing_id ORDER BY s ROWS UNBOUNDED PRECEDING) AS island
      FROM g
),
stay AS (
    SELECT staff_id, pairing_id, MIN(s) AS start, MAX(e) AS e_excl,
           ARRAY_AGG(id ORDER BY s) AS ids, (ARRAY_AGG(team_id ORDER BY s))[1] AS team_id
      FROM i GROUP BY staff_id, pairing_id, island
)
SELECT stay.*, stay.e_excl - 1 AS "end", st.name,
       (stay.start + make_interval(months => %(n)s))::date - 1 AS required_end
  FROM stay JOIN teams_staff st ON st.id = stay.staff_id
 WHERE stay.e_excl < stay.start + make_interval(months => %(n)s)
 ORDER BY stay.pairing_id, stay.start, stay.staff_id
"""


class _StayRule(Rule):
    subject_type = SubjectType.DEPLOYMENT
    leader: bool

    def months(self, params: RuleParams) -> int | None:
        raise NotImplementedError

    def enabled(self, params: RuleParams) -> bool:
        return self.months(params) is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = self.months(ctx.params)
        who = msg(gettext_noop("队长")) if self.leader else msg(gettext_noop("队员"))
        for row in ctx.fetch(STAYS, {"leader": self.leader, "n": n}):
            days = (row["end"] - row["start"]).days + 1
            yield self.draft(
                subject_id=row["ids"][0],
                pairing_id=row["pairing_id"],
                team_id=row["team_id"],
                deployment_id=row["ids"][0],
                staff_id=row["staff_id"],
                period_start=row["start"],
                period_end=row["end"],
                message=msg(
                    gettext_noop(
                        "%(who)s %(name)s 连续派驻 %(start)s … %(end)s（%(days)s 天），"
                        "不足 %(n)s 个月（应至少到 %(req)s）"
                    ),
                    who=who,
                    name=row["name"],
                    start=row["start"],
                    end=row["end"],
                    days=days,
                    n=n,
                    req=row["required_end"],
                ),
                evidence={
                    "staff": row["name"],
                    "deployments": row["ids"],
                    "start": row["start"].isoformat(),
                    "end": row["end"].isoformat(),
                    "days": days,
                    "required_months": n,
                    "required_end": row["required_end"].isoformat(),
                },
            )


@register
class LeaderMinStay(_StayRule):
    """LEADER_MIN_STAY — a leader's continuous stay ≥ ``leader_min_stay_months`` (Gansu 12, Bozhou 6).
    Severity: major.
    """

    code = "LEADER_MIN_STAY"
    severity = Severity.MAJOR
    title = gettext_noop("队长派驻时间不足")
    leader = True

    def months(self, params: RuleParams) -> int | None:
        return params.leader_min_stay_months


@register
class MemberMinStay(_StayRule):
    """MEMBER_MIN_STAY — a non-leader's continuous stay ≥ ``member_min_stay_months``
    (Gansu/Bozhou/Mianyang 6).
    Severity: major.
    """

    code = "MEMBER_MIN_STAY"
    severity = Severity.MAJOR
    title = gettext_noop("队员派驻时间不足")
    leader = False

    def months(self, params: RuleParams) -> int | None:
        return params.member_min_stay_months
