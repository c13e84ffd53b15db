"""The capacity-building page of a pairing (issue 15 item 5): centres with milestones and evidence,
specialties, new technologies, service-capacity assessments, two-way referrals, donations — each list
exports to Excel.

Thin: reads through ``assessments.selectors.capacity`` (``for_user``; a foreign pairing answers 404), writes
through ``assessments.services.capacity`` (a refusal answers 403 and changes nothing). The recipient's
coordinator (and province staff) see the forms; supporters, co-supporters, city and county staff read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments import capacity_exports as xl
from assessments import capacity_forms as f
from assessments.selectors import capacity as sel
from assessments.services import capacity as svc
from core.files import protected_file_url
from core.query_params import MAX_YEAR, MIN_YEAR
from pairings.models import Hospital, Pairing

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECTIONS = ("centre", "milestone", "specialty", "technology", "assessment", "referral", "donation")


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    if raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return None


def _supporters(pairing: Pairing) -> list[Hospital]:
    return [ps.hospital for ps in pairing.supporters.select_related("hospital").order_by("-is_lead", "pk")]


def _forms(pairing: Pairing, data: Any = None, files: Any = None, section: str = "") -> dict[str, forms.Form]:
    supporters = _supporters(pairing)

    def bound(name: str) -> tuple[Any, Any]:
        return (data, files) if name == section else (None, None)

    return {
        "centre": f.CentreForm(*bound("centre"), prefix="centre"),
        "milestone": f.MilestoneForm(*bound("milestone"), prefix="milestone"),
        "specialty": f.SpecialtyForm(*bound("specialty"), prefix="specialty"),
        "technology": f.NewTechnologyForm(*bound("technology"), prefix="technology", supporters=supporters),
        "assessment": f.CapacityAssessmentForm(*bound("assessment"), prefix="assessment"),
        "referral": f.ReferralForm(*bound("referral"), prefix="referral"),
        "donation": f.DonationForm(*bound("donation"), prefix="donation", supporters=supporters),
    }


def _save(request: HttpRequest, pairing: Pairing, section: str, form: forms.Form) -> None:
    """Call the section's service; ``ValidationError`` / ``PermissionDenied`` propagate."""
    user, hospital, d = request.user, pairing.recipient, form.cleaned_data
    actions: dict[str, Callable[[], Any]] = {
        "centre": lambda: svc.centre_save(user=user, hospital=hospital, data=svc.CentreData(**d)),
        "milestone": lambda: svc.centre_milestone_add(
            user=user,
            hospital=hospital,
            centre=d["centre"],
            date=d["date"],
            description=d["description"],
            evidence=d.get("evidence"),
        ),
        "specialty": lambda: svc.specialty_save(user=user, hospital=hospital, data=svc.SpecialtyData(**d)),
        "technology": lambda: svc.new_technology_create(
            user=user, hospital=hospital, data=svc.NewTechnologyData(pairing=pairing, **d)
        ),
        "assessment": lambda: svc.capacity_assessment_create(
            user=user,
            hospital=hospital,
            data=svc.CapacityAssessmentData(**{k: v for k, v in d.items() if k != "evidence"}),
            evidence=d.get("evidence"),
        ),
        "referral": lambda: svc.referral_save(user=user, hospital=hospital, data=svc.ReferralData(**d)),
        "donation": lambda: svc.donation_create(user=user, data=svc.DonationData(pairing=pairing, **d)),
    }
    actions[section]()


def _export(request: HttpRequest, pairing: Pairing, what: str) -> HttpResponse | None:
    user, hospital = request.user, pairing.recipient
    builders: dict[str, Callable[[], bytes]] = {
        "centres": lambda: xl.centres_workbook(sel.centres(user=user, hospital=hospital)),
        "specialties": lambda: xl.specialties_workbook(sel.specialties(user=user, hospital=hospital)),
        "technologies": lambda: xl.technologies_workbook(sel.technologies(user=user, hospital=hospital)),
        "assessments": lambda: xl.assessments_workbook(sel.assessments(user=user, hospital=hospital)),
        "referrals": lambda: xl.referrals_workbook(
            sel.referrals(user=user, hospital=hospital, year=_year(request))
        ),
        "donations": lambda: xl.donations_workbook(sel.donations(user=user, pairing=pairing)),
    }
    if what not in builders:
        return None
    resp = HttpResponse(builders[what](), content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''capacity-{what}-{pairing.pk}.xlsx"
    return resp


@login_required
@require_http_methods(["GET", "POST"])
def capacity_page(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(sel.capacity_pairings(user=request.user), pk=pk)
    hospital = pairing.recipient
    exported = _export(request, pairing, request.GET.get("export", ""))
    if exported is not None:
        return exported
    can_edit = svc.may_edit_capacity(request.user, hospital)
    section = request.POST.get("section", "") if request.method == "POST" else ""
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if section not in SECTIONS:
            messages.error(request, _("未知的表单。"))
            return redirect("assessments:capacity", pk=pairing.pk)
    all_forms = _forms(pairing, request.POST, request.FILES, section)
    status = 200
    if section:
        form = all_forms[section]
        if form.is_valid():
            try:
                _save(request, pairing, section, form)
            except ValidationError as exc:
                for field, errs in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
                ):
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("已保存。"))
                return redirect(f"{reverse('assessments:capacity', args=[pairing.pk])}#{section}")
        status = 400
    year = _year(request)
    centre_rows = sel.centres(user=request.user, hospital=hospital)
    context = {
        "pairing": pairing,
        "hospital": hospital,
        "can_edit": can_edit,
        "forms": all_forms,
        "failed": section if status == 400 else "",
        "centre_rows": centre_rows,
        "critical": [r for r in centre_rows if r.group == "critical"],
        "county": [r for r in centre_rows if r.group == "county"],
        "specialties": sel.specialties(user=request.user, hospital=hospital),
        "technologies": sel.technologies(user=request.user, hospital=hospital),
        "assessments": sel.assessments(user=request.user, hospital=hospital),
        "referrals": list(sel.referrals(user=request.user, hospital=hospital, year=year)),
        "referral_years": sel.referral_years(user=request.user, hospital=hospital),
        "year": year,
        "donations": sel.donations(user=request.user, pairing=pairing),
        "summary": sel.summary(user=request.user, pairing=pairing, rows=centre_rows),
        "weak_range": sel.WEAK_SPECIALTIES,
        "today": dt.date.today(),
        "file_url": protected_file_url,
    }
    return render(request, "assessments/capacity/page.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def capacity_list(request: HttpRequest) -> HttpResponse:
    """The pairings the user sees with their centres built; a recipient with one pairing goes to its page."""
    rows = sel.capacity_overview(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    if page.paginator.count == 1 and svc.may_edit_capacity(request.user, page[0].recipient):
        return redirect("assessments:capacity", pk=page[0].pk)
    return render(
        request, "assessments/capacity/list.html", {"page": page, "total": len(sel.CRITICAL_CARE) * 2}
    )


urlpatterns = [
    path("capacity/", capacity_list, name="capacity_list"),
    path("capacity/pairings/<int:pk>/", capacity_page, name="capacity"),
]
