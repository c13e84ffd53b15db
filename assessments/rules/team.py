"""Day-level rules on the resident team: size, coverage, one leader (SPEC §3, 组团式帮扶).

All four read the head-count intervals of ``teams.selectors.deployments`` (``HEADCOUNT_SQL``, the one
definition of people and leaders on site) and report *intervals*: consecutive violating intervals of a
pairing are merged into one finding ("2023-03-01 … 2023-03-17: 3 on site, minimum 5"). The runs of all four
rules come from one statement for the whole scope (``TEAM_RUNS``), shared through ``RuleContext.shared``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import (
    SCOPE_PAIRINGS,
    Draft,
    Rule,
    RuleContext,
    msg,
    register,
    rules_facts,
)
from assessments.selectors.indicator_facts import STATE as FACTS_STATE
from pairings.choices import HospitalKind
from pairings.presets import RuleParams
from teams.selectors.deployments import HEADCOUNT_SQL, team_crew_sql

# The day-level violations of the four team rules, as runs, in one statement over the head-count intervals
# (``teams.selectors.deployments.HEADCOUNT_SQL``, the one definition of people and leaders on site): the
# runs of adjacent intervals of a pairing that violate a rule the same way (a run continues while the next
# interval starts the day after and violates the same way), each with its intervals, neighbours with equal
# counts joined (``_merge`` there). At national scale 32,500 intervals were fetched, built and walked in
# Python to draft 7,300 findings; now only the runs come back. A rule's kind is NULL where the interval does
# not violate it or the rule is off. ``iv``: the head-count intervals (``_LIVE_INTERVALS`` or
# ``_FACT_INTERVALS`` below), columns pairing_id, start_day, end_day, on_site, leaders.
_RUNS_OVER = f"""
k AS (
    SELECT iv.*,
           CASE WHEN on_site >= %(floor)s
                     AND on_site < CASE WHEN tcm.tcm THEN %(min_tcm)s::int ELSE %(min)s::int END
                THEN 'short' END AS k_min,
           CASE WHEN on_site > %(max)s::int THEN 'over' END AS k_max,
           CASE WHEN %(coverage_gap)s AND on_site = 0 THEN 'gap' END AS k_gap,
           CASE WHEN NOT %(one_leader)s OR on_site = 0 OR leaders = 1 THEN NULL
                WHEN leaders = 0 THEN 'none' ELSE 'several' END AS k_lead
      FROM iv
      JOIN (SELECT p.id, h.kind = %(tcm_kind)s AS tcm
              FROM ({SCOPE_PAIRINGS}) p JOIN pairings_hospital h ON h.id = p.recipient_id) tcm
        ON tcm.id = iv.pairing_id
),
-- Only the violating intervals go on (a fifth of them at national scale), one row per rule they violate.
-- The intervals of a pairing tile its service period, so two violating intervals that follow each other
-- in a rule's rows with no day between them are neighbours in the whole sequence too.
v AS (
    SELECT v.code, k.pairing_id, v.kind, k.start_day, k.end_day, k.on_site, k.leaders
      FROM (SELECT * FROM k WHERE COALESCE(k_min, k_max, k_gap, k_lead) IS NOT NULL) k
     CROSS JOIN LATERAL (VALUES ('TEAM_MIN_SIZE', k.k_min), ('TEAM_MAX_SIZE', k.k_max),
                                ('COVERAGE_GAP', k.k_gap), ('ONE_LEADER', k.k_lead)) v(code, kind)
     WHERE v.kind IS NOT NULL
),
-- brk: a new run (not the day after the previous violation of the rule, or another kind); split: a new
-- interval of the evidence within the run (the counts changed; ``_merge`` of the selector)
b AS (
    SELECT v.*,
           CASE WHEN LAG(kind) OVER w = kind AND LAG(end_day) OVER w = start_day - 1 THEN 0 ELSE 1 END AS brk,
           CASE WHEN LAG(kind) OVER w = kind AND LAG(end_day) OVER w = start_day - 1
                     AND LAG(on_site) OVER w = on_site AND LAG(leaders) OVER w = leaders
                THEN 0 ELSE 1 END AS split
      FROM v WINDOW w AS (PARTITION BY code, pairing_id ORDER BY start_day)
),
r AS (
    SELECT b.*, SUM(brk) OVER w AS run, SUM(split) OVER w AS part
      FROM b WINDOW w AS (PARTITION BY code, pairing_id ORDER BY start_day ROWS UNBOUNDED PRECEDING)
),
m AS (
    SELECT code, pairing_id, kind, run, MIN(start_day) AS s, MAX(end_day) AS e, MIN(on_site) AS on_site,
           MIN(leaders) AS leaders
      FROM r GROUP BY code, pairing_id, kind, run, part
)
SELECT code, pairing_id, kind, MIN(s) AS start, MAX(e) AS "end",
       json_agg(json_build_object('start', s, 'end', e, 'on_site', on_site, 'leaders', leaders) ORDER BY s)
           AS intervals,
       SUM(e - s + 1)::int AS days, MIN(on_site) AS min_on_site, MAX(on_site) AS max_on_site,
       MAX(leaders) AS max_leaders
  FROM m
 GROUP BY code, pairing_id, run, kind
 ORDER BY pairing_id, start
