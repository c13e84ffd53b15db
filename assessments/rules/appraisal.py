"""Individual supervision and appraisal: spot checks, monthly scores, attendance, end-of-stint appraisal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from core.dates import month_end
from pairings.presets import RuleParams
from teams.selectors.attendance import monthly_attendance

DEPLOYMENTS = f"""
    SELECT d.id, d.team_id, d.staff_id, t.pairing_id, d.period, st.name
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
      JOIN teams_staff st ON st.id = d.staff_id
"""

# Per team and supporter (the hospital that deployed the people): the full calendar months
# inside the span of those deployments that are over by the run date, and the spot checks made on them in
# each month — joined and grouped, never a subquery per month.
SPOT_CHECKS = f"""
WITH d AS (
    SELECT d.id, d.team_id, t.pairing_id, d.supporter_id, d.period
      FROM teams_deployment d
      JOIN teams_team t ON t.id = d.team_id
      JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
),
ts AS (
    SELECT team_id, pairing_id, supporter_id, MIN(lower(period)) AS s, MAX(upper(period)) AS e,
           COUNT(*) AS people
      FROM d GROUP BY team_id, pairing_id, supporter_id
),
m AS (
    SELECT ts.*, gs::date AS month, (gs + interval '1 month')::date - 1 AS month_end
      FROM ts, generate_series(date_trunc('month', ts.s), ts.e - 1, interval '1 month') AS gs
     WHERE gs::date >= ts.s
       AND (gs + interval '1 month')::date <= ts.e
       AND (gs + interval '1 month')::date <= %(as_of)s
),
c AS (
    SELECT d.team_id, d.supporter_id,
           date_trunc('month', c.checked_at AT TIME ZONE %(tz)s)::date AS month, COUNT(*) AS checks
      FROM assessments_spotcheck c JOIN d ON d.id = c.deployment_id
     GROUP BY d.team_id, d.supporter_id, date_trunc('month', c.checked_at AT TIME ZONE %(tz)s)::date
)
SELECT m.team_id, m.pairing_id, m.supporter_id, h.name, m.people, t.year, t.rotation, m.month, m.month_end,
       COALESCE(c.checks, 0) AS checks
  FROM m
  JOIN pairings_hospital h ON h.id = m.supporter_id
  JOIN teams_team t ON t.id = m.team_id
  LEFT JOIN c ON c.team_id = m.team_id AND c.supporter_id = m.supporter_id AND c.month = m.month
 WHERE COALESCE(c.checks, 0) < %(n)s
 ORDER BY m.team_id, m.supporter_id, m.month
"""


def _month_label(month: dt.date) -> str:
    return f"{month.year}-{month.month:02d}"


@register
class SpotChecks(Rule):
    """SPOT_CHECKS — each supporter organises ≥ ``spot_checks_per_month`` phone on-duty spot checks
    (在岗抽查) per month of its team (其中支援医院每月至少组织3次电话在岗抽查; off by default, Bozhou 3).
    Counted per team and supporter over the checks on the people it deployed, for every full calendar
    month inside the span of their deployments. Months are judged once they are over; partial first and
    last months are not. One finding per team, supporter and month. Severity: minor.
    """

    code = "SPOT_CHECKS"
    severity = Severity.MINOR
    title = gettext_noop("在岗抽查次数不足")
    subject_type = SubjectType.TEAM

    def enabled(self, params: RuleParams) -> bool:
        return params.spot_checks_per_month is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.spot_checks_per_month
        for row in ctx.fetch(SPOT_CHECKS, {"n": n, "tz": settings.TIME_ZONE}):
            month = _month_label(row["month"])
            yield self.draft(
                subject_id=row["team_id"],
                team_id=row["team_id"],
                pairing_id=row["pairing_id"],
                hospital_id=row["supporter_id"],
                period_start=row["month"],
                period_end=row["month_end"],
                key=f"supporter:{row['supporter_id']}",
                message=msg(
                    gettext_noop("%(name)s %(month)s 组织在岗抽查 %(k)s 次，应每月不少于 %(n)s 次"),
                    name=row["name"],
                    month=month,
                    k=row["checks"],
                    n=n,
                ),
                evidence={
                    "supporter": row["name"],
                    "team_year": row["year"],
                    "rotation": row["rotation"],
                    "people": row["people"],
                    "month": month,
                    "checks": row["checks"],
                    "required": n,
                },
            )


MONTHLY = f"""
WITH d AS ({DEPLOYMENTS})
SELECT d.id, d.team_id, d.staff_id, d.pairing_id, d.name, ma.id AS assessment_id, ma.month, ma.score,
       ma.subsidy_cny, ma.deduction_cny
  FROM d JOIN assessments_monthlyassessment ma ON ma.deployment_id = d.id
 WHERE ma.score < %(pass)s
 ORDER BY d.id, ma.month
