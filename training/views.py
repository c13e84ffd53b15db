"""Pages of hosted trainees (进修学员, issue 15): the host's list with nominations to accept or decline, and
the form recording a stint. Thin: reads through training/selectors.py, writes through training/services/.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import User
from core.permissions import own_hospital_id
from core.roles import Role
from training.choices import StintStatus
from training.exports import hosted_stints_workbook
from training.forms import DeclineForm, StintRecordForm
from training.models import TraineeStint
from training.selectors import hosted_stints
from training.services import stints as svc

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    # Every view here is login_required: the user is never anonymous.
    return cast(User, request.user)


@login_required
def hosted_list(request: HttpRequest) -> HttpResponse:
    own = own_hospital_id(_user(request), Role.SUPPORTER_COORDINATOR)
    status = request.GET.get("status", "")
    if status not in StintStatus.values:
        status = ""
    qs = hosted_stints(user=_user(request), host_id=own, status=status)
    if request.GET.get("export") == "xlsx":
        resp = HttpResponse(hosted_stints_workbook(qs[:20_000], user=_user(request)), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = "attachment; filename*=UTF-8''trainees.xlsx"
        return resp
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "training/hosted_list.html",
        {
            "page": page,
            "status": status,
            "statuses": StintStatus.choices,
            "is_host": own is not None,
            "decline_form": DeclineForm(),
        },
    )


def _stint(request: HttpRequest, pk: int) -> TraineeStint:
    return get_object_or_404(hosted_stints(user=_user(request), host_id=None), pk=pk)


@login_required
@require_POST
def stint_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    stint = _stint(request, pk)
    try:
        if action == "accept":
            svc.trainee_stint_accept(user=_user(request), stint=stint)
        elif action == "decline":
            svc.trainee_stint_decline(user=_user(request), stint=stint, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except svc.StintError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已接收。") if action == "accept" else _("已登记未接收。"))
    return redirect("training:hosted_list")


@login_required
def stint_record(request: HttpRequest, pk: int) -> HttpResponse:
    stint = _stint(request, pk)
    if not svc.can_host(_user(request), stint):
        raise PermissionDenied
    initial = {
        "start_date": stint.start_date,
        "end_date": stint.end_date,
        "completed": stint.completed,
        "is_free": stint.is_free,
    }
    form = StintRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.trainee_stint_record(user=_user(request), stint=stint, **form.cleaned_data)
        except svc.StintError as exc:
            for field, message in exc.problems.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("已保存。"))
            return redirect("training:hosted_list")
    return render(request, "training/stint_form.html", {"form": form, "stint": stint})
