"""Pages of the appraisals area: 月考核, 在岗抽查, 期满考核, 年度考核.

Thin: reads are scoped with ``for_user`` (a foreign object is a 404), writes go through the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.appraisal_exports import (
    annual_appraisals_workbook,
    end_appraisals_workbook,
    monthly_assessments_workbook,
)
from assessments.choices import AppraisalStatus, Grade
from assessments.forms import (
    AdjustForm,
    EndAppraisalForm,
    MonthlyAssessmentForm,
    MonthlyItemsForm,
    ScorecardForm,
    SpotCheckForm,
)
from assessments.models import AnnualAppraisal, EndOfStintAppraisal, MonthlyAssessment, Scorecard, SpotCheck
from assessments.selectors import monthly as monthly_sel
from assessments.selectors.measures import attendance_not_imported
from assessments.selectors.spot_checks import spot_check_candidates
from assessments.services import appraisals as services
from assessments.services.certificates import certificate_eligibility
from core.access import get_membership
from core.permissions import is_commission_staff, role_of
from core.query_params import month_param, year_param
from core.roles import Role
from pairings.models import Program
from teams.models import Deployment
from teams.selectors.deployments import deployment_span

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20_000


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _deployments(user: Any) -> Any:
    """Deployments whose personal records (scores, spot checks, appraisal, certificate) ``user`` may see."""
    return (
        Deployment.objects.for_user(user, scope=Deployment.RECORDS_SCOPE)
        .select_related("staff", "supporter", "team__pairing__recipient", "team__pairing__program")
        .order_by("team__pairing__recipient__code", "-planned_start", "pk")
    )


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return resp


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- 月考核 -------------------------------------------------------------------------------------------


@login_required
def monthly_assessments(request: HttpRequest) -> HttpResponse:
    """Recorded monthly assessments the user may see; for the recipient's coordinator, everyone on site
    in the chosen month (default: last month, the home page's "月考核待完成"), assessed or not."""
    assessments = (
        MonthlyAssessment.objects.for_user(request.user)
        .select_related("deployment__staff", "deployment__supporter", "deployment__team__pairing__recipient")
        .order_by("-month", "deployment__staff__name", "pk")
    )
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    chosen = month_param(request.GET, "month")
    if chosen is not None:
        # A chosen month filters the recorded list (and its export) too; without one, all months.
        assessments = assessments.filter(month=chosen)
    if request.GET.get("export") == "xlsx":
        data = monthly_assessments_workbook(assessments[:EXPORT_LIMIT], user=request.user)
        return _xlsx(data, "monthly-assessments.xlsx")
    month = chosen or last_month
    due = None
    if role_of(request.user) == Role.RECIPIENT_COORDINATOR:
        due = monthly_sel.deployments_in_month(user=request.user, month=month)[:500]
    return render(
        request,
        "assessments/appraisals/monthly_list.html",
        {"page": _page(request, assessments), "due": due, "month": month, "chosen": chosen},
    )


@login_required
def monthly_assessment_entry(request: HttpRequest, deployment_id: int) -> HttpResponse:
    """The month's form of the program (its own items and maxima) beside that month's attendance and
    workload; any month of the deployment, and a recorded month opens with its scores for correction."""
    deployment = get_object_or_404(_deployments(request.user), pk=deployment_id)
    items = services.monthly_items_for(deployment.team.pairing.program)
    month = monthly_sel.parse_month(request.POST.get("month") or request.GET.get("month"))
    if month is None:
        month = min(deployment_span(deployment)[1], timezone.localdate()).replace(day=1)
    figures = monthly_sel.month_figures(deployment=deployment, month=month)
    initial: dict[str, Any] = {"month": month}
    if figures.assessment is not None:
        initial["comment"] = figures.assessment.comment
        initial.update({f"item_{k}": v for k, v in (figures.assessment.items or {}).items()})
    form = MonthlyAssessmentForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.monthly_assessment_upsert(
                user=request.user,
                deployment=deployment,
                month=form.cleaned_data["month"],
                items=form.item_scores(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("月考核已保存。"))
            return redirect(f"{reverse('assessments:monthly_assessments')}?month={month:%Y-%m}")
    history = MonthlyAssessment.objects.for_user(request.user).filter(deployment=deployment).order_by("month")
    return render(
        request,
        "assessments/appraisals/monthly_form.html",
        {
            "deployment": deployment,
            "form": form,
            "figures": figures,
            "history": history,
            "rules": deployment.team.pairing.program.rules,
        },
    )


# --- 在岗抽查 -----------------------------------------------------------------------------------------


@login_required
def spot_checks(request: HttpRequest) -> HttpResponse:
    checks = (
        SpotCheck.objects.for_user(request.user)
        .select_related("deployment__staff", "deployment__team__pairing__recipient")
        .order_by("-checked_at", "pk")
    )
    on_site = None
    month, day = _spot_month_day(request)
    if role_of(request.user) == Role.SUPPORTER_COORDINATOR:
        m = get_membership(request.user)
        # Anyone deployed on that day (or in that month), people who have since left included.
        on_site = spot_check_candidates(user=request.user, supporter_id=m.hospital_id, month=month, day=day)[
            :300
        ]
    return render(
        request,
        "assessments/appraisals/spot_checks.html",
        {"page": _page(request, checks), "on_site": on_site, "month": month, "day": day},
    )


def _spot_month_day(request: HttpRequest) -> tuple[dt.date, dt.date | None]:
    """``?day=YYYY-MM-DD`` (its month) or ``?month=YYYY-MM``; this month by default. Bad values fall back."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")[:10])
    except ValueError:
        day = None
    if day is not None:
        return day.replace(day=1), day
    try:
        return dt.date.fromisoformat(request.GET.get("month", "")[:7] + "-01"), None
    except ValueError:
        return timezone.localdate().replace(day=1), None


@login_required
def spot_check_entry(request: HttpRequest, deployment_id: int) -> HttpResponse:
    deployment = get_object_or_404(_deployments(request.user), pk=deployment_id)
    when = timezone.localtime()
    try:
        # The day chosen on the list: a check of a past day (someone since gone) is recorded on that day.
        day = dt.date.fromisoformat(request.GET.get("day", "")[:10])
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    except ValueError:
        pass
    form = SpotCheckForm(request.POST or None, initial={"checked_at": when})
    if request.method == "POST" and form.is_valid():
        try:
            services.spot_check_record(user=request.user, deployment=deployment, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("checked_at", _error_text(exc))
        else:
            messages.success(request, _("抽查记录已保存。"))
            month = timezone.localtime(form.cleaned_data["checked_at"]).strftime("%Y-%m")
            return redirect(f"{reverse('assessments:spot_checks')}?month={month}")
    return render(
        request, "assessments/appraisals/spot_check_form.html", {"deployment": deployment, "form": form}
    )


# --- 期满考核 -----------------------------------------------------------------------------------------


@login_required
def end_appraisals(request: HttpRequest) -> HttpResponse:
    """Deployments with their written appraisal and certificate (if any)."""
    deployments = _deployments(request.user).select_related("end_appraisal__certificate")
    year = year_param(request.GET, "year")
    if year is not None:
        deployments = deployments.filter(team__year=year)
    if request.GET.get("export") == "xlsx":
        data = end_appraisals_workbook(deployments[:EXPORT_LIMIT], user=request.user)
        return _xlsx(data, "end-appraisals.xlsx")
    context = {"page": _page(request, deployments), "year": year}
    return render(request, "assessments/appraisals/end_list.html", context)


@login_required
def end_appraisal_entry(request: HttpRequest, deployment_id: int) -> HttpResponse:
    deployment = get_object_or_404(_deployments(request.user), pk=deployment_id)
    existing = EndOfStintAppraisal.objects.filter(deployment=deployment).first()
    initial: dict[str, Any] = {"signed_on": timezone.localdate()}
    if existing:
        initial = {
            "qualified": "1" if existing.qualified else "0",
            "opinion": existing.opinion,
            "signer": existing.signer,
            "signed_on": existing.signed_on,
        }
    form = EndAppraisalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_appraisal_record(user=request.user, deployment=deployment, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("期满考核意见已保存。"))
            return redirect("assessments:end_appraisal_entry", deployment_id=deployment.pk)
    certificate = getattr(existing, "certificate", None) if existing else None
    return render(
        request,
        "assessments/appraisals/end_form.html",
        {
            "deployment": deployment,
            "form": form,
            "appraisal": existing,
            "certificate": certificate,
            "eligibility": certificate_eligibility(deployment=deployment),
        },
    )


# --- 年度考核 -----------------------------------------------------------------------------------------


def _program_year(request: HttpRequest) -> tuple[Any, list[Program], int | None]:
    programs = list(Program.objects.for_user(request.user).order_by("-start_date", "code"))
    program = None
    wanted = request.GET.get("program") or request.POST.get("program")
    if wanted:
        program = next((p for p in programs if str(p.pk) == wanted), None)
        if program is None:
            raise Http404
    elif programs:
        program = programs[0]
    year = None
    if program is not None:
        this_year = timezone.localdate().year
        default = min(max(this_year - 1, program.years[0]), program.years[-1])
        year = year_param(request.GET, "year") or year_param(request.POST, "year", default=default)
    return program, programs, year


def _published_unless_commission(user: Any, rows: Any) -> Any:
    """A draft is the commission's work in progress: a hospital sees published results only."""
    return rows if is_commission_staff(user) else rows.filter(status=AppraisalStatus.PUBLISHED)


@login_required
def annual_appraisals(request: HttpRequest) -> HttpResponse:
    """A program year's appraisals with grades (published and drafts), paginated."""
    program, programs, year = _program_year(request)
    rows = AnnualAppraisal.objects.none()
    counts: dict[str, int] = {}
    if program is not None:
        rows = (
            AnnualAppraisal.objects.for_user(request.user)
            .filter(pairing__program=program, year=year)
            .select_related("pairing__recipient__county__city")
            .order_by("pairing__recipient__code", "status")
        )
        rows = _published_unless_commission(request.user, rows)
        if request.GET.get("export") == "xlsx":
            return _xlsx(annual_appraisals_workbook(rows[:EXPORT_LIMIT]), f"annual-appraisals-{year}.xlsx")
        counts = {
            r["grade"]: r["n"]
            for r in rows.filter(status=AppraisalStatus.PUBLISHED)
            .values("grade")
            .annotate(n=Count("pk"))
            .order_by()
        }
    can_manage = program is not None and services.may_manage_annual_appraisals(request.user, program)
    # SPEC §3a: before publishing, the commission sees every pairing with months not imported.
    missing_attendance = (
        attendance_not_imported(program=program, year=year) if can_manage and program and year else []
    )
    return render(
        request,
        "assessments/appraisals/annual_list.html",
        {
            "program": program,
            "programs": programs,
            "year": year,
            "page": _page(request, rows),
            "grade_counts": [(label, counts.get(value, 0)) for value, label in Grade.choices],
            "can_manage": can_manage,
            "missing_attendance": missing_attendance,
        },
    )


@login_required
def annual_appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = get_object_or_404(
        _published_unless_commission(
            request.user,
            AnnualAppraisal.objects.for_user(request.user).select_related(
                "pairing__recipient", "pairing__program", "adjusted_by", "published_by"
            ),
        ),
        pk=pk,
    )
    return render(
        request,
        "assessments/appraisals/annual_detail.html",
        {
            "a": appraisal,
            "form": AdjustForm(),
            "is_draft": appraisal.status == AppraisalStatus.DRAFT,
            "can_revise": appraisal.status == AppraisalStatus.PUBLISHED
            and services.may_manage_annual_appraisals(request.user, appraisal.pairing.program),
        },
    )


@login_required
@require_POST
def annual_appraisal_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = get_object_or_404(AnnualAppraisal.objects.for_user(request.user), pk=pk)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            services.annual_appraisal_adjust(user=request.user, appraisal=appraisal, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已调整分数。"))
    else:
        messages.error(request, _("调整分和理由均为必填。"))
    return redirect("assessments:annual_appraisal_detail", pk=pk)


@login_required
@require_POST
def annual_appraisal_compute(request: HttpRequest) -> HttpResponse:
    program, _programs, year = _program_year(request)
    if program is None or year is None:
        raise PermissionDenied
    try:
        rows = services.annual_appraisal_compute(user=request.user, program=program, year=year)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已计算 %(n)d 个帮扶关系的年度考核（草稿）。") % {"n": len(rows)})
    return redirect(f"{_annual_url()}?program={program.pk}&year={year}")


@login_required
def annual_scorecard(request: HttpRequest) -> HttpResponse:
    """年度考核评分表: the program's indicator weights and grade bands, set by the province's commission."""
    program, _programs, _year = _program_year(request)
    if program is None:
        raise Http404
    indicators, bands = services.scorecard_for(program)
    form = ScorecardForm(request.POST or None, indicators=indicators, bands=bands)
    if request.method == "POST":
        try:
            if request.POST.get("reset"):
                services.scorecard_reset(user=request.user, program=program)
                messages.success(request, _("已恢复默认评分表。"))
                return redirect(f"{reverse('assessments:annual_scorecard')}?program={program.pk}")
            if form.is_valid():
                services.scorecard_save(
                    user=request.user,
                    program=program,
                    weights=form.weights(),
                    band_minimums=form.band_minimums(),
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("评分表已保存；下次计算年度考核时使用。"))
                return redirect(f"{reverse('assessments:annual_scorecard')}?program={program.pk}")
        except ValidationError as exc:  # nothing saved: the form shows why
            for errors in exc.message_dict.values():
                form.add_error(None, "；".join(errors))
    return render(
        request,
        "assessments/appraisals/scorecard.html",
        {
            "program": program,
            "form": form,
            "can_manage": services.may_manage_annual_appraisals(request.user, program),
            "customised": Scorecard.objects.filter(program=program).exists(),
            "function_labels": services.SCORING_FUNCTION_LABELS,
        },
    )


@login_required
def monthly_form_settings(request: HttpRequest) -> HttpResponse:
    """月考核表 of a program (e.g. Bozhou's): its items and maxima, set by the province's commission and
    used by every monthly assessment form of the program from then on."""
    program, programs, _year = _program_year(request)
    if program is None:
        raise Http404
    items = services.monthly_items_for(program)
    form = MonthlyItemsForm(request.POST or None, initial={"lines": MonthlyItemsForm.initial_text(items)})
    if request.method == "POST":
        try:
            if request.POST.get("reset"):
                services.monthly_items_save(user=request.user, program=program, items=None)
                messages.success(request, _("已恢复默认月考核表。"))
                return redirect(f"{reverse('assessments:monthly_form_settings')}?program={program.pk}")
            if form.is_valid():
                services.monthly_items_save(
                    user=request.user, program=program, items=form.cleaned_data["lines"]
                )
                messages.success(request, _("月考核表已保存。"))
                return redirect(f"{reverse('assessments:monthly_form_settings')}?program={program.pk}")
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
    return render(
        request,
        "assessments/appraisals/monthly_items.html",
        {
            "program": program,
            "programs": programs,
            "items": items,
            "form": form,
            "can_manage": services.may_manage_annual_appraisals(request.user, program),
        },
    )


def _annual_url() -> str:
    return reverse("assessments:annual_appraisals")


urlpatterns = [
    path("monthly/", monthly_assessments, name="monthly_assessments"),
    path("monthly/<int:deployment_id>/", monthly_assessment_entry, name="monthly_assessment_entry"),
    path("monthly/form/", monthly_form_settings, name="monthly_form_settings"),
    path("spot-checks/", spot_checks, name="spot_checks"),
    path("spot-checks/<int:deployment_id>/", spot_check_entry, name="spot_check_entry"),
    path("end-appraisals/", end_appraisals, name="end_appraisals"),
    path("end-appraisals/<int:deployment_id>/", end_appraisal_entry, name="end_appraisal_entry"),
    path("annual/", annual_appraisals, name="annual_appraisals"),
    path("annual/compute/", annual_appraisal_compute, name="annual_appraisal_compute"),
    path("annual/scorecard/", annual_scorecard, name="annual_scorecard"),
    # annual/publish/ (with its confirmation) lives in views/publishing.py
    path("annual/<int:pk>/", annual_appraisal_detail, name="annual_appraisal_detail"),
    path("annual/<int:pk>/adjust/", annual_appraisal_adjust, name="annual_appraisal_adjust"),
]
