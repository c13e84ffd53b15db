"""Training of recipient staff at the supporters (进修, 住培): the quota and residency-base enrolment.

Yearly rules judge a year once it is over (the last day of the year, or of the service period if earlier,
is before the run date): until then the quota can still be met and a finding would only be noise.
The year of a stint is the year it starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Message, Rule, RuleContext, msg, register
from pairings.presets import RuleParams
from training.selectors.quota import quota_params, quota_sql

# TRAINING_QUOTA's definition (which stints count, the pro-rated quota) is training/selectors/quota.py, shared
# with the recipient's training page; the rule keeps the periods that are over and fall short.
QUOTA = f"""
SELECT x.* FROM ({quota_sql(SCOPE_PAIRINGS)}) x
 WHERE x.judged AND x.trained < x.required
 ORDER BY x.pairing_id, x.year
"""


def _names(stints: list[dict[str, object]]) -> list[Message]:
    return [
        msg(
            gettext_noop("%(name)s（%(start)s … %(end)s）"), name=x["trainee"], start=x["start"], end=x["end"]
        )
        for x in stints
    ]


def _sentences(parts: list[Message]) -> Message:
    """The parts of a finding as one message, joined with the reader's clause separator."""
    message = parts[0]
    for part in parts[1:]:
        message = msg(gettext_noop("%(first)s；%(then)s"), first=message, then=part)
    return message


@register
class TrainingQuota(Rule):
    """TRAINING_QUOTA — ≥ ``training_quota`` recipient staff trained free of charge per pairing and year
    (Gansu 3, 甘卫医政发〔2022〕37号: 每年免费为受援医院培训临床骨干医师或医技人员不少于3名), or over the
    whole program where ``training_quota_period`` is 'program' (Bozhou: 为每家受援医院培训至少3名).

    - a stint counts only if it lasts ≥ ``training_min_months`` months where the preset sets it (Mianyang and
      Hinggan 6, Dingxi 3; Gansu sets none);
    - only clinical backbone doctors or technicians count where ``training_backbone_only`` (Gansu);
    - a partial first or last year asks a pro-rated quota when ``training_prorate`` (days of service in the
      year / days of the year, rounded up).

    Stints that do not count are listed in the finding. Severity: major.
    """

    code = "TRAINING_QUOTA"
    severity = Severity.MAJOR
    title = gettext_noop("免费进修培训人数不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.training_quota is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        p = ctx.params
        n, m = p.training_quota, p.training_min_months
        for row in ctx.fetch(QUOTA, quota_params(p)):
            year, required = row["year"], row["required"]
            parts: list[Message] = []
            if year is None:
                parts.append(
                    msg(
                        gettext_noop(
                            "帮扶期内（%(start)s … %(end)s）免费培训受援医院人员 %(k)s 人，应不少于 %(n)s 人"
                        ),
                        start=row["ps"],
                        end=row["pe"],
                        k=row["trained"],
                        n=required,
                    )
                )
            else:
                parts.append(
                    msg(
                        gettext_noop("%(year)s 年免费培训受援医院人员 %(k)s 人，应不少于 %(n)s 人"),
                        year=year,
                        k=row["trained"],
                        n=required,
                    )
                )
                if required != n:
                    parts.append(
                        msg(
                            gettext_noop("%(start)s … %(end)s 在期，按 %(quota)s 人/年折算"),
                            start=row["ps"],
                            end=row["pe"],
                            quota=n,
                        )
                    )
            short, other = row["too_short"], row["not_backbone"]
            if short:
                parts.append(
                    msg(
                        gettext_noop("另有 %(s)s 人进修不足 %(m)s 个月：%(names)s"),
                        s=len(short),
                        m=m,
                        names=_names(short),
                    )
                )
            if other:
                parts.append(
                    msg(
                        gettext_noop("另有 %(s)s 人非临床骨干医师或医技人员：%(names)s"),
                        s=len(other),
                        names=_names(other),
                    )
                )
            message = _sentences(parts)
            yield self.draft(
                subject_id=row["pairing_id"],
                pairing_id=row["pairing_id"],
                period_start=dt.date(year, 1, 1) if year else row["ps"],
                period_end=dt.date(year, 12, 31) if year else row["pe"],
                message=message,
                evidence={
                    "year": year,
                    "period_start": row["ps"].isoformat(),
                    "period_end": row["pe"].isoformat(),
                    "trained": row["trained"],
                    "required": required,
                    "yearly_quota": n,
                    "min_months": m,
                    "too_short": short,
                    "not_backbone": other,
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
        for row in ctx.fetch(RESIDENCY, whole_set=True):
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
