"""Reads for the home page of each role: the program's state at a glance, a supporter's to-do list, a
recipient's day. Every read goes through ``for_user``; every figure is a set-based query (the number of
queries does not grow with the number of pairings, teams or deployments shown).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from assessments.choices import FindingStatus
from assessments.models import Finding, MonthlyAssessment
from core.access import User, get_membership
from core.dates import is_working_day, month_bounds
from pairings.choices import PairingStatus
from pairings.models import Pairing, Program
from pairings.selectors.workdays import working_day_corrections
from teams.choices import AttendanceStatus, RosterStatus
from teams.models import AttendanceRecord, Deployment, Roster, Team
from teams.selectors.deployments import coverage_summaries, headcount_intervals
from training.selectors.quota import quota_progress
from web.selectors.pairings import minimum_team_sizes

DAY = dt.timedelta(days=1)


def previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    return month_bounds(day.replace(day=1) - DAY)


# --- commission staff ------------------------------------------------------------------------------------


@dataclasses.dataclass
class FindingRow:
    rule_code: str
    critical: int = 0
    major: int = 0
    minor: int = 0

    @property
    def total(self) -> int:
        return self.critical + self.major + self.minor


@dataclasses.dataclass
class CoverageOverview:
    month_start: dt.date
    month_end: dt.date
    pairings: int = 0
    period_days: int = 0
    covered_days: int = 0
    full_strength_days: int = 0
    with_gaps: list[tuple[Pairing, int]] = dataclasses.field(default_factory=list)
    with_gaps_count: int = 0
    under_strength_count: int = 0


@dataclasses.dataclass
class TrainingRow:
    pairing: Pairing
    trained: int
    quota: int


@dataclasses.dataclass
class TrainingOverview:
    year: int
    pairings: int = 0
    met: int = 0
    trained: int = 0
    required: int = 0
    behind: list[TrainingRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class CommissionDashboard:
    as_of: dt.date
    status_counts: list[tuple[str, Any, int]]  # (value, label, count)
    findings: list[FindingRow]
    open_findings: int
    coverage: CoverageOverview
    rosters_awaiting: list[Any]
    rosters_awaiting_count: int
    training: TrainingOverview


def commission_dashboard(*, user: User, as_of: dt.date) -> CommissionDashboard:
    """The program's state at a glance for province, city and county staff (SPEC §6)."""

    status_rows = dict(
        Pairing.objects.for_user(user).order_by().values_list("status").annotate(n=Count("pk"))
    )
    status_counts = [(value, label, status_rows.get(value, 0)) for value, label in PairingStatus.choices]
    findings = open_findings_by_rule(user=user)
    awaiting = (
        Roster.objects.for_user(user)
        .filter(status__in=[RosterStatus.SUBMITTED, RosterStatus.FORWARDED])
        .select_related("team__pairing__recipient", "supporter")
        .annotate(entry_count=Count("entries"))
        .order_by("submitted_at", "pk")
    )
    awaiting_rows = list(awaiting[:10])
    awaiting_count = len(awaiting_rows) if len(awaiting_rows) < 10 else awaiting.count()
    return CommissionDashboard(
        as_of=as_of,
        status_counts=status_counts,
        findings=findings,
        open_findings=sum(r.total for r in findings),
        coverage=coverage_overview(user=user, as_of=as_of),
        rosters_awaiting=awaiting_rows,
        rosters_awaiting_count=awaiting_count,
        training=training_overview(user=user, year=as_of.year),
    )


def open_findings_by_rule(*, user: User) -> list[FindingRow]:
    """Open findings per rule code and severity, most frequent rule first (one GROUP BY)."""

    rows = (
        Finding.objects.for_user(user)
        .filter(status=FindingStatus.OPEN)
        .order_by()
        .values_list("rule_code", "severity")
        .annotate(n=Count("pk"))
    )
    by_rule: dict[str, FindingRow] = {}
    for rule_code, severity, n in rows:
        row = by_rule.setdefault(rule_code, FindingRow(rule_code))
        if severity in ("critical", "major", "minor"):
            setattr(row, severity, getattr(row, severity) + n)
    return sorted(by_rule.values(), key=lambda r: (-r.total, r.rule_code))


