"""County outcome target: a county hospital at 二级 capacity in every populous county (GRADE_TARGET)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.choices import GRADES_AT_LEAST_LEVEL2
from pairings.presets import RuleParams

# A county hospital reaches 二级 service capacity on the reference date when its latest service-capacity
# assessment on or before that date says so, or — the formal grade being one kind of evidence — its grade on
# that date (latest grade change, else the current ``Hospital.grade`` when it has no history) is 二级 or
# better. A later negative assessment does not undo a formal grade: both are evidence and either suffices.
GRADE = f"""
WITH p AS ({SCOPE_PAIRINGS}),
c AS (
    SELECT h.county_id, MIN(p.id) AS pairing_id
      FROM p JOIN pairings_hospital h ON h.id = p.recipient_id
     GROUP BY h.county_id
),
h AS (
    SELECT h.id, h.county_id, h.name, h.grade
      FROM pairings_hospital h
     WHERE h.is_county_hospital AND h.county_id IN (SELECT county_id FROM c)
),
gc AS (
    SELECT DISTINCT ON (x.hospital_id) x.hospital_id, x.grade
      FROM assessments_gradechange x JOIN h ON h.id = x.hospital_id
     WHERE x.effective_on <= %(ref)s
     ORDER BY x.hospital_id, x.effective_on DESC
),
has_history AS (
    SELECT DISTINCT x.hospital_id FROM assessments_gradechange x JOIN h ON h.id = x.hospital_id
),
ca AS (
    SELECT DISTINCT ON (a.hospital_id) a.hospital_id, a.assessed_on, a.reaches_level2, a.standard
      FROM assessments_servicecapacityassessment a JOIN h ON h.id = a.hospital_id
     WHERE a.assessed_on <= %(ref)s
     ORDER BY a.hospital_id, a.assessed_on DESC, a.id DESC
),
g AS (
    SELECT h.id, h.county_id, h.name,
           CASE WHEN hh.hospital_id IS NOT NULL THEN COALESCE(gc.grade, 'ungraded') ELSE h.grade END AS grade,
           ca.assessed_on, ca.reaches_level2, ca.standard
      FROM h
      LEFT JOIN has_history hh ON hh.hospital_id = h.id
      LEFT JOIN gc ON gc.hospital_id = h.id
      LEFT JOIN ca ON ca.hospital_id = h.id
)
SELECT c.county_id, c.pairing_id, co.name, co.population,
       COALESCE(JSON_AGG(JSON_BUILD_OBJECT('id', g.id, 'name', g.name, 'grade', g.grade,
                                           'assessed_on', g.assessed_on, 'reaches_level2', g.reaches_level2,
                                           'standard', g.standard))
                FILTER (WHERE g.id IS NOT NULL), '[]') AS hospitals
  FROM c
  JOIN pairings_county co ON co.id = c.county_id
  LEFT JOIN g ON g.county_id = c.county_id
 WHERE co.population > %(min_pop)s
 GROUP BY c.county_id, c.pairing_id, co.name, co.population
HAVING COUNT(g.id) FILTER (WHERE g.grade = ANY(%(grades)s) OR g.reaches_level2) = 0
 ORDER BY c.county_id
"""


@register
class GradeTarget(Rule):
    """GRADE_TARGET — each county of the program's recipients with a resident population above
    ``grade_target_min_population`` (50,000) has ≥ 1 county hospital (``is_county_hospital``) that **reaches
    二级 service capacity** (达到二级医院医疗服务能力; the aim is 二甲): an assessed capacity
    (``ServiceCapacityAssessment``: the latest assessment on or before the reference date says it reaches
    二级), or a formal grade in ``GRADES_AT_LEAST_LEVEL2`` on that date — the grade is one kind of evidence.

    Reference date: the program's end, or the run date if earlier — so a running program shows the counties
    still short of the target (to be reached "by the program's end") and an ended one is judged on its end
    date, with later upgrades (grade history) not counted. The fingerprint omits the date so the finding
    stays the same row while the program runs. Program-wide: attached to the county's first pairing so city,
    county and hospital users of that pairing see it. Severity: major.
    """

    code = "GRADE_TARGET"
    severity = Severity.MAJOR
    title = gettext_noop("县域二级医院目标未达成")
    subject_type = SubjectType.COUNTY
    program_wide = True

    def enabled(self, params: RuleParams) -> bool:
        return params.grade_target

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        ref = min(ctx.program.end_date, ctx.as_of)
        min_pop = ctx.params.grade_target_min_population
        grades = sorted(str(g) for g in GRADES_AT_LEAST_LEVEL2)
        for row in ctx.fetch(GRADE, {"ref": ref, "min_pop": min_pop, "grades": grades}, whole_set=True):
            yield self.draft(
                subject_id=row["county_id"],
                county_id=row["county_id"],
                pairing_id=row["pairing_id"],
                message=msg(
                    gettext_noop(
                        "%(county)s（常住人口 %(pop)s）截至 %(ref)s 尚无达到二级医院医疗服务能力的县级医院"
                    ),
                    county=row["name"],
                    pop=f"{row['population']:,}",
                    ref=ref,
                ),
                evidence={
                    "population": row["population"],
                    "min_population": min_pop,
                    "reference_date": ref.isoformat(),
                    "county_hospitals": row["hospitals"],
                },
            )
