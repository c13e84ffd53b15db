"""The deployed people's pages (issue 19), phone first: activation, the monthly work report, the leader's
team page; and the coordinators' side — the supporter invites people, the recipient confirms reports.

Thin: reads through ``teams.selectors.people`` (scoped by ``for_user``), writes through
``teams.services.accounts`` and ``teams.services.work_reports``, which check the permissions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.dates import month_start
from core.middleware import client_ip
from core.permissions import own_hospital_id, person_staff_id
from core.query_params import month_param
from core.ratelimit import limit_per_client
from core.roles import Role
from teams import person_resources
from teams.forms import LeaveForm, WorkReportForm
from teams.models import Deployment, LeaveRequest, MonthlyActivity, Staff
from teams.selectors import people
from teams.selectors.attendance import monthly_attendance
from teams.services import accounts
from teams.services import leave as leave_svc
from teams.services import work_reports as svc
from teams.services.activity import FIGURES
from teams.views.rosters import _xlsx


def _month(request: HttpRequest) -> dt.date:
    """``?month=YYYY-MM`` (a bad value is a 400 naming it), else this month."""
    return month_param(request.GET, default=month_start(timezone.localdate())) or month_start(
        timezone.localdate()
    )


def _form_errors(form: Any, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: on the field it names, else on the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, "；".join(exc.messages))


# --- Activation (no login: the link is the credential) ---------------------------------------------------


def _activation_rate() -> tuple[int, int]:
    return settings.PERSON_ACTIVATION_RATE  # type: ignore[no-any-return]


@never_cache
@limit_per_client(scope="person-activate", rate=_activation_rate, key=client_ip)
def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """First use of the invitation: the person sets a password; the link then stops working."""
    account = accounts.activation_account(uidb64=uidb64, token=token)
    if account is None:
        return render(request, "teams/person/activate_invalid.html", status=400)
    form = SetPasswordForm(account.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.person_activate(account=account, password=form.cleaned_data["new_password1"])
        login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("账号已激活。"))
        return redirect("me_home")
    return render(request, "teams/person/activate.html", {"form": form, "account": account})


# --- The person's monthly work report ---------------------------------------------------------------------


@login_required
def report_entry(request: HttpRequest, deployment_id: int) -> HttpResponse:
    """File (or correct) the month's report; the form starts from this month's or the last report."""
    if person_staff_id(request.user) is None:
        raise PermissionDenied
    deployment = get_object_or_404(people.own_deployments(request.user), pk=deployment_id)
    month = _month(request)
    existing = MonthlyActivity.objects.filter(deployment=deployment, month=month).first()
    # Forms remember the last entry: without a report this month, start from the latest one's figures.
    last = existing or people.own_reports(request.user).filter(deployment=deployment).first()
    initial: dict[str, Any] = {"month": month}
    if last is not None:
        initial.update({k: getattr(last, k) for k in FIGURES})
    if existing is not None:
        initial.update({k: getattr(existing, k) for k in WorkReportForm.NARRATIVE})
    form = WorkReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.work_report_submit(
                user=request.user,
                deployment=deployment,
                month=form.cleaned_data["month"],
                figures=form.figures(),
                narrative=form.narrative(),
            )
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, _("工作月报已提交，等待队长审阅和受援医院确认。"))
            return redirect("me_home")
    confirmed = existing is not None and existing.status == "confirmed"
    return render(
        request,
        "teams/person/report_form.html",
        {"form": form, "deployment": deployment, "existing": existing, "confirmed": confirmed},
    )


# --- The team leader ---------------------------------------------------------------------------------------


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """The leader's team: who is on site today, whose report of the month is missing, reports to review."""
    teams_led = people.led_teams(request.user)
    if not teams_led.exists():
        raise PermissionDenied
    month = _month(request)
    today = timezone.localdate()
    on_site = list(people.team_on_site(user=request.user, day=today))
    # This month's attendance of the people on site (one query for all: teams.selectors.attendance).
    rates = {
        r.deployment_id: r
        for r in monthly_attendance(deployment_ids=[d.pk for d in on_site], month_from=month, month_to=month)
    }
    for d in on_site:
        d.month_attendance = rates.get(d.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "teams/person/team.html",
        {
            "month": month,
            "today": today,
            "on_site": on_site,
            "missing": list(people.team_missing_reports(user=request.user, month=month)),
            "to_review": list(people.reports_to_review(user=request.user)),
            "leave": list(people.team_leave(user=request.user, since=today - dt.timedelta(days=31))),
        },
    )


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        MonthlyActivity.objects.for_user(request.user).select_related("deployment"), pk=pk
    )
    try:
        svc.work_report_review(user=request.user, activity=activity)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已审阅。"))
    return redirect("me:team")


