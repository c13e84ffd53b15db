"""Pages of the supporter's staff directory (人员库): list and search, add, edit, Excel export.

Thin: reads through teams/selectors/staff.py (scoped by ``for_user``), writes through teams/services/staff.py
(which checks that the user coordinates the person's hospital).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.permissions import is_supporter_coordinator, own_hospital_id
from core.roles import Role
from pairings.models import Hospital
from teams.forms import StaffForm, StaffSearchForm
from teams.models import Staff
from teams.resources import staff_workbook
from teams.selectors.staff import get_staff_for_user, staff_directory
from teams.services.staff import StaffData, StaffError, staff_create, staff_update

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20_000


def _next_url(request: HttpRequest) -> str | None:
    """Where to go back after adding a person (the roster page the picker was on)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


def _data(form: StaffForm) -> StaffData:
    c = form.cleaned_data
    return StaffData(
        name=c["name"],
        title=c["title"],
        national_id=c["national_id"],
        licence_no=c["licence_no"],
        phone=c["phone"],
        gender=c["gender"],
        specialty=c["specialty"],
        department=c["department"],
        clinical_since=c["clinical_since"],
        management_since=c["management_since"],
    )


def _add_problems(form: StaffForm, exc: StaffError) -> None:
    for field, message in exc.problems.items():
        form.add_error(field if field in form.fields else None, message)


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """The directory the user may see; ``?export=xlsx`` exports the same search (personal data by role)."""
    search = StaffSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    own = own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR)
    qs = staff_directory(user=request.user, q=q, employer_id=own)
    if request.GET.get("export") == "xlsx":
        resp = HttpResponse(staff_workbook(qs[:EXPORT_LIMIT], user=request.user), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = "attachment; filename*=UTF-8''staff.xlsx"
        return resp
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/staff_list.html",
        {"page": page, "search": search, "q": q, "can_add": own is not None},
    )


@login_required
def staff_add(request: HttpRequest) -> HttpResponse:
    own = own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR)
    if own is None:
        raise PermissionDenied
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = staff_create(user=request.user, employer=Hospital.objects.get(pk=own), data=_data(form))
        except StaffError as exc:
            _add_problems(form, exc)
        else:
            messages.success(request, _("已添加：%(n)s") % {"n": staff.name})
            return redirect(_next_url(request) or "teams:staff_list")
    return render(request, "teams/staff_form.html", {"form": form, "staff": None, "next": _next_url(request)})


def _initial(staff: Staff) -> dict[str, Any]:
    return {
        f: getattr(staff, f) or ""
        for f in ("name", "title", "national_id", "licence_no", "phone", "gender", "specialty", "department")
    } | {"clinical_since": staff.clinical_since, "management_since": staff.management_since}


@login_required
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit one person: only the coordinator of the person's hospital (others: 403, nothing changes)."""
    staff = get_staff_for_user(user=request.user, pk=pk)
    if not is_supporter_coordinator(request.user, hospital_id=staff.employer_id):
        raise PermissionDenied
    form = StaffForm(request.POST or None, initial=_initial(staff))
    if request.method == "POST" and form.is_valid():
        try:
            staff_update(user=request.user, staff=staff, data=_data(form))
        except StaffError as exc:
            _add_problems(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("teams:staff_list")
    return render(request, "teams/staff_form.html", {"form": form, "staff": staff, "next": None})
