"""Leader designation (SPEC §3, "Also from the texts"): with several supporters the lead hospital names the
team leader; a partner hospital's person is lawful when the lead hospital designated them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

# Leaders deployed by a partner (non-lead) supporter of a pairing with several supporters, with the
# designation by the pairing's *current* lead if any: one recorded by a former lead does not count.
UNDESIGNATED = f"""
WITH p AS ({SCOPE_PAIRINGS}),
lead AS (
    SELECT ps.pairing_id, ps.hospital_id, h.name
      FROM pairings_pairingsupporter ps
      JOIN p ON p.id = ps.pairing_id
      JOIN pairings_hospital h ON h.id = ps.hospital_id
     WHERE ps.is_lead
       AND EXISTS (SELECT 1 FROM pairings_pairingsupporter o
                    WHERE o.pairing_id = ps.pairing_id AND NOT o.is_lead)
)
SELECT d.id, d.team_id, t.pairing_id, d.staff_id, s.name, d.supporter_id, sh.name AS supporter_name,
       lead.hospital_id AS lead_id, lead.name AS lead_name,
       lower(d.period) AS start, upper(d.period) - 1 AS "end",
       ld.designated_by_id, ld.designated_on
  FROM teams_deployment d
  JOIN teams_team t ON t.id = d.team_id
  JOIN lead ON lead.pairing_id = t.pairing_id
  JOIN teams_staff s ON s.id = d.staff_id
  JOIN pairings_hospital sh ON sh.id = d.supporter_id
  LEFT JOIN teams_leaderdesignation ld ON ld.team_id = d.team_id AND ld.staff_id = d.staff_id
 WHERE d.role = 'leader'
   AND d.supporter_id <> lead.hospital_id
   AND ld.designated_by_id IS DISTINCT FROM lead.hospital_id
 ORDER BY d.id
"""


@register
class LeaderDesignation(Rule):
    """LEADER_DESIGNATION — with several supporters, the lead hospital (牵头医院) designates (确定) the team
    leader: a leader deployed by a partner hospital needs a designation recorded by the pairing's current
    lead (``teams.LeaderDesignation``: who designated, when). A lead change re-checks the pairing, and a
    designation by the former lead no longer counts. Parameter ``leader_designation``. Severity: major.
    """

    code = "LEADER_DESIGNATION"
    severity = Severity.MAJOR
    title = gettext_noop("非牵头医院队长未经牵头医院确定")
    subject_type = SubjectType.DEPLOYMENT

    def enabled(self, params: RuleParams) -> bool:
        return params.leader_designation

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        for row in ctx.fetch(UNDESIGNATED):
            if row["designated_by_id"] is None:
                key = gettext_noop(
                    "队长 %(name)s 由非牵头医院 %(supporter)s 派出，未记录牵头医院 %(lead)s 的确定"
                )
            else:
                key = gettext_noop(
                    "队长 %(name)s 由非牵头医院 %(supporter)s 派出，其确定记录并非现牵头医院 %(lead)s 所作"
                )
            yield self.deployment_draft(
                row,
                period_start=row["start"],
                period_end=row["end"],
                message=msg(key, name=row["name"], supporter=row["supporter_name"], lead=row["lead_name"]),
                evidence={
                    "staff": row["name"],
                    "supporter": row["supporter_name"],
                    "lead": row["lead_name"],
                    "designated_by": row["designated_by_id"],
                    "designated_on": row["designated_on"].isoformat() if row["designated_on"] else None,
                },
            )
