"""Minimum continuous stay of leaders and members (LEADER_MIN_STAY, MEMBER_MIN_STAY).

A stay is ``teams.selectors.stays`` — the one definition the certificate, the scorecard and the report
use too: back-to-back deployments of one person at one recipient in the same role joined (a leader kept
on from rotation 1 to rotation 2 has one stay), planned range while not ended, actual once ended.
"≥ N months" is calendar arithmetic: last day ≥ start + N months − 1 day (``core.dates.stay_met``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
from teams.selectors.stays import stay_met_sql, stays_sql

# The short stays of both roles in one query (the stays are computed once for both rules, each keeps its own
# role's rows); a role without a minimum has none.
# The person's name by its key for each short stay (a few at most in a real program): joined, every staff row
# of the database was read and hashed (~0.03 s at national scale) even when no stay was short.
_MONTHS = "CASE WHEN st.leader THEN %(leader_n)s::int ELSE %(member_n)s::int END"
_STAYS = """
SELECT st.*, st.e_excl - 1 AS "end", (SELECT s.name FROM teams_staff s WHERE s.id = st.staff_id) AS name,
       (st.start + make_interval(months => {months}))::date - 1 AS required_end
  FROM ({stays}) st
 WHERE NOT {met}
 ORDER BY st.pairing_id, st.start, st.staff_id
"""
_MET = stay_met_sql("st", "%(leader_n)s::int", "%(member_n)s::int")
STAYS = _STAYS.format(months=_MONTHS, stays=stays_sql(SCOPE_PAIRINGS), met=_MET)
# The same over the pairings whose indicator facts are not fresh or count a deployment whose stay is short
# (``DeploymentFact.stay_met``: this stay definition under the program's minimums): at national scale, with
# the facts fresh and no stay short, over no pairing at all instead of every deployment.
STAYS_FROM_FACTS = _STAYS.format(
    months=_MONTHS, stays=stays_sql(scope_to_compute(unmet="df.stay_met < df.deployments")), met=_MET
)


def short_stays(ctx: RuleContext) -> list[dict[str, Any]]:
    p = ctx.params
    return ctx.shared(
        "short_stays",
        lambda: ctx.fetch(
            STAYS_FROM_FACTS if rules_facts() else STAYS,
            {"leader_n": p.leader_min_stay_months, "member_n": p.member_min_stay_months},
            whole_set=True,
        ),
    )


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
        for row in short_stays(ctx):
            if row["leader"] != self.leader:
                continue
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