"""


@register
class MonthlyScore(Rule):
    """MONTHLY_SCORE — each monthly assessment (月考核) scores ≥ ``monthly_pass_score``; a fail deducts
    ``monthly_deduction`` from the monthly subsidy ``monthly_subsidy`` (off by default; Bozhou 80, 1,000 of
    4,000 CNY). One finding per failed month, with the deduction. Severity: minor.
    """

    code = "MONTHLY_SCORE"
    severity = Severity.MINOR
    title = gettext_noop("月考核不合格")
    subject_type = SubjectType.DEPLOYMENT

    def enabled(self, params: RuleParams) -> bool:
        return params.monthly_pass_score is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        p = ctx.params
        for row in ctx.fetch(MONTHLY, {"pass": p.monthly_pass_score}):
            month = row["month"]
            deduction = p.monthly_deduction
            yield self.deployment_draft(
                row,
                period_start=month,
                period_end=month_end(month),
                message=msg(
                    gettext_noop(
                        "%(name)s %(month)s 月考核 %(score)s 分，低于合格分 %(pass)s 分，"
                        "扣减补助 %(d)s 元（月补助 %(s)s 元）"
                    ),
                    name=row["name"],
                    month=_month_label(month),
                    score=row["score"],
                    **{"pass": p.monthly_pass_score},  # a keyword in Python, a placeholder in the catalog
                    d=deduction,
                    s=p.monthly_subsidy,
                ),
                evidence={
                    "staff": row["name"],
                    "assessment": row["assessment_id"],
                    "month": _month_label(month),
                    "score": float(row["score"]),
                    "pass_score": p.monthly_pass_score,
                    "deduction_cny": deduction,
                    "subsidy_cny": p.monthly_subsidy,
                    "recorded_deduction_cny": row["deduction_cny"],
                },
            )


@register
class AttendanceRate(Rule):
    """ATTENDANCE_RATE — a deployment's monthly attendance rate (present days / expected working days,
    approved leave excused; ``teams.selectors.attendance.monthly_attendance``) ≥ ``attendance_threshold``
    (off by default). Months are judged once over. Severity: major.
    """

    code = "ATTENDANCE_RATE"
    severity = Severity.MAJOR
    title = gettext_noop("月出勤率不足")
    subject_type = SubjectType.DEPLOYMENT

    def enabled(self, params: RuleParams) -> bool:
        return params.attendance_threshold is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        threshold = ctx.params.attendance_threshold
        assert threshold is not None
        rows = monthly_attendance(program_id=ctx.program.pk, pairing_ids=ctx.pairing_ids)
        for r in rows:
            if r.span_end >= ctx.as_of or r.rate is None or r.rate >= threshold:
                continue
            yield self.draft(
                subject_id=r.deployment_id,
                pairing_id=r.pairing_id,
                deployment_id=r.deployment_id,
                period_start=r.month,
                period_end=month_end(r.month),
                message=msg(
                    gettext_noop(
                        "%(month)s 出勤率 %(rate).1f%%（出勤 %(p)s 天 / 应出勤 %(e)s 天），低于 %(t).0f%%"
                    ),
                    month=_month_label(r.month),
                    rate=r.rate * 100,
                    p=r.present,
                    e=r.expected,
                    t=threshold * 100,
                ),
                evidence={
                    "month": _month_label(r.month),
                    "present": r.present,
                    "expected": r.expected,
                    "working_days": r.workdays,
                    "excused": r.excused,
                    "rate": round(r.rate, 4),
                    "threshold": threshold,
                },
            )


END_APPRAISAL = f"""
WITH d AS ({DEPLOYMENTS})
SELECT d.id, d.team_id, d.staff_id, d.pairing_id, d.name, upper(d.period) - 1 AS "end",
       (upper(d.period) - 1) + %(n)s AS due, ap.id AS appraisal_id, ap.signed_on
  FROM d LEFT JOIN assessments_endofstintappraisal ap ON ap.deployment_id = d.id
 WHERE upper(d.period) - 1 < %(as_of)s
   AND ((ap.id IS NULL AND (upper(d.period) - 1) + %(n)s < %(as_of)s)
        OR ap.signed_on > (upper(d.period) - 1) + %(n)s)
 ORDER BY d.id
"""


@register
class EndAppraisal(Rule):
    """END_APPRAISAL — every deployment that ended before the run date has a written end-of-stint appraisal
    (书面考核意见) signed within ``end_appraisal_days`` days of its end (Gansu 30). A missing appraisal is
    reported only once the N days have passed; a late one is reported as late. Severity: minor.
    """

    code = "END_APPRAISAL"
    severity = Severity.MINOR
    title = gettext_noop("期满考核意见缺失或逾期")
    subject_type = SubjectType.DEPLOYMENT

    def enabled(self, params: RuleParams) -> bool:
        return params.end_appraisal_days is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.end_appraisal_days
        for row in ctx.fetch(END_APPRAISAL, {"n": n}, whole_set=True):
            if row["appraisal_id"] is None:
                key = gettext_noop(
                    "%(name)s %(end)s 派驻期满，%(n)s 天内未出具书面考核意见（应于 %(due)s 前）"
                )
            else:
                key = gettext_noop(
                    "%(name)s %(end)s 派驻期满，书面考核意见 %(signed)s 才签署（应于 %(due)s 前）"
                )
            yield self.deployment_draft(
                row,
                period_start=row["end"],
                period_end=row["due"],
                message=msg(
                    key,
                    name=row["name"],
                    end=row["end"],
                    n=n,
                    due=row["due"],
                    signed=row["signed_on"],
                ),
                evidence={
                    "staff": row["name"],
                    "end": row["end"].isoformat(),
                    "due": row["due"].isoformat(),
                    "appraisal": row["appraisal_id"],
                    "signed_on": row["signed_on"].isoformat() if row["signed_on"] else None,
                    "days": n,
                },
            )
