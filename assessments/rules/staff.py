"""Who may be deployed: the leader's post and management experience, members' clinical experience and title.

Each rule is one query over the deployments of the scope. Experience is measured at the deployment's start
(``lower(period)``: actual start where known, else planned) in full calendar years:
``since + N years <= start``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Message, Rule, RuleContext, msg, register
from pairings.presets import RuleParams
from teams.choices import Title

DEPLOYMENTS = f"""
SELECT d.id, d.team_id, t.pairing_id, d.staff_id, d.role, d.post, s.name, s.title,
       s.clinical_since, s.management_since,
       lower(d.period) AS start, upper(d.period) - 1 AS "end",
       CASE WHEN %(since_col)s IS NULL THEN NULL
            ELSE date_part('year', age(lower(d.period), %(since_col)s))::int END AS years
  FROM teams_deployment d
  JOIN teams_team t ON t.id = d.team_id
  JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
  JOIN teams_staff s ON s.id = d.staff_id
"""


def _deployments(since_col: str, where: str) -> str:
    # since_col is one of two fixed column names, never user input.
    assert since_col in ("s.clinical_since", "s.management_since")
    return DEPLOYMENTS.replace("%(since_col)s", since_col) + " WHERE " + where + " ORDER BY d.id"


class _DeploymentRule(Rule):
    subject_type = SubjectType.DEPLOYMENT

    def _draft(self, row: dict[str, Any], message: Message, **evidence: object) -> Draft:
        return self.deployment_draft(
            row,
            period_start=row["start"],
            period_end=row["end"],
            message=message,
            evidence={
                "staff": row["name"],
                "role": row["role"],
                "start": row["start"].isoformat(),
                "end": row["end"].isoformat(),
                **evidence,
            },
        )


@register
class LeaderPost(_DeploymentRule):
    """LEADER_POST — the leader's post at the recipient is one of ``leader_posts`` (院长 or 副院长).
    Severity: minor (a post can be corrected without changing who is deployed).
    """

    code = "LEADER_POST"
    severity = Severity.MINOR
    title = gettext_noop("队长挂职岗位不符")

    def enabled(self, params: RuleParams) -> bool:
        return params.leader_post

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        posts = list(ctx.params.leader_posts)
        sql = _deployments("s.management_since", "d.role = 'leader' AND NOT (d.post = ANY(%(posts)s))")
        for row in ctx.fetch(sql, {"posts": posts}):
            yield self._draft(
                row,
                msg(
                    gettext_noop("队长 %(name)s 挂职岗位为“%(post)s”，应为 %(posts)s"),
                    name=row["name"],
                    post=row["post"],
                    posts="/".join(posts),
                ),
                post=row["post"],
                allowed_posts=posts,
            )


@register
class LeaderMgmtYears(_DeploymentRule):
    """LEADER_MGMT_YEARS — the leader has ≥ ``leader_mgmt_years`` full years of management experience at
    deployment start (``Staff.management_since``; unknown counts as none). Gansu: 3. Severity: major.
    """

    code = "LEADER_MGMT_YEARS"
    severity = Severity.MAJOR
    title = gettext_noop("队长管理工作年限不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.leader_mgmt_years is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.leader_mgmt_years
        sql = _deployments(
            "s.management_since",
            "d.role = 'leader' AND (s.management_since IS NULL"
            " OR s.management_since + make_interval(years => %(n)s) > lower(d.period))",
        )
        for row in ctx.fetch(sql, {"n": n}):
            yield self._draft(
                row,
                msg(
                    gettext_noop("队长 %(name)s 派驻开始时管理工作年限 %(years)s 年，应不少于 %(n)s 年"),
                    name=row["name"],
                    years=row["years"] if row["years"] is not None else "—",
                    n=n,
                ),
                years=row["years"],
                required_years=n,
                management_since=row["management_since"].isoformat() if row["management_since"] else None,
            )


@register
class MemberClinicalYears(_DeploymentRule):
    """MEMBER_CLINICAL_YEARS — non-leaders have ≥ ``member_clinical_years`` full years of clinical experience
    at deployment start (``Staff.clinical_since``; unknown counts as none). Gansu 5, Bozhou 6.
    Severity: major.
    """

    code = "MEMBER_CLINICAL_YEARS"
    severity = Severity.MAJOR
    title = gettext_noop("队员临床工作年限不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.member_clinical_years is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.member_clinical_years
        sql = _deployments(
            "s.clinical_since",
            "d.role <> 'leader' AND (s.clinical_since IS NULL"
            " OR s.clinical_since + make_interval(years => %(n)s) > lower(d.period))",
        )
        for row in ctx.fetch(sql, {"n": n}):
            yield self._draft(
                row,
                msg(
                    gettext_noop("队员 %(name)s 派驻开始时临床工作年限 %(years)s 年，应不少于 %(n)s 年"),
                    name=row["name"],
                    years=row["years"] if row["years"] is not None else "—",
                    n=n,
                ),
                years=row["years"],
                required_years=n,
                clinical_since=row["clinical_since"].isoformat() if row["clinical_since"] else None,
            )


@register
class MemberMinTitle(_DeploymentRule):
    """MEMBER_MIN_TITLE — non-leaders hold at least title ``member_min_title``
    (1 初级 < 2 中级 < 3 副高 < 4 正高; Gansu and Mianyang: 中级). Severity: major.
    """

    code = "MEMBER_MIN_TITLE"
    severity = Severity.MAJOR
    title = gettext_noop("队员职称不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.member_min_title is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.member_min_title
        assert n is not None
        sql = _deployments("s.clinical_since", "d.role <> 'leader' AND s.title < %(n)s")
        labels = dict(Title.choices)
        for row in ctx.fetch(sql, {"n": n}):
            yield self._draft(
                row,
                msg(
                    gettext_noop("队员 %(name)s 职称为%(title)s，应为%(min)s及以上"),
                    # the labels are lazy translations: stored by msgid, rendered in the reader's language
                    name=row["name"],
                    title=labels.get(row["title"], row["title"]),
                    min=labels.get(n, n),
                ),
                title=row["title"],
                required_title=n,
            )
