"""What a deployed person and a team leader see (issue 19): own deployments, the led teams, their reports.

Every read starts from ``for_user`` (``Scope.person`` / ``Scope.team``); these only narrow it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet

from core.access import User
from core.dates import month_bounds
from core.permissions import is_team_leader, person_staff_id
from teams.choices import DeploymentRole, LeaveStatus, ReportStatus
from teams.models import Deployment, LeaveRequest, MonthlyActivity, Team


def leads_team(user: User, team_id: int) -> bool:
    """The user's account is a team leader's, and that person leads ``team_id``."""
    staff_id = person_staff_id(user)
    return (
        staff_id is not None
        and is_team_leader(user)
        and Deployment.objects.filter(staff_id=staff_id, team_id=team_id, role=DeploymentRole.LEADER).exists()
    )


def led_teams(user: User) -> QuerySet[Team]:
    """The teams the signed-in team leader leads (none for anyone else)."""
    staff_id = person_staff_id(user)
    if staff_id is None or not is_team_leader(user):
        return Team.objects.none()
    return Team.objects.filter(
        Exists(Deployment.objects.filter(team=OuterRef("pk"), staff_id=staff_id, role=DeploymentRole.LEADER))
    )


def team_missing_reports(*, user: User, month: dt.date) -> QuerySet[Deployment]:
    """The led teams' people on site in ``month`` with no report of that month (filed or confirmed)."""
    first, last = month_bounds(month)
    return (
        Deployment.objects.for_user(user)
        .filter(team__in=led_teams(user), period__overlap=(first, last + dt.timedelta(days=1)))
        .exclude(Exists(MonthlyActivity.objects.filter(deployment=OuterRef("pk"), month=first)))
        .select_related("staff")
        .order_by("staff__name", "pk")
    )


def own_deployments(user: User) -> QuerySet[Deployment]:
    """The signed-in person's own deployments, newest first (a leader's team is not included)."""
    staff_id = person_staff_id(user)
    if staff_id is None:
        return Deployment.objects.none()
    return (
        Deployment.objects.for_user(user)
        .filter(staff_id=staff_id)
        .select_related("team__pairing__recipient", "supporter")
        .order_by("-planned_start", "pk")
    )


def own_reports(user: User) -> QuerySet[MonthlyActivity]:
    """The person's own monthly reports and confirmed figures, newest month first."""
    staff_id = person_staff_id(user)
    if staff_id is None:
        return MonthlyActivity.objects.none()
    return (
        MonthlyActivity.objects.for_user(user)
        .filter(deployment__staff_id=staff_id)
        .select_related("deployment__team__pairing__recipient")
        .order_by("-month", "pk")
    )


def team_on_site(*, user: User, day: dt.date) -> QuerySet[Deployment]:
    """Who of the led teams is on site on ``day`` (名单 only: names, role and post)."""
    return (
        Deployment.objects.for_user(user)
        .filter(team__in=led_teams(user), period__contains=day)
        .select_related("staff")
        .order_by("role", "staff__name", "pk")  # "leader" sorts before "member"
    )


def reports_to_review(*, user: User) -> QuerySet[MonthlyActivity]:
    """The led teams' members' filed reports waiting for the leader (their own are not theirs to review)."""
    staff_id = person_staff_id(user)
    if staff_id is None:
        return MonthlyActivity.objects.none()
    return (
        MonthlyActivity.objects.for_user(user)
        .filter(deployment__team__in=led_teams(user), status=ReportStatus.SUBMITTED)
        .exclude(deployment__staff_id=staff_id)
        .select_related("deployment__staff")
        .order_by("month", "deployment__staff__name", "pk")
    )


def reports_to_confirm(*, user: User, recipient_id: int) -> QuerySet[MonthlyActivity]:
    """Reports filed by the people at the recipient, not yet confirmed (shown as their own statement)."""
    return (
        MonthlyActivity.objects.for_user(user)
        .exclude(status=ReportStatus.CONFIRMED)
        .filter(deployment__team__pairing__recipient_id=recipient_id)
        .select_related("deployment__staff", "deployment__supporter", "reviewed_by")
        .order_by("month", "deployment__staff__name", "pk")
    )


def own_leave(user: User) -> QuerySet[LeaveRequest]:
    staff_id = person_staff_id(user)
    if staff_id is None:
        return LeaveRequest.objects.none()
    return (
        LeaveRequest.objects.for_user(user)
        .filter(deployment__staff_id=staff_id)
        .select_related("deployment__team__pairing__recipient")
        .order_by("-start_date", "pk")
    )


def team_leave(*, user: User, since: dt.date) -> QuerySet[LeaveRequest]:
    """The led teams' leave from ``since`` on (all statuses: the leader sees who is away and who asks)."""
    return (
        LeaveRequest.objects.for_user(user)
        .filter(deployment__team__in=led_teams(user), end_date__gte=since)
        .select_related("deployment__staff")
        .order_by("start_date", "deployment__staff__name", "pk")
    )


def leave_to_decide(*, user: User, recipient_id: int) -> QuerySet[LeaveRequest]:
    """Leave the leaders approved, waiting for the recipient's coordinator."""
    return (
        LeaveRequest.objects.for_user(user)
        .filter(deployment__team__pairing__recipient_id=recipient_id, status=LeaveStatus.LEADER_APPROVED)
        .select_related("deployment__staff", "deployment__supporter", "leader_by")
        .order_by("start_date", "pk")
    )
