"""Reads of rosters, imports and the unmatched DingTalk queue; every list is scoped through ``for_user``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User, get_membership, is_global
from core.roles import Role
from pairings.choices import HospitalOrigin
from teams.choices import DeploymentRole, RosterStatus
from teams.models import AttendancePunch, Deployment, ImportJob, Roster, RosterEntry, Staff


def roster_list(*, user: User) -> QuerySet[Roster]:
    return (
        Roster.objects.for_user(user)
        .select_related("team__pairing__recipient", "team__pairing__program", "supporter")
        .annotate(entry_count=Count("entries"))
        .order_by("-team__year", "team__pairing__recipient__code", "supporter__code", "-version")
    )


def roster_queue(*, user: User) -> QuerySet[Roster]:
    """The commission's filing queue: what this user can act on next.

    Province staff see every roster waiting in their province, each annotated with its stage
    (``awaiting_city``: 待市州汇总, else 待省级备案) — an out-of-province roster waiting for a city that has
    no user must not be invisible to the province, which can take it over (``roster_take_over``). City staff
    see their city's submitted out-of-province rosters (to forward).
    """
    other = Q(supporter__origin=HospitalOrigin.OTHER_PROVINCE)
    qs = roster_list(user=user).annotate(
        awaiting_city=ExpressionWrapper(other & Q(status=RosterStatus.SUBMITTED), output_field=BooleanField())
    )
    m = get_membership(user)
    if is_global(user) or (m is not None and m.role == Role.PROVINCE_STAFF):
        return qs.filter(status__in=[RosterStatus.SUBMITTED, RosterStatus.FORWARDED])
    if m is not None and m.role == Role.CITY_STAFF:
        return qs.filter(other, status=RosterStatus.SUBMITTED)
    return qs.none()


def get_roster_for_user(*, user: User, pk: int) -> Roster:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Roster.objects.for_user(user).select_related(
            "team__pairing__recipient__city", "team__pairing__program", "supporter", "previous"
        ),
        pk=pk,
    )


def carried_over_leaders(roster: Roster) -> QuerySet[Deployment]:
    """Leaders of this supporter on an earlier batch of the pairing who are still on site in this one.

    The demo's (and Gansu's) leaders serve 12 months across two half-year member batches: the second batch's
    roster names no leader because its leader already has a deployment (one stay, SPEC §3a). That leader
    counts for the batch; listing them again would double-book them.
    """
    team = roster.team
    return (
        Deployment.objects.filter(
            team__pairing_id=team.pairing_id,
            supporter_id=roster.supporter_id,
            role=DeploymentRole.LEADER,
            team__start_date__lt=team.start_date,
            period__overlap=DateRange(team.start_date, team.end_date, "[]"),
        )
        .exclude(team=team)
        .select_related("staff", "team")
        .order_by("planned_start")
    )


def roster_entries(roster: Roster) -> QuerySet[RosterEntry]:
    return roster.entries.select_related("staff").order_by("-role", "planned_start", "staff__name")


@dataclasses.dataclass
class EntryChange:
    staff: Staff
    kind: str  # added / removed / changed
    before: RosterEntry | None
    after: RosterEntry | None
    fields: list[str]


_DIFF_FIELDS = ("role", "post", "planned_start", "planned_end")


def roster_diff(old: Roster | None, new: Roster) -> list[EntryChange]:
    """Entries added, removed and changed between a roster and its previous version (two queries)."""
    before = {e.staff_id: e for e in roster_entries(old)} if old else {}
    after = {e.staff_id: e for e in roster_entries(new)}
    changes: list[EntryChange] = []
    for sid, e in after.items():
        o = before.get(sid)
        if o is None:
            changes.append(EntryChange(e.staff, "added", None, e, []))
            continue
        diff = [f for f in _DIFF_FIELDS if getattr(o, f) != getattr(e, f)]
        if diff:
            changes.append(EntryChange(e.staff, "changed", o, e, diff))
    for sid, o in before.items():
        if sid not in after:
            changes.append(EntryChange(o.staff, "removed", o, None, []))
    return changes


@dataclasses.dataclass
class DeadlineWarning:
    label: str
    deadline: dt.date
    late: bool
    filed: bool = False


def roster_deadlines(roster: Roster, *, today: dt.date | None = None) -> list[DeadlineWarning]:
    """The program's roster deadline and the rotation start; late when submitted (or still not) after them.

    Lateness judges the supporter's submission (SPEC revision: ROSTER_FILED), never the commission's filing
    date, and only the first version: a later version is a change during the rotation, which starts after
    the rotation did by nature. A filed roster is done — never "overdue" (已逾期); one submitted late says
    so (``filed``: the template shows 逾期提交 instead).
    """
    if roster.version != 1:
        return []
    filed = roster.status == RosterStatus.FILED
    if roster.submitted_at:
        when = timezone.localdate(roster.submitted_at)
    elif filed:
        return []  # filed without a recorded submission (older data): nothing to judge
    else:
        when = today or timezone.localdate()
    out = []
    deadline = roster.team.pairing.program.roster_deadline
    if deadline:
        out.append(DeadlineWarning(_("项目名单备案截止"), deadline, when > deadline, filed))
    start = roster.team.start_date
    out.append(DeadlineWarning(_("轮换开始前（本批次开始）"), start, when >= start, filed))
    return out


def import_jobs(*, user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.for_user(user).select_related("hospital", "created_by")


def unmatched_queue(*, user: User) -> QuerySet[Any]:
    """Unmatched DingTalk user ids per hospital, with their punch counts and date range (one query)."""
    return (
        AttendancePunch.objects.for_user(user)
        .filter(staff__isnull=True)
        .values("hospital_id", "hospital__name", "userid")
        .annotate(punches=Count("id"), first=Min("work_date"), last=Max("work_date"), name=Max("name"))
        .order_by("hospital__name", "userid")
    )


def assignable_staff(*, user: User, hospital_id: int) -> QuerySet[Staff]:
    """People deployed to ``hospital_id`` that the user can see: the choices for an unmatched id."""
    return (
        Staff.objects.for_user(user)
        .filter(deployments__team__pairing__recipient_id=hospital_id)
        .distinct()
        .order_by("name")
    )