# --- The recipient's coordinator confirms ---------------------------------------------------------------


@login_required
def reports_to_confirm(request: HttpRequest) -> HttpResponse:
    """Filed reports at the coordinator's hospital, shown as the people's own statements until confirmed."""
    hospital_id = own_hospital_id(request.user, Role.RECIPIENT_COORDINATOR)
    if hospital_id is None:
        raise PermissionDenied
    rows = list(people.reports_to_confirm(user=request.user, recipient_id=hospital_id)[:200])
    if request.GET.get("export") == "xlsx":
        return _xlsx(person_resources.reports_workbook(rows), "work-reports.xlsx")
    return render(request, "teams/person/reports_to_confirm.html", {"rows": rows})


@login_required
@require_POST
def report_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        MonthlyActivity.objects.for_user(request.user).select_related("deployment__team__pairing"), pk=pk
    )
    try:
        svc.work_report_confirm(user=request.user, activity=activity)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已确认，工作量计入月考核和报表。"))
    return redirect("teams:reports_to_confirm")


# --- The supporter's coordinator invites --------------------------------------------------------------


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    """The supporter's people on filed rosters and their accounts; each can be (re)invited."""
    if own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR) is None:
        raise PermissionDenied
    rows = accounts.invitable_staff(user=request.user)
    if request.GET.get("export") == "xlsx":
        return _xlsx(person_resources.accounts_workbook(rows), "person-accounts.xlsx")
    return render(request, "teams/person/account_list.html", {"rows": rows})


@login_required
@require_POST
def account_invite(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A fresh one-time link, shown once on a printable page (an earlier link stops working)."""
    staff = get_object_or_404(Staff.objects.for_user(request.user), pk=staff_id)
    invitation = accounts.person_invite(user=request.user, staff=staff)
    return render(
        request,
        "teams/person/invitation.html",
        {
            "staff": staff,
            "invitation": invitation,
            "link": request.build_absolute_uri(invitation.path),
            "deployments": Deployment.objects.filter(staff=staff).select_related("team__pairing__recipient"),
        },
    )


# --- Leave (请假) ------------------------------------------------------------------------------------


@login_required
def leave(request: HttpRequest) -> HttpResponse:
    """The person's leave requests and a form for a new one (on their current deployment)."""
    if person_staff_id(request.user) is None:
        raise PermissionDenied
    today = timezone.localdate()
    current = people.own_deployments(request.user).filter(period__contains=today).first()
    form = LeaveForm(request.POST or None, initial={"start_date": today, "end_date": today})
    if request.method == "POST":
        if current is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                leave_svc.leave_request(user=request.user, deployment=current, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("请假申请已提交，等待队长和受援医院审批。"))
                return redirect("me:leave")
    return render(
        request,
        "teams/person/leave.html",
        {"form": form, "current": current, "rows": list(people.own_leave(request.user)[:50])},
    )


@login_required
@require_POST
def leave_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The leader's or the recipient's step: approve or refuse (the service says whose step it is)."""
    item = get_object_or_404(
        LeaveRequest.objects.for_user(request.user).select_related("deployment__team__pairing"), pk=pk
    )
    try:
        if action == "approve":
            leave_svc.leave_approve(user=request.user, leave=item)
        elif action == "refuse":
            leave_svc.leave_refuse(user=request.user, leave=item, note=request.POST.get("note", ""))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已处理请假申请。"))
    return redirect("me:team" if person_staff_id(request.user) is not None else "teams:leave_queue")


@login_required
def leave_queue(request: HttpRequest) -> HttpResponse:
    """The recipient's coordinator: leave the team leaders approved, waiting for the hospital."""
    hospital_id = own_hospital_id(request.user, Role.RECIPIENT_COORDINATOR)
    if hospital_id is None:
        raise PermissionDenied
    rows = list(people.leave_to_decide(user=request.user, recipient_id=hospital_id)[:200])
    if request.GET.get("export") == "xlsx":
        return _xlsx(person_resources.leave_workbook(rows), "leave.xlsx")
    return render(request, "teams/person/leave_queue.html", {"rows": rows})
