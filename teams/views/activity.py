"""Pages of the monthly workload (月度工作量): the month's list and export, entry by form, and the Excel
import through the roster import's machinery (ImportJob → preview → error file → confirm all or nothing).

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
from core.uploads import UploadError
from pairings.models import Hospital
from teams.forms import ActivityForm, UploadForm
from teams.models import Deployment, ImportJob, ImportKind, MonthlyActivity
from teams.resources import activities_workbook, activity_template
from teams.services import activity as svc
from teams.views.rosters import _page, _xlsx


def _month(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat((request.GET.get("month") or "")[:7] + "-01")
    except ValueError:
        return (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _own_recipient(request: HttpRequest) -> Hospital:
    hospital_id = own_hospital_id(request.user, Role.RECIPIENT_COORDINATOR)
    if hospital_id is None:
        raise PermissionDenied
    return Hospital.objects.get(pk=hospital_id)


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """The month's workload the user may see; for the recipient's coordinator also everyone on site that
    month (with or without figures). ``?export=xlsx`` exports the month's rows."""
    month = _month(request)
    activities = (
        MonthlyActivity.objects.for_user(request.user)
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
            .exclude(Exists(MonthlyActivity.objects.filter(deployment=OuterRef("pk"), month=month)))
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


@login_required
def activity_template_download(request: HttpRequest) -> HttpResponse:
    return _xlsx(activity_template(), "activity-template.xlsx")


@login_required
def activity_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: the upload is kept as an ImportJob and previewed (nothing else is saved)."""
    hospital = _own_recipient(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = svc.activity_preview(user=request.user, hospital=hospital, f=upload, name=upload.name)
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            upload.seek(0)
            job = ImportJob(
                kind=ImportKind.ACTIVITY,
                hospital=hospital,
                created_by=request.user,
                original_name=upload.name[:200],
                counts=preview.counts(),
            )
            job.file.save(upload.name[:100], upload, save=True)
            return redirect("teams:activity_preview", pk=job.pk)
    return render(request, "teams/activity_upload.html", {"form": form})


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.for_user(request.user).filter(kind=ImportKind.ACTIVITY).select_related("hospital"),
        pk=pk,
    )


@login_required
def activity_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: each row new / changed / unchanged / error; confirming is one transaction."""
    job = _job(request, pk)
    if request.method == "POST" and not svc.may_record_activity(request.user, job.hospital_id):
        raise PermissionDenied
    with job.file.open("rb") as fh:
        try:
            preview = svc.activity_preview(
                user=request.user if request.method == "POST" else None,
                hospital=job.hospital,
                f=fh,
                name=job.original_name,
                apply=request.method == "POST",
            )
        except UploadError as exc:
            messages.error(request, str(exc))
            return redirect("teams:activity_upload")
    if request.method == "POST":
        if preview.applied:
            messages.success(request, _("工作量已导入 %(n)d 行。") % {"n": len(preview.rows)})
            month = min(r.values["month"] for r in preview.rows)
            return redirect(f"{reverse('teams:activity_list')}?month={month:%Y-%m}")
        messages.error(request, _("文件有错误，未导入任何数据。"))
    return render(request, "teams/activity_preview.html", {"job": job, "preview": preview})


@login_required
def activity_error_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    with job.file.open("rb") as fh:
        data = svc.activity_error_file(hospital=job.hospital, f=fh, name=job.original_name)
    return _xlsx(data, "activity-errors.xlsx")
