"""Rectification pages (限期整改): list (overdue filter), assign from a finding, answer, accept, send back.

Thin: reads through ``assessments.selectors.rectifications`` (``for_user``; foreign rows answer 404), writes
and the permission predicates in ``assessments.services.rectifications`` (a refusal answers 403).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.choices import RectificationStatus
from assessments.selectors import findings as selectors
from assessments.selectors import rectifications as sel
from assessments.services import rectifications as svc
from pairings.models import Hospital

PAGE_SIZE = 50


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


@login_required
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = sel.rectification_list(user=request.user)
    status = request.GET.get("status", "")
    if status in RectificationStatus.values:
        rows = rows.filter(status=status)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        rows = rows.filter(sel.overdue_q(today))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "today": today,
        "status": status,
        "overdue": overdue,
        "statuses": RectificationStatus.choices,
        "overdue_count": sel.rectification_list(user=request.user).filter(sel.overdue_q(today)).count(),
    }
    return render(request, "assessments/rectifications/list.html", context)


@login_required
@require_POST
def rectification_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the finding (and the other open findings of its pairing ticked beside it) for rectification."""
    finding = get_object_or_404(selectors.finding_detail(user=request.user), pk=pk)
    if finding.pairing is None or not svc.may_assign_rectification(request.user, finding.pairing):
        raise PermissionDenied
    ids = [int(x) for x in request.POST.getlist("findings") if x.isdigit()] or [finding.pk]
    findings = list(selectors.finding_list(user=request.user).filter(pk__in=ids))
    hospital = Hospital.objects.filter(pk=request.POST.get("hospital") or 0).first()
    try:
        due = dt.date.fromisoformat(request.POST.get("due_date", ""))
    except ValueError:
        messages.error(request, _("请填写有效的整改期限。"))
        return redirect("assessments:finding_detail", pk=finding.pk)
    if hospital is None:
        messages.error(request, _("请选择整改责任医院。"))
        return redirect("assessments:finding_detail", pk=finding.pk)
    try:
        rect = svc.rectification_assign(
            user=request.user,
            findings=findings,
            hospital=hospital,
            due_date=due,
            instruction=request.POST.get("instruction", ""),
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("assessments:finding_detail", pk=finding.pk)
    messages.success(request, _("已下达整改。"))
    return redirect("assessments:rectification_detail", pk=rect.pk)


@login_required
@require_GET
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rect = get_object_or_404(sel.rectification_detail(user=request.user), pk=pk)
    today = timezone.localdate()
    context = {
        "rect": rect,
        "findings": rect.findings.order_by("rule_code", "period_start", "pk"),
        "answers": rect.answers.select_related("answered_by").prefetch_related("files"),
        "overdue": rect.is_overdue(today),
        "can_answer": svc.may_answer_rectification(request.user, rect)
        and rect.status in (RectificationStatus.ASSIGNED, RectificationStatus.RETURNED),
        "can_decide": rect.status == RectificationStatus.ANSWERED
        and svc.may_decide_rectification(request.user, rect),
    }
    return render(request, "assessments/rectifications/detail.html", context)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    rect = get_object_or_404(sel.rectification_detail(user=request.user), pk=pk)
    try:
        if action == "answer":
            svc.rectification_answer(
                user=request.user,
                rectification=rect,
                text=request.POST.get("text", ""),
                files=request.FILES.getlist("files"),
            )
            messages.success(request, _("已提交整改答复。"))
        elif action == "accept":
            svc.rectification_accept(
                user=request.user, rectification=rect, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("已通过整改，相关问题已关闭。"))
        else:
            svc.rectification_send_back(
                user=request.user, rectification=rect, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("已退回整改。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("assessments:rectification_detail", pk=rect.pk)


@login_required
@require_POST
def rectification_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "answer")


@login_required
@require_POST
def rectification_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "accept")


@login_required
@require_POST
def rectification_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "send_back")


@login_required
@require_GET
def rectification_evidence(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(sel.evidence_for_user(user=request.user), pk=pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


urlpatterns = [
    path("rectifications/", rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/answer/", rectification_answer, name="rectification_answer"),
    path("rectifications/<int:pk>/accept/", rectification_accept, name="rectification_accept"),
    path("rectifications/<int:pk>/send-back/", rectification_send_back, name="rectification_send_back"),
    path("rectifications/evidence/<int:pk>/", rectification_evidence, name="rectification_evidence"),
    path("findings/<int:pk>/rectify/", rectification_assign, name="rectification_assign"),
]
