"""Report pages: request a build, watch its progress (polling fragment), download.

Province staff build the province's reports (and any city's or county's); city and county staff build and
read the reports of their own area (issue 14 item 6). Another area's report is a 404.
"""

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

from assessments.choices import JobStatus, ReportKind
from assessments.forms import ReportRequestForm
from assessments.models import ReportFile
from assessments.selectors.reports import report_areas
from assessments.services.reports import AREA_KINDS, CONTENT_TYPES, EXTENSIONS, report_request
from core.files import file_response
from core.jobs.web import job_started_message
from core.lookups import get_by_pk_or_404
from core.permissions import is_commission_staff, is_province_staff
from pairings.models import City, County, Program


def _reports(user: Any) -> Any:
    """Reports the user may see: ``for_user`` scoping (the area's reports for city and county staff), then
    commission staff only (the dashboard API role shares the province scope but does not download report
    files)."""
    if not is_commission_staff(user):
        return ReportFile.objects.none()
    return ReportFile.objects.for_user(user)


def _area(user: Any, value: str) -> tuple[City | None, County | None]:
    """The city or county an ``area`` form value names, looked up through ``for_user``: another city's or
    county's key is a 404, as a missing one is."""
    kind, _sep, key = value.partition(":")
    if kind == "city":
        return get_by_pk_or_404(City.objects.for_user(user).select_related("province"), key), None
    if kind == "county":
        county = get_by_pk_or_404(County.objects.for_user(user).select_related("city__province"), key)
        return county.city, county
    if value:
        raise Http404
    return None, None


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = (
        _reports(request.user)
        .select_related("program", "requested_by", "city", "county")
        .order_by("-created_at", "-pk")
    )
    programs = []
    if is_commission_staff(request.user):
        for p in Program.objects.for_user(request.user).select_related("province").order_by("-start_date"):
            areas = report_areas(user=request.user, program=p)
            if areas:
                programs.append((p, areas))
    return render(
        request,
        "assessments/reports/report_list.html",
        {
            "page": Paginator(reports, 50).get_page(request.GET.get("page")),
            "programs": programs,
            # City and county staff build the area report only (the workbooks cover the whole program).
            "kinds": [
                (v, label)
                for v, label in ReportKind.choices
                if v in AREA_KINDS or is_province_staff(request.user)
            ],
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
    city, county = _area(request.user, form.cleaned_data["area"])
    try:
        report = report_request(
            user=request.user,
            program=program,
            kind=form.cleaned_data["kind"],
            year=form.cleaned_data["year"],
            city=city,
            county=county,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("assessments:report_list")
    if not job_started_message(request, report):
        messages.success(request, _("报告 #%(pk)d 已加入生成队列。") % {"pk": report.pk})
    return redirect("assessments:report_list")


@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the list polls while a build is queued or running."""
    report = get_object_or_404(_reports(request.user), pk=pk)
    return render(request, "assessments/reports/_status.html", {"r": report})


@login_required
def report_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = get_object_or_404(_reports(request.user).select_related("program", "city", "county"), pk=pk)
    if report.status != JobStatus.DONE or not report.file:
        raise Http404
    ext = EXTENSIONS[report.kind]
    area = report.county or report.city
    where = f"-{area.name}" if area is not None else ""
    filename = f"{report.program.code}{where}-{report.year or 'all'}-{report.get_kind_display()}.{ext}"
    return file_response(report.file, filename=filename, content_type=CONTENT_TYPES[ext])


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_create, name="report_create"),
    path("reports/<int:pk>/status/", report_status, name="report_status"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
]
