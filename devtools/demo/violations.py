"""Manifest of the rule violations the demo data plants on purpose (SPEC §3), one item per expected finding.

The rule engine must find exactly these in the demo programs and nothing else. How to match a finding:

- ``program``: the program code (GS2022, GD2019, BZ2016).
- ``rule``: the rule code.
- ``recipient``: the recipient hospital code of the pairing (pairing-, team-, deployment- and agreement-level
  rules). ``supporter``: the supporting hospital code (RESIDENCY_BASE, EXPERT_VISITS; the agreement's or
  roster's supporter for AGREEMENT_SIGNED / ANNUAL_AGREEMENT / ROSTER_FILED). ``county``: county code
  (GRADE_TARGET).
- ``staff``: the national ID of the deployed person (deployment- and person-level rules); with ``team`` =
  (year, rotation) of the deployment's team.
- ``year``: the program year for yearly rules (ANNUAL_AGREEMENT, TRAINING_QUOTA, RESIDENCY_BASE,
  EXPERT_VISITS). ``month``: first day of the month for month rules (SPOT_CHECKS, MONTHLY_SCORE,
  ATTENDANCE_RATE).
- ``period``: the inclusive date interval of day-level rules (TEAM_MIN_SIZE, TEAM_MAX_SIZE, COVERAGE_GAP,
  ONE_LEADER, NO_DOUBLE_DEPLOYMENT), one item per maximal interval.
- ``note``: what was planted; ``consequence_of`` names the rule whose planting also causes this one (a
  coverage gap is also a day with fewer than the minimum on site).

Interpretations the data follows (and the rule engine should too):

- Durations: "≥ N months" is end ≥ start + N months − 1 day (calendar months); stays are measured on the
  deployment's actual range (all demo deployments have ended), experience at the deployment's start.
- ROSTER_FILED: a deployment needs a roster entry on a roster (not returned) whose ``submitted_at``
  (Asia/Shanghai date) is strictly before the deployment's start — and, for an out-of-province supporter,
  whose ``forwarded_at`` is too; the commission's ``decided_at`` is not judged. The program's
  ``roster_deadline`` applies to the rosters of the program's first rotation (teams of the first program
  year, rotation 1): they are all submitted by 2022-04-05 in GS2022, later rotations only need "before start".
- AGREEMENT_SIGNED / ANNUAL_AGREEMENT: every supporter of a pairing has its own agreements (two-supporter
  pairings have two tripartite and two annual agreements a year; they are all compliant). An agreement is
  signed on the date of its last signature; a missing signature means unsigned. The annual agreement of year Y
  must be signed strictly before the start of the earliest team of year Y.
- AGREEMENT_ITEMS_OVERDUE: each agreement item is done or cancelled (the builder settles them all, even those
  due after the demo's day), but one item of a GS2022 tripartite agreement is still 'delayed' long after its
  due date.
- TRAINING_QUOTA counts free stints (``is_free``) of clinical backbone staff (``is_backbone``) in the year
  they start, any kind; Gansu sets no minimum length (M is Mianyang's and Dingxi's). A partial first or last
  year asks ⌈N × days of service / days of the year⌉.
  RESIDENCY_BASE counts ``residency`` stints hosted by the base in pairings of the program, by start year.
- SPOT_CHECKS / MONTHLY_SCORE / ATTENDANCE_RATE (BZ2016): deployments start on the 1st and end on the last day
  of a month, so every deployment-month is a whole month. SPOT_CHECKS counts per supporter and month of its
  team (all the checks on the people it deployed on that team); its item names recipient, supporter, team
  and month, no person. Attendance has one row per weekday (Mon–Fri) of the
  deployment; rate = present statuses / (rows − excused rows).
- END_APPRAISAL: an appraisal counts when ``signed_on`` ≤ end + 30 days; deployments still running on the
  demo's day are not judged (the planted ones ended in the written cycle's 2024).
- GRADE_TARGET: a county's hospitals with ``is_county_hospital``; grade at program end (``Hospital.grade``
  equals the last ``GradeChange`` on or before the program end).
- NO_DOUBLE_DEPLOYMENT: the database refuses overlapping deployments of one person, so the planted case is a
  person deployed in one pairing who also appears on a filed roster of another pairing for overlapping dates
  (a RosterEntry, never a Deployment). ``recipient`` is the pairing of the extra roster entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re


@dataclasses.dataclass(frozen=True, order=True)
class Planted:
    program: str
    rule: str
    recipient: str | None = None
    supporter: str | None = None
    county: str | None = None
    staff: str | None = None
    team: tuple[int, int] | None = None
    year: int | None = None
    month: dt.date | None = None
    period: tuple[dt.date, dt.date] | None = None
    note: str = ""
    consequence_of: str | None = None


D = dt.date

# The main program (GS2022) is written for its 2022–2025 cycle and laid by whole years so that the day the
# demo is built falls in its last year (issue 14 item 8): every planted violation of it is due by then (the
# latest, the 2024 training quota, on the first day of that year), and the pages show a running program
# without ``?as_of``. GD2019 and BZ2016 are ended programs and keep their dates.
MAIN_PROGRAM = "GS2022"
MAIN_LAST_YEAR = 2025
_YEAR_IN_TEXT = re.compile(r"\b(20\d\d)\b")


def gs_shift(today: dt.date) -> int:
    """Whole years the main program moves for a demo laid on ``today``."""
    return today.year - MAIN_LAST_YEAR


def _shift_date(d: dt.date, years: int) -> dt.date:
    return d.replace(year=d.year + years)  # no planted date is a 29 February


def planted(shift: int = 0) -> list[Planted]:
    """The manifest of a demo whose main program moved ``shift`` years (``gs_shift``); ``planted(0)`` is
    ``PLANTED`` as written."""
    if shift == 0:
        return list(PLANTED)
    out = []
    for p in PLANTED:
        if p.program != MAIN_PROGRAM:
            out.append(p)
            continue
        out.append(
            dataclasses.replace(
                p,
                team=(p.team[0] + shift, p.team[1]) if p.team else None,
                year=p.year + shift if p.year else None,
                month=_shift_date(p.month, shift) if p.month else None,
                period=tuple(_shift_date(d, shift) for d in p.period) if p.period else None,  # type: ignore[arg-type]
                note=_YEAR_IN_TEXT.sub(lambda m: str(int(m.group(1)) + shift), p.note),
            )
        )
    return out


# Generated from the builder (``python manage.py seed_demo --print-manifest --today 2025-06-30``: the main
# program's 2022–2025 cycle); a test proves they agree for other days too.
PLANTED: list[Planted] = [
    Planted(
        program="BZ2016",
        rule="ATTENDANCE_RATE",
        recipient="R34162301",
        staff="620102197410139183",
        team=(2018, 1),
        month=D(2018, 5, 1),
        note="4 days absent: attendance rate under 90 %",
    ),
    Planted(
        program="BZ2016",
        rule="MONTHLY_SCORE",
        recipient="R34162201",
        staff="620102197407089170",
        team=(2017, 2),
        month=D(2017, 9, 1),
        note="monthly assessment score 75 (< 80): 1,000 CNY deducted",
    ),
    Planted(
        program="BZ2016",
        rule="SPOT_CHECKS",
        recipient="R34162101",
        supporter="S3401001",
        team=(2017, 1),
        month=D(2017, 2, 1),
        note="the supporter made only 2 phone spot checks of its team this month",
    ),
    Planted(
        program="GD2019",
        rule="EXPERT_VISITS",
        recipient=None,
        supporter="S4401003",
        year=2020,
        note="3 batches of visiting experts (24 person-times) in the year; 4 required",
    ),
    Planted(
        program="GD2019",
        rule="TEAM_MAX_SIZE",
        recipient="R44162201",
        period=(D(2020, 10, 1), D(2020, 10, 5)),
        note="a member stays 5 days into the next batch: 6 on site",
    ),
    Planted(
        program="GS2022",
        rule="AGREEMENT_SIGNED",
        recipient="R62082201",
        supporter="S6201003",
        note="county government signed on 2022-04-20, after the deadline",
    ),
    Planted(
        program="GS2022",
        rule="AGREEMENT_SIGNED",
        recipient="R62082501",
        supporter="S6208001",
        note="county government never signed",
    ),
    Planted(
        program="GS2022",
        rule="AGREEMENT_ITEMS_OVERDUE",
        recipient="R62092601",
        supporter="S6202001",
        note="the first item of the agreement still delayed long after its due date",
    ),
    Planted(
        program="GS2022",
        rule="ANNUAL_AGREEMENT",
        recipient="R62092201",
        supporter="S6202001",
        year=2023,
        note="2023 annual agreement signed 10 days after the first rotation started",
    ),
    Planted(
        program="GS2022",
        rule="ANNUAL_AGREEMENT",
        recipient="R62092301",
        supporter="S6209001",
        year=2024,
        note="no annual agreement for 2024",
    ),
    Planted(
        program="GS2022",
        rule="COVERAGE_GAP",
        recipient="R62012301",
        period=(D(2024, 4, 11), D(2024, 4, 20)),
        note="10 days with nobody on site",
    ),
    Planted(
        program="GS2022",
        rule="END_APPRAISAL",
        recipient="R62102401",
        staff="620102197208289102",
        team=(2024, 1),
        note="ended deployment without appraisal",
    ),
    Planted(
        program="GS2022",
        rule="END_APPRAISAL",
        recipient="R62102501",
        staff="620102197212039114",
        team=(2024, 1),
        note="appraisal signed 45 days after the end",
    ),
    Planted(
        program="GS2022",
        rule="GRADE_TARGET",
        recipient="R62292701",
        county="622927",
        note="population ~301,000; its only county hospital is still 未定级 at program end",
    ),
    Planted(
        program="GS2022",
        rule="LEADER_MGMT_YEARS",
        recipient="R62052301",
        staff="620102197007149023",
        team=(2023, 1),
        note="leader has 2 years of management experience",
    ),
    Planted(
        program="GS2022",
        rule="LEADER_MIN_STAY",
        recipient="R62072401",
        staff="620102197105019054",
        team=(2023, 1),
        note="leader stayed 9 months",
    ),
    Planted(
        program="GS2022",
        rule="LEADER_POST",
        recipient="R62042101",
        staff="620102197004089010",
        team=(2023, 1),
        note="leader's post is 科室主任",
    ),
    Planted(
        program="GS2022",
        rule="MEMBER_CLINICAL_YEARS",
        recipient="R62052601",
        staff="62010219701019903X",
        team=(2023, 1),
        note="member has 4 years of clinical experience",
    ),
    Planted(
        program="GS2022",
        rule="MEMBER_MIN_STAY",
        recipient="R62072501",
        staff="620102197108069065",
        team=(2023, 1),
        note="member stayed 6 months minus one day",
    ),
    Planted(
        program="GS2022",
        rule="MEMBER_MIN_TITLE",
        recipient="R62062301",
        staff="620102197101249047",
        team=(2022, 2),
        note="member holds 初级 title",
    ),
    Planted(
        program="GS2022",
        rule="NO_DOUBLE_DEPLOYMENT",
        recipient="R62082201",
        staff="620102197303109122",
        team=(2022, 2),
        period=(D(2022, 10, 9), D(2023, 4, 22)),
        note="deployed to R62082401 and listed on a filed roster of R62082201",
    ),
    Planted(
        program="GS2022",
        rule="ONE_LEADER",
        recipient="R62042201",
        period=(D(2024, 5, 9), D(2024, 5, 13)),
        note="no leader on site for 5 days",
    ),
    Planted(
        program="GS2022",
        rule="ONE_LEADER",
        recipient="R62042401",
        period=(D(2024, 5, 9), D(2024, 5, 11)),
        note="two leaders on site for 3 days",
    ),
    Planted(
        program="GS2022",
        rule="RESIDENCY_BASE",
        recipient=None,
        supporter="S6201006",
        year=2024,
        note="residency-training base enrolled no recipient trainee this year",
    ),
    Planted(
        program="GS2022",
        rule="ROSTER_FILED",
        recipient="R62052201",
        supporter="S6201002",
        staff="620102197202169089",
        team=(2023, 2),
        note="roster submitted the day after the deployment started",
    ),
    Planted(
        program="GS2022",
        rule="ROSTER_FILED",
        recipient="R62052201",
        supporter="S6201002",
        staff="620102197205239097",
        team=(2023, 2),
        note="roster submitted the day after the deployment started",
    ),
    Planted(
        program="GS2022",
        rule="ROSTER_FILED",
        recipient="R62082301",
        staff="620102197111119078",
        team=(2024, 2),
        note="deployment on no roster",
    ),
    Planted(
        program="GS2022",
        rule="ROSTER_FILED",
        recipient="R62072101",
        supporter="S1200002",
        staff="620102197306159133",
        team=(2023, 1),
        note="out-of-province roster marked filed without the city's forwarding",
    ),
    Planted(
        program="GS2022",
        rule="ROSTER_FILED",
        recipient="R62072101",
        supporter="S1200002",
        staff="620102197309209140",
        team=(2023, 1),
        note="out-of-province roster marked filed without the city's forwarding",
    ),
    Planted(
        program="GS2022",
        rule="TEAM_MIN_SIZE",
        recipient="R62012201",
        period=(D(2023, 10, 18), D(2024, 4, 3)),
        note="batch 3 under strength: fewer than 5 on site between hand-overs",
    ),
    Planted(
        program="GS2022",
        rule="TEAM_MIN_SIZE",
        recipient="R62012301",
        period=(D(2024, 4, 11), D(2024, 4, 20)),
        note="0 on site during the coverage gap",
        consequence_of="COVERAGE_GAP",
    ),
    Planted(
        program="GS2022",
        rule="TEAM_MIN_SIZE",
        recipient="R62042302",
        period=(D(2023, 10, 18), D(2024, 4, 3)),
        note="batch 3 under strength: fewer than 3 on site between hand-overs",
    ),
    Planted(
        program="GS2022",
        rule="TRAINING_QUOTA",
        recipient="R62102201",
        year=2023,
        note="only 2 recipient staff trained this year",
    ),
    Planted(
        program="GS2022",
        rule="TRAINING_QUOTA",
        recipient="R62102301",
        year=2024,
        note="3 trainees but one is not a clinical backbone doctor or technician",
    ),
]