def _active_pairings(user: User, date_from: dt.date, date_to: dt.date) -> QuerySet[Pairing]:
    return Pairing.objects.for_user(user).filter(
        status=PairingStatus.ACTIVE, service_start__lte=date_to, service_end__gte=date_from
    )


def coverage_overview(*, user: User, as_of: dt.date) -> CoverageOverview:
    """People on site this month against TEAM_MIN_SIZE / COVERAGE_GAP (shared head-count intervals)."""

    start, end = month_bounds(as_of)
    out = CoverageOverview(month_start=start, month_end=end)
    ids = list(_active_pairings(user, start, end).values_list("pk", flat=True))
    if not ids:
        return out
    intervals = headcount_intervals(pairing_ids=ids, date_from=start, date_to=end)
    summaries = coverage_summaries(intervals, minimum_for=minimum_team_sizes(ids))
    out.pairings = len(summaries)
    gap_days: dict[int, int] = {}
    for s in summaries.values():
        out.period_days += s.period_days
        out.covered_days += s.covered_days
        out.full_strength_days += s.full_strength_days
        if s.gaps:
            gap_days[s.pairing_id] = sum((b - a).days + 1 for a, b in s.gaps)
        if s.full_strength_days < s.period_days:
            out.under_strength_count += 1
    out.with_gaps_count = len(gap_days)
    worst = sorted(gap_days, key=lambda pk: (-gap_days[pk], pk))[:10]
    pairings = Pairing.objects.filter(pk__in=worst).select_related("recipient__county")
    by_pk = {p.pk: p for p in pairings} if worst else {}
    out.with_gaps = [(by_pk[pk], gap_days[pk]) for pk in worst if pk in by_pk]
    return out


def training_overview(*, user: User, year: int) -> TrainingOverview:
    """TRAINING_QUOTA progress in ``year``, by the quota's one definition (``training/selectors/quota.py``):
    the stints that count for the rule (accepted, free, long enough, backbone where the preset says) against
    the year's quota, pro-rated for a partial year where the preset says. A quota over the whole program shows
    the program's progress. One query per program in scope.
    """

    out = TrainingOverview(year=year)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    pairings = [
        p
        for p in _active_pairings(user, start, end).select_related("program", "recipient__county")
        if p.program.rules.training_quota
    ]
    progress = quota_progress(pairings=pairings, as_of=end + dt.timedelta(days=1))
    rows: list[TrainingRow] = []
    for p in pairings:
        period = next((q for q in progress[p.pk] if q.year in (year, None)), None)
        if period is not None:
            rows.append(TrainingRow(p, period.trained, period.required))
    out.pairings = len(rows)
    out.met = sum(1 for r in rows if r.trained >= r.quota)
    out.trained = sum(r.trained for r in rows)
    out.required = sum(r.quota for r in rows)
    out.behind = sorted((r for r in rows if r.trained < r.quota), key=lambda r: (r.trained, r.pairing.pk))[
        :10
    ]
    return out


# --- supporter coordinator -------------------------------------------------------------------------------


@dataclasses.dataclass
class Deadline:
    date: dt.date
    label: str
    kind: str

    def days_left(self, today: dt.date) -> int:
        return (self.date - today).days


@dataclasses.dataclass
class SupporterDashboard:
    as_of: dt.date
    teams: list[Any]
    to_submit: list[Any]
    deadlines: list[Deadline]


def supporter_dashboard(*, user: User, as_of: dt.date) -> SupporterDashboard:
    """A supporter's current and coming teams, the rosters it has still to submit, its deadlines."""
    from django.utils.translation import gettext as _

    membership = get_membership(user)
    hospital_id = membership.hospital_id if membership else None
    latest_roster = Roster.objects.filter(team=OuterRef("pk"), supporter_id=hospital_id).order_by("-version")
    teams = list(
        Team.objects.for_user(user)
        .filter(end_date__gte=as_of)
        .select_related("pairing__recipient", "pairing__program")
        .annotate(
            my_deployments=Count("deployments", filter=Q(deployments__supporter_id=hospital_id)),
            roster_status=Subquery(latest_roster.values("status")[:1]),
            roster_id=Subquery(latest_roster.values("pk")[:1]),
        )
        .order_by("start_date", "pk")[:30]
    )
    pending = {None, RosterStatus.DRAFT, RosterStatus.RETURNED}
    to_submit = [t for t in teams if t.roster_status in pending]
    deadlines: list[Deadline] = []
    for program in Program.objects.for_user(user).filter(roster_deadline__gte=as_of):
        assert program.roster_deadline is not None  # the filter guarantees it
        deadlines.append(
            Deadline(program.roster_deadline, _("%(p)s 人员名单备案截止") % {"p": program.name}, "program")
        )
    for team in teams:
        if team.start_date >= as_of:
            deadlines.append(
                Deadline(team.start_date, _("%(t)s 轮换开始（名单须先备案）") % {"t": team}, "team")
            )
    deadlines.sort(key=lambda d: d.date)
    return SupporterDashboard(as_of=as_of, teams=teams, to_submit=to_submit, deadlines=deadlines[:12])


