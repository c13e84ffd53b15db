"""Pages of the monthly workload (月度工作量): the month's list and export and entry by form; the Excel
import is served by the shared import pages (core.imports, registered in teams/imports.py).

Thin: reads scoped with ``for_user`` (a foreign object is a 404), writes through teams.services.activity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.permissions import own_hospital_id
from core.roles import Role
from teams.forms import ActivityForm
from teams.models import Deployment, MonthlyActivity
from teams.resources import activities_workbook
from teams.services import activity as svc
from teams.views.rosters import _page, _xlsx


def _month(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat((request.GET.get("month") or "")[:7] + "-01")
    except ValueError:
        return (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """The month's workload the user may see; for the recipient's coordinator also everyone on site that
    month (with or without figures). ``?export=xlsx`` exports the month's rows."""
    month = _month(request)
    activities = (
        MonthlyActivity.objects.for_user(request.user)
        .confirmed()
        .filter(month=month)
        .select_related("deployment__staff", "deployment__supporter", "deployment__team__pairing__recipient")
        .order_by("deployment__team__pairing__recipient__name", "deployment__staff__name", "pk")
    )
    if request.GET.get("export") == "xlsx":
        return _xlsx(activities_workbook(activities), f"activity-{month:%Y-%m}.xlsx")
    missing = None
    if own_hospital_id(request.user, Role.RECIPIENT_COORDINATOR) is not None:
        month_end = (month + dt.timedelta(days=32)).replace(day=1)
        missing = (
            Deployment.objects.for_user(request.user)
            .filter(period__overlap=(month, month_end))
            .exclude(
                Exists(MonthlyActivity.objects.confirmed().filter(deployment=OuterRef("pk"), month=month))
            )
            .select_related("staff", "supporter")
            .order_by("staff__name", "pk")[:200]
        )
    return render(
        request,
        "teams/activity_list.html",
        {"month": month, "page": _page(request, activities), "missing": missing},
    )


@login_required
def activity_entry(request: HttpRequest, deployment_id: int) -> HttpResponse:
    deployment = get_object_or_404(
        Deployment.objects.for_user(request.user).select_related("staff", "team__pairing"), pk=deployment_id
    )
    month = _month(request)
    existing = MonthlyActivity.objects.filter(deployment=deployment, month=month).first()
    initial: dict[str, Any] = {"month": month}
    if existing is not None:
        initial.update({k: getattr(existing, k) for k in svc.FIGURES})
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not svc.may_record_activity(request.user, deployment.team.pairing.recipient_id):
            raise PermissionDenied
        if form.is_valid():
            try:
                svc.activity_record(
                    user=request.user,
                    deployment=deployment,
                    month=form.cleaned_data["month"],
                    figures=form.figures(),
                )
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, _("工作量已保存。"))
                return redirect(f"{reverse('teams:activity_list')}?month={form.cleaned_data['month']:%Y-%m}")
    return render(request, "teams/activity_form.html", {"deployment": deployment, "form": form})