"""
_LIVE_INTERVALS = f"iv AS ({HEADCOUNT_SQL})"
# The same intervals read where the indicators keep them (``assessments.models.facts.CoverageIntervalFact``:
# ``headcount_intervals`` over each pairing's whole service period, what ``HEADCOUNT_SQL`` yields here with
# neighbours of equal counts joined — which the runs below join anyway, so the runs are the same) for the
# pairings whose facts are fresh, and computed by ``HEADCOUNT_SQL`` for the others (stale since a write, or
# never computed). Which is which is read in the statement itself, in its one snapshot: the triggers of
# migration 0016 mark a pairing not fresh in the writer's own transaction, so a pairing seen fresh has facts
# that include every write the snapshot sees. At national scale (facts fresh) ~0.1 s instead of ~0.3 s: the
# sweep-line over 62,000 deployments is what the team lane's longest statement spent its time on.
_FRESH = f"""
scope_facts AS MATERIALIZED (
    SELECT sp.id, COALESCE(s.fresh, false) AS fresh
      FROM ({SCOPE_PAIRINGS}) sp LEFT JOIN {FACTS_STATE} s ON s.pairing_id = sp.id
)"""
# An array expression (cast: ``ANY((SELECT …))`` alone would compare each id with the whole array).
_STALE_IDS = "((SELECT COALESCE(array_agg(id), '{}') FROM scope_facts WHERE NOT fresh)::bigint[])"
_LIVE_OF_STALE = HEADCOUNT_SQL.replace("%(pairing_ids)s", _STALE_IDS)
assert _LIVE_OF_STALE != HEADCOUNT_SQL  # HEADCOUNT_SQL narrows its pairings by %(pairing_ids)s
_FACT_INTERVALS = f"""{_FRESH},
iv AS (
    SELECT f.pairing_id, f.start AS start_day, f."end" AS end_day, f.on_site, f.leaders
      FROM assessments_coverageintervalfact f JOIN scope_facts sf ON sf.id = f.pairing_id AND sf.fresh
    UNION ALL
    SELECT * FROM ({_LIVE_OF_STALE}) live
)"""
TEAM_RUNS = f"\nWITH {_LIVE_INTERVALS},{_RUNS_OVER}"
TEAM_RUNS_FROM_FACTS = f"\nWITH {_FACT_INTERVALS},{_RUNS_OVER}"

# The started teams whose composition (``teams.selectors.deployments.team_crew_sql``) falls short of the
# program's minimum for their recipient's kind, with the people they are made up of: a national program has
# 17,500 started teams and ~900 short ones. The people are read where the indicators keep them
# (``TeamCompositionFact``) for the pairings whose facts are fresh, computed for the others — as the
# head-count runs above: at national scale ~0.04 s instead of 0.19–0.31 s (the other lane's longest statement,
# which the team lane waited for). ``{crew}``: a CTE ``crew`` (team_id, people) over the teams ``t``.
_COMPOSITION = f"""
t AS (
    SELECT t.id, t.pairing_id, t.year, t.rotation, t.start_date, t.end_date,
           CASE WHEN h.kind = %(tcm_kind)s THEN %(min_tcm)s::int ELSE %(min)s::int END AS minimum{{fresh}}
      FROM teams_team t JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
      JOIN pairings_hospital h ON h.id = p.recipient_id{{fresh_join}}
     WHERE t.start_date <= %(as_of)s
),
{{crew}}
SELECT t.id AS team_id, t.pairing_id, t.year, t.rotation, t.start_date, t.end_date,
       COALESCE(crew.people, 0) AS people
  FROM t LEFT JOIN crew ON crew.team_id = t.id
 WHERE COALESCE(crew.people, 0) < t.minimum
 ORDER BY t.pairing_id, t.start_date, t.id