# --- recipient coordinator -------------------------------------------------------------------------------


@dataclasses.dataclass
class AttendanceDay:
    date: dt.date
    on_site: int
    counts: dict[str, int]
    cells: list[int] = dataclasses.field(default_factory=list)  # counts in the order of the shown statuses
    workday: bool = True  # core.dates: a weekend or public holiday is not a day anyone is missing

    @property
    def recorded(self) -> int:
        return sum(self.counts.values())

    @property
    def missing(self) -> int:
        return max(self.on_site - self.recorded, 0) if self.workday else 0


@dataclasses.dataclass
class RecipientDashboard:
    as_of: dt.date
    on_site: list[Any]
    month_start: dt.date
    assessments_due: list[Any]
    assessments_due_count: int
    attendance: list[AttendanceDay]
    attendance_statuses: list[tuple[str, Any]]


def recipient_dashboard(*, user: User, as_of: dt.date) -> RecipientDashboard:
    """Who is on site today, last month's monthly assessments still to do, and the last week's attendance."""

    deployments = Deployment.objects.for_user(user).select_related("staff", "supporter", "team")
    # "leader" sorts before "member": the leader heads the list.
    on_site = list(deployments.filter(period__contains=as_of).order_by("role", "staff__name", "pk")[:100])

    lm_start, lm_end = previous_month(as_of)
    assessed = MonthlyAssessment.objects.filter(deployment=OuterRef("pk"), month=lm_start)
    due = (
        deployments.filter(period__overlap=(lm_start, lm_end + DAY))
        .exclude(Exists(assessed))
        .order_by("staff__name", "pk")
    )
    due_rows = list(due[:50])
    due_count = len(due_rows) if len(due_rows) < 50 else due.count()

    week_start = as_of - 6 * DAY
    counts: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for day, status, n in (
        AttendanceRecord.objects.for_user(user)
        .filter(date__gte=week_start, date__lte=as_of)
        .order_by()
        .values_list("date", "status")
        .annotate(n=Count("pk"))
    ):
        counts[day][status] = n
    pairing_rows = list(Pairing.objects.for_user(user).values_list("pk", "program__province_id"))
    pairing_ids = [pk for pk, _prov in pairing_rows]
    provinces = {prov for _pk, prov in pairing_rows}
    corrections = working_day_corrections(
        province_id=provinces.pop() if len(provinces) == 1 else None, date_from=week_start, date_to=as_of
    )
    per_day: dict[dt.date, int] = defaultdict(int)
    if pairing_ids:
        for iv in headcount_intervals(pairing_ids=pairing_ids, date_from=week_start, date_to=as_of):
            day = iv.start
            while day <= iv.end:
                per_day[day] += iv.on_site
                day += DAY
    statuses = [
        (s.value, s.label)
        for s in (
            AttendanceStatus.PRESENT,
            AttendanceStatus.LATE,
            AttendanceStatus.EARLY_LEAVE,
            AttendanceStatus.MISSING_PUNCH,
            AttendanceStatus.ABSENT,
            AttendanceStatus.LEAVE,
        )
    ]
    days = [as_of - i * DAY for i in range(7)]
    attendance = [
        AttendanceDay(
            d,
            per_day.get(d, 0),
            counts.get(d, {}),
            [counts.get(d, {}).get(v, 0) for v, _l in statuses],
            workday=is_working_day(d, corrections),
        )
        for d in days
    ]
    return RecipientDashboard(
        as_of=as_of,
        on_site=on_site,
        month_start=lm_start,
        assessments_due=due_rows,
        assessments_due_count=due_count,
        attendance=attendance,
        attendance_statuses=statuses,
    )
