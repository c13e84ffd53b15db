"""Pages of expert visits (柔性帮扶): the list with the supporter's yearly progress; record, correct.

Thin: reads through teams/selectors/visits.py, writes through teams/services/visits.py.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.permissions import own_hospital_id
from core.roles import Role
from teams.forms import ExpertVisitForm
from teams.resources import expert_visits_workbook
from teams.selectors.visits import expert_visit_list, expert_visit_progress, visit_pairings
from teams.services.visits import VisitData, VisitError, expert_visit_create, expert_visit_update

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return dt.date.today().year


def _data(form: ExpertVisitForm) -> VisitData:
    return VisitData(**form.cleaned_data)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """Batches the user may see in a year; a supporter's coordinator also records one and sees progress."""
    year = _year(request)
    qs = expert_visit_list(user=request.user, year=year)
    if request.GET.get("export") == "xlsx":
        resp = HttpResponse(expert_visits_workbook(qs), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''expert-visits-{year}.xlsx"
        return resp
    own = own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR)
    form = None
    if own is not None:
        form = ExpertVisitForm(
            request.POST or None, pairings=visit_pairings(user=request.user, supporter_id=own)
        )
        if request.method == "POST" and form.is_valid():
            try:
                expert_visit_create(user=request.user, data=_data(form))
            except VisitError as exc:
                for field, message in exc.problems.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("已记录专家柔性帮扶批次。"))
                return redirect(f"{request.path}?year={year}")
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "year": year,
        "years": range(dt.date.today().year + 1, 2019, -1),
        "page": Paginator(qs, 50).get_page(request.GET.get("page")),
        "form": form,
        "progress": expert_visit_progress(supporter_id=own, year=year) if own is not None else [],
        "own": own,
    }
    return render(request, "teams/visit_list.html", context)


@login_required
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(expert_visit_list(user=request.user), pk=pk)
    own = own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR)
    if own is None or own != visit.supporter_id:
        raise PermissionDenied
    initial = {
        "pairing": visit.pairing,
        "start_date": visit.start_date,
        "end_date": visit.end_date,
        "person_times": visit.person_times,
        "specialties": visit.specialties,
        "activities": visit.activities,
    }
    form = ExpertVisitForm(
        request.POST or None, initial=initial, pairings=visit_pairings(user=request.user, supporter_id=own)
    )
    if request.method == "POST" and form.is_valid():
        try:
            expert_visit_update(user=request.user, visit=visit, data=_data(form))
        except VisitError as exc:
            for field, message in exc.problems.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("已保存。"))
            return redirect(f"{reverse('teams:visit_list')}?year={visit.start_date.year}")
    return render(request, "teams/visit_form.html", {"form": form, "visit": visit})
