"""Visiting experts (柔性帮扶): batches and person-times per supporter and year, across its recipients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Message, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

# One row per supporter and (ended) year of its service in the program, with its batches and person-times
# across all its pairings of the program. A year is over when it ended before the run date, or the
# supporter's last service day in the program did.
VISITS = f"""
WITH p AS ({SCOPE_PAIRINGS}),
sup AS (
    SELECT ps.hospital_id, MIN(p.id) AS pairing_id, COUNT(*) AS recipients,
           MIN(p.service_start) AS s, MAX(p.service_end) AS e
      FROM p JOIN pairings_pairingsupporter ps ON ps.pairing_id = p.id
     GROUP BY ps.hospital_id
),
y AS (
    SELECT sup.*, gs.year
      FROM sup, generate_series(date_part('year', sup.s)::int, date_part('year', sup.e)::int) AS gs(year)
     WHERE LEAST(make_date(gs.year, 12, 31), sup.e) < %(as_of)s
),
v AS (
    SELECT v.supporter_id, date_part('year', v.start_date)::int AS year,
           COUNT(*) AS batches, SUM(v.person_times) AS person_times
      FROM teams_expertvisitbatch v JOIN p ON p.id = v.pairing_id
     GROUP BY v.supporter_id, date_part('year', v.start_date)::int
)
SELECT y.hospital_id, y.pairing_id, y.recipients, y.year, h.name,
       COALESCE(v.batches, 0) AS batches, COALESCE(v.person_times, 0) AS person_times
  FROM y
  JOIN pairings_hospital h ON h.id = y.hospital_id
  LEFT JOIN v ON v.supporter_id = y.hospital_id AND v.year = y.year
 WHERE COALESCE(v.batches, 0) < %(b)s OR COALESCE(v.person_times, 0) < %(pt)s
 ORDER BY y.hospital_id, y.year
"""


@register
class ExpertVisits(Rule):
    """EXPERT_VISITS — per **supporter** and (ended) year, across all its recipients in the program
    (每个支援医院每年), ≥ ``expert_visit_batches`` batches and ≥ ``expert_visit_person_times`` person-times of
    visiting experts (off by default; Guangdong 4 / 20, 粤府办〔2019〕18号 附件1). A batch counts in the year
    it starts. The message names the minimum that was missed. One finding per supporter and year, attached to
    the supporter's first pairing so its coordinator sees it. Program-wide. Severity: minor.
    """

    code = "EXPERT_VISITS"
    severity = Severity.MINOR
    title = gettext_noop("专家柔性帮扶批次/人次不足")
    subject_type = SubjectType.HOSPITAL
    program_wide = True

    def enabled(self, params: RuleParams) -> bool:
        return params.expert_visit_batches is not None or params.expert_visit_person_times is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        b = ctx.params.expert_visit_batches or 0
        pt = ctx.params.expert_visit_person_times or 0
        for row in ctx.fetch(VISITS, {"b": b, "pt": pt}):
            batches, people = row["batches"], int(row["person_times"])
            missed: list[Message] = []  # joined with the reader's enumeration comma
            if batches < b:
                missed.append(msg(gettext_noop("批次 %(k)s，应不少于 %(n)s 批次"), k=batches, n=b))
            if people < pt:
                missed.append(msg(gettext_noop("人次 %(k)s，应不少于 %(n)s 人次"), k=people, n=pt))
            yield self.draft(
                subject_id=row["hospital_id"],
                hospital_id=row["hospital_id"],
                pairing_id=row["pairing_id"],
                period_start=dt.date(row["year"], 1, 1),
                period_end=dt.date(row["year"], 12, 31),
                message=msg(
                    gettext_noop(
                        "%(name)s %(year)s 年（%(recipients)s 家受援医院合计）专家柔性帮扶不足：%(missed)s"
                    ),
                    name=row["name"],
                    year=row["year"],
                    recipients=row["recipients"],
                    missed=missed,
                ),
                evidence={
                    "year": row["year"],
                    "recipients": row["recipients"],
                    "batches": batches,
                    "person_times": people,
                    "required_batches": b,
                    "required_person_times": pt,
                    "missed": [
                        k for k, short in (("batches", batches < b), ("person_times", people < pt)) if short
                    ],
                },
            )
