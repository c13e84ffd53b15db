"""Reads of the registry and pairings, always scoped through ``for_user``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from assessments.choices import FindingStatus
from assessments.models import Finding
from core.access import User
from core.charts import TimelineBar, TimelineSpan
from pairings.choices import HospitalKind
from pairings.models import Agreement, Hospital, Pairing, PairingSupporter, Program
from teams.models import Deployment, Team
from teams.selectors.deployments import headcount_intervals


def program_list(*, user: User) -> QuerySet[Program]:
    return Program.objects.for_user(user).select_related("province")


def _open_findings_count() -> Subquery:

    rows = (
        Finding.objects.filter(pairing=OuterRef("pk"), status=FindingStatus.OPEN)
        .order_by()
        .values("pairing")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(rows, output_field=IntegerField())


def pairing_list(*, user: User, program: Program | None = None) -> QuerySet[Pairing]:
    """Visible pairings with recipient, county, city, lead supporter and open findings, in one query."""
    qs = Pairing.objects.for_user(user).select_related("program", "recipient__county__city")
    if program is not None:
        qs = qs.filter(program=program)
    lead = PairingSupporter.objects.filter(pairing=OuterRef("pk"), is_lead=True)
    supporters = (
        PairingSupporter.objects.filter(pairing=OuterRef("pk"))
        .order_by()
        .values("pairing")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Correlated subqueries instead of JOIN + GROUP BY: the filters (search over supporters) stay semi-joins.
    return qs.annotate(
        supporter_count=Coalesce(Subquery(supporters, output_field=IntegerField()), Value(0)),
        has_lead=Exists(lead),
        lead_name=Subquery(lead.values("hospital__name")[:1]),
        open_findings=Coalesce(_open_findings_count(), Value(0)),
    ).order_by("program__code", "recipient__code", "pk")


def pairing_filter_base(*, user: User) -> QuerySet[Pairing]:
    """What the list page filters and paginates: visible pairings in list order, without the per-row figures.

    PostgreSQL computes SELECT-list subqueries below a Sort, i.e. for every matching row before LIMIT; the
    page therefore paginates bare ids and annotates only the page's rows (``pairing_rows``).
    """
    return Pairing.objects.for_user(user).order_by("program__code", "recipient__code", "pk")


def pairing_rows(*, user: User, pks: list[int]) -> list[Pairing]:
    """The annotated rows of ``pairing_list`` for these ids, in the order given (one query)."""
    if not pks:
        return []
    by_pk = {p.pk: p for p in pairing_list(user=user).filter(pk__in=pks)}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def pairing_status_counts(*, user: User) -> dict[str, int]:
    rows = Pairing.objects.for_user(user).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def hospital_list(*, user: User) -> QuerySet[Hospital]:
    return Hospital.objects.for_user(user).select_related("city", "county").order_by("role", "code")


def pairing_for_user(*, user: User, pk: int) -> Pairing:
    """The pairing if the user may see it; 404 for both "missing" and "not yours"."""
    return get_object_or_404(
        Pairing.objects.for_user(user).select_related("program", "recipient__county__city"), pk=pk
    )


@dataclasses.dataclass
class PairingDetail:
    pairing: Pairing
    supporters: list[PairingSupporter]
    agreements: list[Agreement]
    teams: list[Any]
    open_findings: list[Any]
    year: int
    years: list[int]
    timeline: Timeline


@dataclasses.dataclass
class Timeline:
    date_from: dt.date
    date_to: dt.date
    bars: list[TimelineBar]
    spans: list[TimelineSpan]
    minimum: int | None

    @property
    def gaps(self) -> list[TimelineSpan]:
        return [s for s in self.spans if s.on_site == 0]

    @property
    def under_strength(self) -> list[TimelineSpan]:
        return [s for s in self.spans if self.minimum is not None and 0 < s.on_site < self.minimum]

    @property
    def leader_issues(self) -> list[TimelineSpan]:
        return [s for s in self.spans if s.on_site > 0 and s.leaders != 1]


def pairing_years(pairing: Pairing) -> list[int]:
    return list(range(pairing.service_start.year, pairing.service_end.year + 1))


def default_year(pairing: Pairing, today: dt.date) -> int:
    """The year of ``today`` when the service period covers it, else the nearest year of the period."""
    return min(max(today.year, pairing.service_start.year), pairing.service_end.year)


def pairing_detail(*, user: User, pk: int, year: int | None, today: dt.date) -> PairingDetail:
    """Everything the pairing page shows, in a fixed number of queries whatever the number of teams."""

    pairing = pairing_for_user(user=user, pk=pk)
    years = pairing_years(pairing)
    if year not in years:
        year = default_year(pairing, today)
    supporters = list(pairing.supporters.select_related("hospital").order_by("-is_lead", "hospital__code"))
    agreements = list(
        Agreement.objects.for_user(user)
        .filter(pairing=pairing)
        .select_related("supporter")
        .prefetch_related("items")
        .order_by("kind", "year", "pk")
    )
    deployments = Deployment.objects.select_related("staff", "supporter").order_by(
        "role", "planned_start", "pk"
    )
    teams = list(
        Team.objects.for_user(user)
        .filter(pairing=pairing, year=year)
        .select_related("pairing__recipient")  # Team.__str__ names the recipient
        .prefetch_related(Prefetch("deployments", queryset=deployments))
        .order_by("rotation")
    )
    open_findings = list(
        Finding.objects.for_user(user)
        .filter(pairing=pairing, status=FindingStatus.OPEN)
        .order_by("rule_code", "period_start", "pk")[:100]
    )
    return PairingDetail(
        pairing=pairing,
        supporters=supporters,
        agreements=agreements,
        teams=teams,
        open_findings=open_findings,
        year=year,
        years=years,
        timeline=pairing_timeline(user=user, pairing=pairing, year=year),
    )


def pairing_timeline(*, user: User, pairing: Pairing, year: int) -> Timeline:
    """Deployments of the year as bars plus the shared head-count intervals (teams.selectors)."""

    date_from = max(dt.date(year, 1, 1), pairing.service_start)
    date_to = min(dt.date(year, 12, 31), pairing.service_end)
    rows = (
        Deployment.objects.for_user(user)
        .filter(team__pairing=pairing, period__overlap=(date_from, date_to + dt.timedelta(days=1)))
        .select_related("staff")
        .order_by("role", "planned_start", "pk")
    )
    bars = [
        TimelineBar(
            label=d.staff.name,
            start=max(d.start, date_from),
            end=min(d.end, date_to),
            is_leader=d.role == "leader",
            detail=d.get_post_display(),
        )
        for d in rows
    ]
    spans = [
        TimelineSpan(iv.start, iv.end, iv.on_site, iv.leaders)
        for iv in headcount_intervals(pairing_ids=[pairing.pk], date_from=date_from, date_to=date_to)
    ]
    minimum = pairing.program.rules.team_min_for(is_tcm=pairing.recipient.kind == HospitalKind.TCM)
    return Timeline(date_from=date_from, date_to=date_to, bars=bars, spans=spans, minimum=minimum)


def minimum_team_sizes(pairing_ids: list[int]) -> dict[int, int | None]:
    """TEAM_MIN_SIZE per pairing (TCM variant for TCM recipients), in two queries."""
    rows = list(Pairing.objects.filter(pk__in=pairing_ids).values_list("pk", "program_id", "recipient__kind"))
    program_ids = {program_id for _pk, program_id, _kind in rows}
    rules = {p.pk: p.rules for p in Program.objects.filter(pk__in=program_ids)} if program_ids else {}
    return {
        pk: rules[program_id].team_min_for(is_tcm=kind == HospitalKind.TCM) for pk, program_id, kind in rows
    }
