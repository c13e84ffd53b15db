"""Capacity building by the program's end: centres and key specialties built (CAPACITY_CENTRES)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

# Per pairing of an ended program (or service period): the recipient's centres built or accredited and its
# TCM key specialties that reached the standard, each on or before the reference date.
CENTRES = f"""
WITH p AS ({SCOPE_PAIRINGS}),
c AS (
    SELECT cp.hospital_id, COUNT(*) AS n,
           JSON_AGG(JSON_BUILD_OBJECT('centre', cp.centre, 'on', cp.achieved_on) ORDER BY cp.achieved_on)
               AS items
      FROM assessments_centreprogress cp JOIN p ON p.recipient_id = cp.hospital_id
     WHERE cp.status IN ('built', 'accredited') AND cp.achieved_on <= LEAST(p.service_end, %(ref)s)
     GROUP BY cp.hospital_id
),
s AS (
    SELECT sp.hospital_id, COUNT(*) AS n,
           JSON_AGG(JSON_BUILD_OBJECT('specialty', sp.name, 'on', sp.achieved_on) ORDER BY sp.achieved_on)
               AS items
      FROM assessments_specialty sp JOIN p ON p.recipient_id = sp.hospital_id
     WHERE sp.kind = 'tcm_key' AND sp.achieved_on <= LEAST(p.service_end, %(ref)s)
     GROUP BY sp.hospital_id
)
SELECT p.id AS pairing_id, p.recipient_id, h.name, LEAST(p.service_end, %(ref)s) AS ref,
       COALESCE(c.n, 0) + COALESCE(s.n, 0) AS built,
       COALESCE(c.items, '[]') AS centres, COALESCE(s.items, '[]') AS specialties
  FROM p
  JOIN pairings_hospital h ON h.id = p.recipient_id
  LEFT JOIN c ON c.hospital_id = p.recipient_id
  LEFT JOIN s ON s.hospital_id = p.recipient_id
 WHERE LEAST(p.service_end, %(ref)s) < %(as_of)s
   AND COALESCE(c.n, 0) + COALESCE(s.n, 0) < %(n)s
 ORDER BY p.id
"""


@register
class CapacityCentres(Rule):
    """CAPACITY_CENTRES — by the program's end the recipient has built at least
    ``capacity_centres_min`` of the critical-care centres (胸痛、卒中、创伤、危重孕产妇、
    危重儿童和新生儿救治中心), the county medical resource centres (影像、心电、病理、检验、
    消毒供应中心) and, for TCM hospitals, key specialties (中医重点专科). Dingxi: at least 2, not all
    ten; off by default. A centre counts when built or accredited, a specialty when it reached the
    standard, on or before the end of the pairing's service (or the program's end if earlier).
    Judged once that day is over. Severity: major.
    """

    code = "CAPACITY_CENTRES"
    severity = Severity.MAJOR
    title = gettext_noop("中心及重点专科建设数量不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.capacity_centres_min is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        n = ctx.params.capacity_centres_min
        for row in ctx.fetch(CENTRES, {"n": n, "ref": ctx.program.end_date}):
            yield self.draft(
                subject_id=row["pairing_id"],
                pairing_id=row["pairing_id"],
                hospital_id=row["recipient_id"],
                message=msg(
                    gettext_noop("%(name)s 截至 %(ref)s 建成中心及重点专科 %(k)s 个，应不少于 %(n)s 个"),
                    name=row["name"],
                    ref=row["ref"],
                    k=row["built"],
                    n=n,
                ),
                evidence={
                    "reference_date": row["ref"].isoformat(),
                    "built": row["built"],
                    "required": n,
                    "centres": row["centres"],
                    "specialties": row["specialties"],
                },
            )
