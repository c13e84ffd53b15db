"""Visiting experts (柔性帮扶): batches and person-times per supporter, pairing and year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

VISITS = f"""
WITH p AS ({SCOPE_PAIRINGS}),
y AS (
    SELECT p.id AS pairing_id, ps.hospital_id, gs.year
      FROM p JOIN pairings_pairingsupporter ps ON ps.pairing_id = p.id,
           generate_series(date_part('year', p.service_start)::int, date_part('year', p.service_end)::int)
              AS gs(year)
     WHERE LEAST(make_date(gs.year, 12, 31), p.service_end) < %(as_of)s
)
SELECT y.pairing_id, y.hospital_id, y.year, h.name,
       COUNT(v.id) AS batches, COALESCE(SUM(v.person_times), 0) AS person_times
  FROM y
  JOIN pairings_hospital h ON h.id = y.hospital_id
  LEFT JOIN teams_expertvisitbatch v
         ON v.pairing_id = y.pairing_id AND v.supporter_id = y.hospital_id
        AND date_part('year', v.start_date)::int = y.year
 GROUP BY y.pairing_id, y.hospital_id, y.year, h.name
HAVING COUNT(v.id) < %(b)s OR COALESCE(SUM(v.person_times), 0) < %(pt)s
 ORDER BY y.pairing_id, y.hospital_id, y.year
"""


@register
class ExpertVisits(Rule):
    """EXPERT_VISITS — per supporter, pairing and (ended) year ≥ ``expert_visit_batches`` batches and
    ≥ ``expert_visit_person_times`` person-times of visiting experts (off by default; Guangdong 4 / 20).
    A batch counts in the year it starts. Severity: minor.
    """

    code = "EXPERT_VISITS"
    severity = Severity.MINOR
    title = gettext_noop("专家柔性帮扶批次/人次不足")
    subject_type = SubjectType.HOSPITAL

    def enabled(self, params: RuleParams) -> bool:
        return params.expert_visit_batches is not None or params.expert_visit_person_times is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        b = ctx.params.expert_visit_batches or 0
        pt = ctx.params.expert_visit_person_times or 0
        for row in ctx.fetch(VISITS, {"b": b, "pt": pt}):
            yield self.draft(
                subject_id=row["hospital_id"],
                hospital_id=row["hospital_id"],
                pairing_id=row["pairing_id"],
                period_start=dt.date(row["year"], 1, 1),
                period_end=dt.date(row["year"], 12, 31),
                message=msg(
                    gettext_noop(
                        "%(name)s %(year)s 年专家柔性帮扶 %(batches)s 批次 %(pt)s 人次，"
                        "应不少于 %(b)s 批次 %(p)s 人次"
                    ),
                    name=row["name"],
                    year=row["year"],
                    batches=row["batches"],
                    pt=row["person_times"],
                    b=b,
                    p=pt,
                ),
                evidence={
                    "year": row["year"],
                    "batches": row["batches"],
                    "person_times": int(row["person_times"]),
                    "required_batches": b,
                    "required_person_times": pt,
                },
            )
