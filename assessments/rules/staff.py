"""Who may be deployed: the leader's post and management experience, members' clinical experience and title.

The four rules read one query over the deployments of the scope (``STAFF_CHECKS``, once per run through
``RuleContext.shared``): each deployment that breaks any of them, with a flag per rule (four scans of the
60,000 deployments of the national program were three too many). Experience is measured at the
deployment's start (``lower(period)``: actual start where known, else planned) in full calendar years:
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

# Years of work (Bozhou 工作满6年): from the start of any work; where unknown, clinical work is work too.
WORK_SINCE = "COALESCE(s.work_since, s.clinical_since)"


def _years(since: str) -> str:
    return (
        f"CASE WHEN {since} IS NULL THEN NULL ELSE date_part('year', age(lower(d.period), {since}))::int END"
    )


# A rule's flag is its condition where it is on (its parameter set), false elsewhere (IS TRUE: a NULL post or
# title breaks nothing). ``%(member_since)s`` is the members' experience basis: clinical or any work.
STAFF_CHECKS = f"""
SELECT * FROM (
    SELECT d.id, d.team_id, t.pairing_id, d.staff_id, d.role, d.post, s.name, s.title,
           s.clinical_since, s.management_since, s.work_since,
           lower(d.period) AS start, upper(d.period) - 1 AS "end",
           {_years("s.management_since")} AS years_management,
           {_years("%(member_since)s")} AS years_member,
           (%(post_on)s AND d.role = 'leader' AND NOT (d.post = ANY(%(posts)s))) IS TRUE AS leader_post,
           (%(mgmt_n)s::int IS NOT NULL AND d.role = 'leader'
            AND (s.management_since IS NULL
                 OR s.management_since + make_interval(years => %(mgmt_n)s::int) > lower(d.period))) IS TRUE
               AS leader_mgmt_years,
           (%(member_n)s::int IS NOT NULL AND d.role <> 'leader'
            AND (%(member_since)s IS NULL
                 OR %(member_since)s + make_interval(years => %(member_n)s::int) > lower(d.period))) IS TRUE
               AS member_years,
           (%(title_n)s::int IS NOT NULL AND d.role <> 'leader' AND s.title < %(title_n)s::int) IS TRUE
               AS member_title
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
      JOIN teams_staff s ON s.id = d.staff_id
) x
 WHERE leader_post OR leader_mgmt_years OR member_years OR member_title
 ORDER BY id
"""


def staff_checks(ctx: RuleContext, flag: str) -> list[dict[str, Any]]:
    """The deployments of the scope breaking the rule whose ``flag`` (a column of ``STAFF_CHECKS``) is
    given, in deployment order; one statement for the four rules."""
    p = ctx.params

    def fetch() -> list[dict[str, Any]]:
        # The basis is one of two fixed expressions, never user input.
        since = WORK_SINCE if p.member_experience_basis == "work" else "s.clinical_since"
        # A program run plans it without nested loops (``whole_set``): the program's pairings misjudged at a
        # row, PostgreSQL probed the teams, deployments and staff by index once per row (62,000 staff probes
        # at national scale; 0.25–0.30 s at load 9, hashed 0.17–0.22 s). A recheck keeps its probes.
        return ctx.fetch(
            STAFF_CHECKS.replace("%(member_since)s", since),
            {
                "post_on": p.leader_post,
                "posts": list(p.leader_posts),
                "mgmt_n": p.leader_mgmt_years,
                "member_n": p.member_clinical_years,
                "title_n": p.member_min_title,
            },
            whole_set=True,
        )

    return [row for row in ctx.shared("staff_checks", fetch) if row[flag]]


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
        for row in staff_checks(ctx, "leader_post"):
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
        for row in staff_checks(ctx, "leader_mgmt_years"):
            row = {**row, "years": row["years_management"]}
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
    """MEMBER_CLINICAL_YEARS — non-leaders have ≥ ``member_clinical_years`` full years of experience at
    deployment start: clinical experience (``Staff.clinical_since``; Gansu 5) or, where
    ``member_experience_basis`` is 'work', years of any work (``Staff.work_since``, else ``clinical_since``;
    Bozhou 工作满6年). Unknown counts as none. Severity: major.
    """

    code = "MEMBER_CLINICAL_YEARS"
    severity = Severity.MAJOR
    title = gettext_noop("队员临床工作年限不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.member_clinical_years is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.member_clinical_years
        work = ctx.params.member_experience_basis == "work"
        if work:
            key = gettext_noop("队员 %(name)s 派驻开始时工作年限 %(years)s 年，应不少于 %(n)s 年")
        else:
            key = gettext_noop("队员 %(name)s 派驻开始时临床工作年限 %(years)s 年，应不少于 %(n)s 年")
        for row in staff_checks(ctx, "member_years"):
            row = {**row, "years": row["years_member"]}
            yield self._draft(
                row,
                msg(
                    key,
                    name=row["name"],
                    years=row["years"] if row["years"] is not None else "—",
                    n=n,
                ),
                years=row["years"],
                required_years=n,
                basis="work" if work else "clinical",
                clinical_since=row["clinical_since"].isoformat() if row["clinical_since"] else None,
                work_since=row["work_since"].isoformat() if row["work_since"] else None,
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
        labels = dict(Title.choices)
        for row in staff_checks(ctx, "member_title"):
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
