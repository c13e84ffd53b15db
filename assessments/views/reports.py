"""Report pages: request a build, watch its progress (polling fragment), download. Province staff only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.choices import JobStatus
from assessments.forms import ReportRequestForm
from assessments.models import ReportFile
from assessments.services.reports import CONTENT_TYPES, EXTENSIONS, can_request_reports, report_request
from core.files import file_response
from core.permissions import is_province_staff
from pairings.models import Program


def _reports(user: Any) -> Any:
    """Reports the user may see: ``for_user`` scoping, then commission staff only (the dashboard API role
    shares the province scope but does not download report files)."""
    if not is_province_staff(user):
        return ReportFile.objects.none()
    return ReportFile.objects.for_user(user)


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = _reports(request.user).select_related("program", "requested_by").order_by("-created_at", "-pk")
    programs = [
        p
        for p in Program.objects.for_user(request.user).order_by("-start_date")
        if can_request_reports(request.user, p)
    ]
    return render(
        request,
        "assessments/reports/report_list.html",
        {
            "page": Paginator(reports, 50).get_page(request.GET.get("page")),
            "programs": programs,
            "form": ReportRequestForm(),
        },
    )


@login_required
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择项目、报告类型和年度。"))
        return redirect("assessments:report_list")
    program = get_object_or_404(Program.objects.for_user(request.user), pk=form.cleaned_data["program"])
    try:
        report = report_request(
            user=request.user, program=program, kind=form.cleaned_data["kind"], year=form.cleaned_data["year"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("assessments:report_list")
    messages.success(request, _("报告 #%(pk)d 已加入生成队列。") % {"pk": report.pk})
    return redirect("assessments:report_list")


@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the list polls while a build is queued or running."""
    report = get_object_or_404(_reports(request.user), pk=pk)
    return render(request, "assessments/reports/_status.html", {"r": report})


@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = get_object_or_404(_reports(request.user).select_related("program"), pk=pk)
    if report.status != JobStatus.SUCCEEDED or not report.file:
        raise Http404
    ext = EXTENSIONS[report.kind]
    filename = f"{report.program.code}-{report.year or 'all'}-{report.get_kind_display()}.{ext}"
    return file_response(report.file, filename=filename, content_type=CONTENT_TYPES[ext])


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_create, name="report_create"),
    path("reports/<int:pk>/status/", report_status, name="report_status"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
]
