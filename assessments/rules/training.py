"""Training of recipient staff at the supporters (进修, 住培): yearly quota and residency-base enrolment.

Yearly rules judge a year once it is over (the last day of the year, or of the service period if earlier,
is before the run date): until then the quota can still be met and a finding would only be noise.
The year of a stint is the year it starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

QUOTA = f"""
WITH p AS ({SCOPE_PAIRINGS}),
y AS (
    SELECT p.id AS pairing_id, gs.year
      FROM p, generate_series(date_part('year', p.service_start)::int, date_part('year', p.service_end)::int)
              AS gs(year)
     WHERE LEAST(make_date(gs.year, 12, 31), p.service_end) < %(as_of)s
),
s AS (
    SELECT ts.pairing_id, date_part('year', ts.start_date)::int AS year, ts.id, ts.trainee_name,
           ts.start_date, ts.end_date,
           ts.end_date + 1 >= ts.start_date + make_interval(months => %(m)s) AS long_enough
      FROM training_traineestint ts JOIN p ON p.id = ts.pairing_id
     WHERE ts.is_free AND ts.status = 'accepted'
)
SELECT y.pairing_id, y.year,
       COUNT(s.id) FILTER (WHERE s.long_enough) AS trained,
       COALESCE(JSON_AGG(JSON_BUILD_OBJECT('id', s.id, 'trainee', s.trainee_name, 'start', s.start_date,
                                           'end', s.end_date) ORDER BY s.start_date)
                FILTER (WHERE s.id IS NOT NULL AND NOT s.long_enough), '[]') AS too_short
  FROM y LEFT JOIN s ON s.pairing_id = y.pairing_id AND s.year = y.year
 GROUP BY y.pairing_id, y.year
HAVING COUNT(s.id) FILTER (WHERE s.long_enough) < %(n)s
 ORDER BY y.pairing_id, y.year
"""


@register
class TrainingQuota(Rule):
    """TRAINING_QUOTA — per pairing and year ≥ ``training_quota`` recipient staff trained free of charge, each
    stint ≥ ``training_min_months`` months (Gansu N=3, M=6; Dingxi M=3). Free stints that are too short do not
    count and are listed in the finding. Severity: major.
    """

    code = "TRAINING_QUOTA"
    severity = Severity.MAJOR
    title = gettext_noop("免费进修培训人数不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.training_quota is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        import datetime as dt

        n, m = ctx.params.training_quota, ctx.params.training_min_months
        for row in ctx.fetch(QUOTA, {"n": n, "m": m}):
            short = row["too_short"]
            key = gettext_noop("%(year)s 年免费进修满 %(m)s 个月的受援医院人员 %(k)s 人，应不少于 %(n)s 人")
            if short:
                key = gettext_noop(
                    "%(year)s 年免费进修满 %(m)s 个月的受援医院人员 %(k)s 人，应不少于 %(n)s 人；"
                    "另有 %(s)s 人进修不足 %(m)s 个月：%(names)s"
                )
            message = msg(
                key,
                year=row["year"],
                m=m,
                k=row["trained"],
                n=n,
                s=len(short),
                names=[
                    msg(
                        gettext_noop("%(name)s（%(start)s … %(end)s）"),
                        name=x["trainee"],
                        start=x["start"],
                        end=x["end"],
                    )
                    for x in short
                ],
            )
            yield self.draft(
                subject_id=row["pairing_id"],
                pairing_id=row["pairing_id"],
                period_start=dt.date(row["year"], 1, 1),
                period_end=dt.date(row["year"], 12, 31),
                message=message,
                evidence={
                    "year": row["year"],
                    "trained": row["trained"],
                    "required": n,
                    "min_months": m,
                    "too_short": short,
                },
            )


RESIDENCY = f"""
WITH p AS ({SCOPE_PAIRINGS}),
sup AS (
    SELECT ps.hospital_id, MIN(p.id) AS pairing_id, MIN(p.service_start) AS s, MAX(p.service_end) AS e
      FROM p JOIN pairings_pairingsupporter ps ON ps.pairing_id = p.id
      JOIN pairings_hospital h ON h.id = ps.hospital_id
     WHERE h.is_residency_base
     GROUP BY ps.hospital_id
),
y AS (
    SELECT sup.*, gs.year
      FROM sup, generate_series(date_part('year', sup.s)::int, date_part('year', sup.e)::int) AS gs(year)
     WHERE LEAST(make_date(gs.year, 12, 31), sup.e) < %(as_of)s
)
SELECT y.hospital_id, y.pairing_id, y.year, h.name
  FROM y JOIN pairings_hospital h ON h.id = y.hospital_id
 WHERE NOT EXISTS (
        SELECT 1 FROM training_traineestint ts JOIN p ON p.id = ts.pairing_id
         WHERE ts.host_id = y.hospital_id AND ts.kind = 'residency' AND ts.status = 'accepted'
           AND date_part('year', ts.start_date)::int = y.year)
 ORDER BY y.hospital_id, y.year
"""


@register
class ResidencyBase(Rule):
    """RESIDENCY_BASE — a supporter that is a residency-training base (住培基地) enrols ≥ 1 recipient
    trainee in residency training (住院医师规范化培训) per year, counted across its pairings in the program
    (``residency_base``). One finding per supporter and year, attached to the supporter's first pairing so
    its coordinator sees it. Program-wide. Severity: minor.
    """

    code = "RESIDENCY_BASE"
    severity = Severity.MINOR
    title = gettext_noop("住培基地未招收受援医院学员")
    subject_type = SubjectType.HOSPITAL
    program_wide = True

    def enabled(self, params: RuleParams) -> bool:
        return params.residency_base

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        import datetime as dt

        for row in ctx.fetch(RESIDENCY):
            yield self.draft(
                subject_id=row["hospital_id"],
                hospital_id=row["hospital_id"],
                pairing_id=row["pairing_id"],
                period_start=dt.date(row["year"], 1, 1),
                period_end=dt.date(row["year"], 12, 31),
                message=msg(
                    gettext_noop("住培基地 %(name)s %(year)s 年未招收受援医院住培学员（应不少于 1 人）"),
                    name=row["name"],
                    year=row["year"],
                ),
                evidence={"year": row["year"], "enrolled": 0, "required": 1},
            )