"""
COMPOSITION = "\nWITH " + _COMPOSITION.format(
    fresh="", fresh_join="", crew=f"crew AS ({team_crew_sql('SELECT * FROM t')})"
)
COMPOSITION_FROM_FACTS = f"\nWITH {_FRESH}," + _COMPOSITION.format(
    fresh=", sf.fresh",
    fresh_join=" JOIN scope_facts sf ON sf.id = t.pairing_id",
    crew=f"""crew AS (
    SELECT f.team_id, f.people
      FROM assessments_teamcompositionfact f JOIN scope_facts sf ON sf.id = f.pairing_id AND sf.fresh
    UNION ALL
    {team_crew_sql("SELECT * FROM t WHERE NOT t.fresh")}
)""",
)


def team_runs(ctx: RuleContext, code: str) -> list[dict[str, Any]]:
    """The runs of ``code`` (one of the four team rules) in the scope: one statement for the four rules."""
    p = ctx.params

    def fetch() -> dict[str, list[dict[str, Any]]]:
        rows = ctx.fetch(
            TEAM_RUNS_FROM_FACTS if rules_facts() else TEAM_RUNS,
            {
                "date_from": None,
                "date_to": None,
                "tcm_kind": HospitalKind.TCM,
                # Days with nobody on site are COVERAGE_GAP's while it is on (TeamMinSize's docstring).
                "floor": 1 if p.coverage_gap else 0,
                "min": p.team_min_size,
                "min_tcm": p.team_min_size_tcm,
                "max": p.team_max_size,
                "coverage_gap": p.coverage_gap,
                "one_leader": p.one_leader,
            },
            # Hash joins throughout: estimated at a few hundred intervals (really 37,500 at national scale),
            # the recipients' kinds were read by 37,500 index probes.
            whole_set=True,
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            out.setdefault(row["code"], []).append(row)
        return out

    return ctx.shared("team_runs", fetch).get(code, [])


def composition(ctx: RuleContext) -> list[dict[str, Any]]:
    """The started teams made up of fewer people than the program's minimum, with their people
    (``COMPOSITION``), once per run. A program run plans it without nested loops (``whole_set``): misjudging
    the program's teams at a handful of rows, PostgreSQL probed the deployments' index once per team and per
    other team of its pairing (105,000 probes at national scale: 0.7 s at load 9, 0.43 s hashed); a
    pairing's recheck keeps its index probes. In a program run the other lane reads it while the team lane
    reads the head-count runs (``findings.LANE_PREFETCH``)."""
    p = ctx.params
    params = {"tcm_kind": HospitalKind.TCM, "min": p.team_min_size, "min_tcm": p.team_min_size_tcm}
    sql = COMPOSITION_FROM_FACTS if rules_facts() else COMPOSITION
    return ctx.shared("composition", lambda: ctx.fetch(sql, params, whole_set=True))


def _evidence(run: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A run's evidence: its intervals (start, end, people and leaders on site), days, fewest and most on
    site."""
    return {
        "intervals": run["intervals"],
        "days": run["days"],
        "min_on_site": run["min_on_site"],
        "max_on_site": run["max_on_site"],
        **extra,
    }


def _on_site_text(run: dict[str, Any]) -> str:
    lo, hi = run["min_on_site"], run["max_on_site"]
    return str(lo) if lo == hi else f"{lo}–{hi}"


