"""The deployed person's home (我的, issue 19): own deployments with this month's attendance, own monthly
reports (confirmed figures apart from the person's own statements), certificates; a leader's team link.

It combines teams (deployments, attendance, reports) and assessments (certificates), hence the web floor.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from assessments.models import Certificate
from core.dates import month_start
from core.permissions import person_staff_id
from teams.choices import ReportStatus
from teams.selectors import people
from teams.selectors.attendance import monthly_attendance


@login_required
def me_home(request: HttpRequest) -> HttpResponse:
    if person_staff_id(request.user) is None:
        raise PermissionDenied
    month = month_start(timezone.localdate())
    deployments = list(people.own_deployments(request.user))
    attendance = {
        r.deployment_id: r
        for r in monthly_attendance(
            deployment_ids=[d.pk for d in deployments], month_from=month, month_to=month
        )
    }
    for d in deployments:
        d.month_attendance = attendance.get(d.pk)  # type: ignore[attr-defined]
    reports = list(people.own_reports(request.user)[:24])
    certificates = list(
        Certificate.objects.for_user(request.user)
        .select_related("appraisal__deployment__team__pairing__recipient")
        .order_by("-issued_on", "pk")
    )
    return render(
        request,
        "web/me_home.html",
        {
            "month": month,
            "today": timezone.localdate(),
            "deployments": deployments,
            "current": [d for d in deployments if d.start <= timezone.localdate() <= d.end],
            "reports": reports,
            "confirmed_status": ReportStatus.CONFIRMED,
            "certificates": certificates,
            "leads": people.led_teams(request.user).exists(),
        },
    )
