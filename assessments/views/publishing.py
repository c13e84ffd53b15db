"""Publishing a year's 年度考核 with confirmation, and revising a published result (with a reason)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import AnnualAppraisal
from assessments.services import appraisals as appraisal_services
from assessments.services import publishing as services

from .appraisals import _program_year


def _annual_url(program_pk: int, year: int) -> str:
    return f"{reverse('assessments:annual_appraisals')}?program={program_pk}&year={year}"


@login_required
@require_GET
def annual_publish_confirm(request: HttpRequest) -> HttpResponse:
    """The summary an officer confirms before publishing (publishing cannot be undone, only revised)."""
    program, _programs, year = _program_year(request)
    if program is None or year is None:
        raise PermissionDenied
    summary = services.annual_publish_summary(user=request.user, program=program, year=year)
    return render(
        request,
        "assessments/appraisals/publish_confirm.html",
        {"program": program, "year": year, "summary": summary},
    )


@login_required
@require_POST
def annual_publish(request: HttpRequest) -> HttpResponse:
    """Publish only what was confirmed: ``confirm`` and the ``expected`` count the summary showed."""
    program, _programs, year = _program_year(request)
    if program is None or year is None:
        raise PermissionDenied
    if not appraisal_services.may_manage_annual_appraisals(request.user, program):
        raise PermissionDenied
    confirm_url = f"{reverse('assessments:annual_publish_confirm')}?program={program.pk}&year={year}"
    expected = request.POST.get("expected", "")
    if request.POST.get("confirm") != "1" or not expected.isdigit():
        return redirect(confirm_url)
    try:
        n = appraisal_services.annual_appraisal_publish(
            user=request.user, program=program, year=year, expected=int(expected)
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(confirm_url)
    messages.success(request, _("已发布 %(n)d 条年度考核结果。") % {"n": n})
    return redirect(_annual_url(program.pk, year))


@login_required
@require_POST
def annual_appraisal_revise(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = get_object_or_404(
        AnnualAppraisal.objects.for_user(request.user).select_related("pairing__program"), pk=pk
    )
    try:
        draft = services.annual_appraisal_revise(
            user=request.user, appraisal=appraisal, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("assessments:annual_appraisal_detail", pk=appraisal.pk)
    messages.success(request, _("已新建修订稿；确认发布后取代原发布结果。"))
    return redirect("assessments:annual_appraisal_detail", pk=draft.pk)


urlpatterns = [
    path("annual/publish/", annual_publish, name="annual_appraisal_publish"),
    path("annual/publish/confirm/", annual_publish_confirm, name="annual_publish_confirm"),
    path("annual/<int:pk>/revise/", annual_appraisal_revise, name="annual_appraisal_revise"),
]