@register
class TeamMinSize(Rule):
    """TEAM_MIN_SIZE — each rotation's team is made up of ≥ ``team_min_size`` people (派驻至少5名…组成帮扶队:
    the people deployed on the team and those of earlier teams kept on across its start, judged once the
    rotation has started; one finding per team), and, as
    the commission reads it, people on site ≥ the same minimum on every day of the service period (one
    finding per short interval). ``team_min_size_tcm`` applies when the recipient is a TCM hospital (Gansu
    5 / TCM 3, Guangdong 5, Hinggan 3; Bozhou's "about 10" is a batch, no minimum).

    Days with nobody on site are COVERAGE_GAP's (critical) and are left out here so the same days are not
    reported twice — unless COVERAGE_GAP is switched off, then they count as understaffed too.
    Severity: major.
    """

    code = "TEAM_MIN_SIZE"
    severity = Severity.MAJOR
    title = gettext_noop("帮扶队在岗人数不足")

    def enabled(self, params: RuleParams) -> bool:
        return params.team_min_size is not None or params.team_min_size_tcm is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        p = ctx.params
        tcm = ctx.tcm_pairings

        def minimum(pairing_id: int) -> int | None:
            return p.team_min_for(is_tcm=pairing_id in tcm)

        for run in team_runs(ctx, self.code):
            pairing_id, start, end = run["pairing_id"], run["start"], run["end"]
            m = minimum(pairing_id)
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                message=msg(
                    gettext_noop("%(start)s … %(end)s：在岗 %(n)s 人，最少应为 %(min)s 人（帮扶队人数不足）"),
                    start=start,
                    end=end,
                    n=_on_site_text(run),
                    min=m,
                ),
                evidence=_evidence(run, minimum=m, tcm=pairing_id in tcm),
            )

        for row in composition(ctx):
            m = minimum(row["pairing_id"])
            if m is None or row["people"] >= m:
                continue
            yield self.draft(
                subject_type=SubjectType.TEAM,
                subject_id=row["team_id"],
                team_id=row["team_id"],
                pairing_id=row["pairing_id"],
                period_start=row["start_date"],
                period_end=row["end_date"],
                key="composition",
                message=msg(
                    gettext_noop("%(year)s 年第 %(rotation)s 批帮扶队由 %(n)s 人组成，应至少 %(min)s 人"),
                    year=row["year"],
                    rotation=row["rotation"],
                    n=row["people"],
                    min=m,
                ),
                evidence={
                    "problem": "composition",
                    "year": row["year"],
                    "rotation": row["rotation"],
                    "people": row["people"],
                    "minimum": m,
                    "tcm": row["pairing_id"] in tcm,
                },
            )


@register
class TeamMaxSize(Rule):
    """TEAM_MAX_SIZE — people on site ≤ ``team_max_size`` (off by default; Guangdong 5: "team exactly 5").
    Severity: minor.
    """

    code = "TEAM_MAX_SIZE"
    severity = Severity.MINOR
    title = gettext_noop("帮扶队在岗人数超出上限")

    def enabled(self, params: RuleParams) -> bool:
        return params.team_max_size is not None

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        mx = ctx.params.team_max_size
        for run in team_runs(ctx, self.code):
            pairing_id, start, end = run["pairing_id"], run["start"], run["end"]
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                message=msg(
                    gettext_noop("%(start)s … %(end)s：在岗 %(n)s 人，最多应为 %(max)s 人"),
                    start=start,
                    end=end,
                    n=_on_site_text(run),
                    max=mx,
                ),
                evidence=_evidence(run, maximum=mx),
            )


@register
class CoverageGap(Rule):
    """COVERAGE_GAP — no day of the service period with nobody on site (全年都有派驻人员, ``coverage_gap``).
    Each gap is one finding with its date interval. Severity: critical.
    """

    code = "COVERAGE_GAP"
    severity = Severity.CRITICAL
    title = gettext_noop("派驻空档")

    def enabled(self, params: RuleParams) -> bool:
        return params.coverage_gap

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        for run in team_runs(ctx, self.code):
            pairing_id, start, end = run["pairing_id"], run["start"], run["end"]
            days = (end - start).days + 1
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                message=msg(
                    gettext_noop("%(start)s … %(end)s：无派驻人员在岗（空档 %(days)s 天）"),
                    start=start,
                    end=end,
                    days=days,
                ),
                evidence=_evidence(run),
            )


@register
class OneLeader(Rule):
    """ONE_LEADER — on every day someone is on site, exactly one leader (队长) is on site (``one_leader``).
    "No leader" and "several leaders" are separate findings. Severity: major.
    """

    code = "ONE_LEADER"
    severity = Severity.MAJOR
    title = gettext_noop("队长在岗人数不为一人")
    subject_type = SubjectType.PAIRING

    def enabled(self, params: RuleParams) -> bool:
        return params.one_leader

    def evaluate(self, ctx: RuleContext) -> Iterable[Draft]:
        for run in team_runs(ctx, self.code):
            pairing_id, start, end, kind = run["pairing_id"], run["start"], run["end"], run["kind"]
            if kind == "none":
                message = msg(
                    gettext_noop("%(start)s … %(end)s：有人员在岗但无队长在岗"), start=start, end=end
                )
            else:
                message = msg(
                    gettext_noop("%(start)s … %(end)s：同时有 %(n)s 名队长在岗"),
                    start=start,
                    end=end,
                    n=run["max_leaders"],
                )
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                key=str(kind),
                message=message,
                evidence=_evidence(run, problem=kind),
            )
