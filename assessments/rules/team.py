"""Day-level rules on the resident team: size, coverage, one leader (SPEC §3, 组团式帮扶).

All four read the head-count intervals of ``teams.selectors.headcount_intervals`` (one query for the whole
scope, shared through ``RuleContext.headcount``) and report *intervals*: consecutive violating intervals of a
pairing are merged into one finding ("2023-03-01 … 2023-03-17: 3 on site, minimum 5").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext_noop

from assessments.choices import Severity, SubjectType
from assessments.rules.base import SCOPE_PAIRINGS, Draft, Rule, RuleContext, msg, register
from pairings.presets import RuleParams

# Each rotation's composition (派驻至少5名…组成帮扶队), for each team that has started: the people deployed
# on it, and the people of earlier teams of the pairing kept on across its start (a leader staying a year
# serves two half-year rotations on one deployment). A team of the same start date is a team of its own.
COMPOSITION = f"""
WITH t AS (
    SELECT t.id, t.pairing_id, t.year, t.rotation, t.start_date, t.end_date
      FROM teams_team t JOIN ({SCOPE_PAIRINGS}) p ON p.id = t.pairing_id
     WHERE t.start_date <= %(as_of)s
),
-- Counted per team first (distinct people: someone on both sides counts once), then joined to the teams:
-- a UNION joined to the teams and grouped again hashed and sorted 125,000 rows twice at national scale.
-- DISTINCT pairs, then COUNT(*): both hashed; COUNT(DISTINCT …) sorted the 125,000 rows.
crew AS (
    SELECT team_id, COUNT(*) AS people
      FROM (SELECT DISTINCT team_id, staff_id FROM (SELECT t.id AS team_id, d.staff_id
              FROM t JOIN teams_deployment d ON d.team_id = t.id
            UNION ALL
            SELECT t.id, d.staff_id
              FROM t
              JOIN teams_team o ON o.pairing_id = t.pairing_id AND o.id <> t.id
              JOIN teams_deployment d ON d.team_id = o.id
             WHERE lower(d.period) < t.start_date AND d.period @> t.start_date) x) pairs
     GROUP BY team_id
)
SELECT t.id AS team_id, t.pairing_id, t.year, t.rotation, t.start_date, t.end_date,
       COALESCE(crew.people, 0) AS people
  FROM t LEFT JOIN crew ON crew.team_id = t.id
 ORDER BY t.pairing_id, t.start_date, t.id
"""


def merge_violations(
    intervals: Iterable[Any], violates: Callable[[Any], object]
) -> Iterable[tuple[int, object, list[Any]]]:
    """Runs of adjacent intervals of one pairing that violate with the same kind → (pairing, kind, parts)."""
    run: list[Any] = []
    run_kind: object = None
    for iv in intervals:
        kind = violates(iv)
        if (
            run
            and kind
            and kind == run_kind
            and iv.pairing_id == run[-1].pairing_id
            and iv.start == run[-1].end + dt.timedelta(days=1)
        ):
            run.append(iv)
            continue
        if run:
            yield run[0].pairing_id, run_kind, run
        run, run_kind = ([iv], kind) if kind else ([], None)
    if run:
        yield run[0].pairing_id, run_kind, run


def _evidence(parts: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "intervals": [
            {
                "start": iv.start.isoformat(),
                "end": iv.end.isoformat(),
                "on_site": iv.on_site,
                "leaders": iv.leaders,
            }
            for iv in parts
        ],
        "days": sum(iv.days for iv in parts),
        "min_on_site": min(iv.on_site for iv in parts),
        "max_on_site": max(iv.on_site for iv in parts),
        **extra,
    }


def _on_site_text(parts: list[Any]) -> str:
    lo, hi = min(iv.on_site for iv in parts), max(iv.on_site for iv in parts)
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
        floor = 1 if p.coverage_gap else 0
        tcm = ctx.tcm_pairings

        def minimum(pairing_id: int) -> int | None:
            return p.team_min_for(is_tcm=pairing_id in tcm)

        def violates(iv: Any) -> bool:
            m = minimum(iv.pairing_id)
            return m is not None and floor <= iv.on_site < m

        for pairing_id, _kind, parts in merge_violations(ctx.headcount, violates):
            m = minimum(pairing_id)
            start, end = parts[0].start, parts[-1].end
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                message=msg(
                    gettext_noop("%(start)s … %(end)s：在岗 %(n)s 人，最少应为 %(min)s 人（帮扶队人数不足）"),
                    start=start,
                    end=end,
                    n=_on_site_text(parts),
                    min=m,
                ),
                evidence=_evidence(parts, minimum=m, tcm=pairing_id in tcm),
            )

        for row in ctx.fetch(COMPOSITION):
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
        assert mx is not None
        for pairing_id, _kind, parts in merge_violations(ctx.headcount, lambda iv: iv.on_site > mx):
            start, end = parts[0].start, parts[-1].end
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                message=msg(
                    gettext_noop("%(start)s … %(end)s：在岗 %(n)s 人，最多应为 %(max)s 人"),
                    start=start,
                    end=end,
                    n=_on_site_text(parts),
                    max=mx,
                ),
                evidence=_evidence(parts, maximum=mx),
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
        for pairing_id, _kind, parts in merge_violations(ctx.headcount, lambda iv: iv.on_site == 0):
            start, end = parts[0].start, parts[-1].end
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
                evidence=_evidence(parts),
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
        def violates(iv: Any) -> str | None:
            if iv.on_site == 0 or iv.leaders == 1:
                return None
            return "none" if iv.leaders == 0 else "several"

        for pairing_id, kind, parts in merge_violations(ctx.headcount, violates):
            start, end = parts[0].start, parts[-1].end
            if kind == "none":
                message = msg(
                    gettext_noop("%(start)s … %(end)s：有人员在岗但无队长在岗"), start=start, end=end
                )
            else:
                message = msg(
                    gettext_noop("%(start)s … %(end)s：同时有 %(n)s 名队长在岗"),
                    start=start,
                    end=end,
                    n=max(iv.leaders for iv in parts),
                )
            yield self.draft(
                subject_id=pairing_id,
                pairing_id=pairing_id,
                period_start=start,
                period_end=end,
                key=str(kind),
                message=message,
                evidence=_evidence(parts, problem=kind),
            )
