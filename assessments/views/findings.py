"""Findings pages: list (filters, pagination), detail with evidence, waive/reopen, start a check, run status.

Thin: reads go through ``assessments.selectors`` (``for_user`` scoping; foreign rows answer 404), writes
through ``assessments.services.findings`` (permission checks live there; a refusal answers 403).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from assessments.choices import FindingStatus
from assessments.exports import findings_workbook
from assessments.filtersets import FindingFilterSet
from assessments.rules.base import all_rules
from assessments.rules.catalog import evidence_rows, explanation, rule_info
from assessments.selectors import findings as selectors
from assessments.selectors import rectifications as selectors_rectifications
from assessments.services import findings as svc
from assessments.services import rectifications as rectification_svc
from core.jobs.web import job_started_message
from core.lookups import get_by_pk_or_404
from core.permissions import is_province_staff

PAGE_SIZE = 50


class WaiveForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("豁免理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        strip=True,
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20_000


def _rule_titles() -> dict[str, str]:
    return {r.code: _(r.title) for r in all_rules()}


def _can_start_program_run(user: Any) -> bool:
    return is_province_staff(user)


@login_required
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.finding_list(user=request.user)
    filterset = FindingFilterSet(request.GET or None, queryset=qs, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    if request.GET.get("export") == "xlsx":
        # The list as filtered, capped like the other exports.
        resp = HttpResponse(findings_workbook(rows[:EXPORT_LIMIT]), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = "attachment; filename*=UTF-8''findings.xlsx"
        return resp
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "rule_titles": _rule_titles(),
        "programs": selectors.runnable_programs(user=request.user)
        if _can_start_program_run(request.user)
        else [],
    }
    return render(request, "assessments/findings/list.html", context)


def _detail_context(request: HttpRequest, finding: Any, form: WaiveForm | None = None) -> dict[str, Any]:
    return {
        "finding": finding,
        "rule_title": _rule_titles().get(finding.rule_code, finding.rule_code),
        "explanation": explanation(finding.rule_code),
        "rule_info": rule_info(finding.rule_code),
        "evidence_rows": evidence_rows(finding.evidence or {}),
        "can_waive": svc.can_waive(request.user, finding),
        "can_recheck": finding.pairing is not None
        and svc.can_run_checks(request.user, program=finding.program, pairing=finding.pairing),
        "form": form or WaiveForm(),
        **_rectification_context(request, finding),
    }


def _rectification_context(request: HttpRequest, finding: Any) -> dict[str, Any]:
    """The finding's rectifications, and the assign form for those who may assign (限期整改)."""
    can = (
        finding.pairing is not None
        and finding.status == FindingStatus.OPEN
        and rectification_svc.may_assign_rectification(request.user, finding.pairing)
    )
    rectifiable = list(selectors_rectifications.rectifiable_findings(finding=finding)) if can else []
    return {
        "rectifications": finding.rectifications.order_by("-pk"),
        "can_rectify": can and any(fd.pk == finding.pk for fd in rectifiable),
        "rectifiable": rectifiable,
        "responsible": rectification_svc.responsible_hospitals(finding.pairing) if can else [],
    }


def _rule(code: str) -> Any:
    return next((r for r in all_rules() if r.code == code), None)


@login_required
@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(selectors.finding_detail(user=request.user), pk=pk)
    return render(request, "assessments/findings/detail.html", _detail_context(request, finding))


@login_required
@require_POST
def finding_waive(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(selectors.finding_detail(user=request.user), pk=pk)
    form = WaiveForm(request.POST)
    if not form.is_valid():
        if not svc.can_waive(request.user, finding):
            raise PermissionDenied
        return render(
            request, "assessments/findings/detail.html", _detail_context(request, finding, form), status=400
        )
    try:
        svc.finding_waive(user=request.user, finding=finding, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        form.add_error("reason", exc.messages[0] if exc.messages else _("无效"))
        return render(
            request, "assessments/findings/detail.html", _detail_context(request, finding, form), status=400
        )
    return redirect("assessments:finding_detail", pk=finding.pk)


@login_required
@require_POST
def finding_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(selectors.finding_detail(user=request.user), pk=pk)
    try:
        svc.finding_reopen(user=request.user, finding=finding)
    except ValidationError:
        pass  # not waived: nothing to undo
    return redirect("assessments:finding_detail", pk=finding.pk)


@login_required
@require_POST
def rule_run_start(request: HttpRequest) -> HttpResponse:
    program = get_by_pk_or_404(selectors.runnable_programs(user=request.user), request.POST.get("program"))
    pairing = None
    if request.POST.get("pairing"):
        pairing = get_by_pk_or_404(
            selectors.scoped_pairing(user=request.user), request.POST["pairing"], program=program
        )
    run = svc.rule_run_start(user=request.user, program=program, pairing=pairing)
    job_started_message(request, run)
    return redirect("assessments:rule_run_status", pk=run.pk)


@login_required
@require_GET
def rule_run_status(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.rule_run_list(user=request.user), pk=pk)
    titles = _rule_titles()
    rows = [(code, titles.get(code, code), c) for code, c in sorted(run.counts.items())]
    context = {"run": run, "rows": rows, "finished": run.status in ("done", "failed")}
    if request.GET.get("fragment") or getattr(request, "htmx", False):
        return render(request, "assessments/findings/_run_status.html", context)
    return render(request, "assessments/findings/run_status.html", context)


urlpatterns = [
    path("findings/", finding_list, name="finding_list"),
    path("findings/<int:pk>/", finding_detail, name="finding_detail"),
    path("findings/<int:pk>/waive/", finding_waive, name="finding_waive"),
    path("findings/<int:pk>/reopen/", finding_reopen, name="finding_reopen"),
    path("rule-runs/start/", rule_run_start, name="rule_run_start"),
    path("rule-runs/<int:pk>/", rule_run_status, name="rule_run_status"),
]
