"""The recipient's training page (培训, issue 15): nominate staff to train at a supporter, record on-site
training sessions and remote services, and see progress against the training quota.

Thin: the pairing comes through ``Pairing.objects.for_user`` (404 for "missing" and "not yours" alike), the
lists through training/selectors/, the quota through training/selectors/quota.py (TRAINING_QUOTA's one
definition), writes through training/services/recipient.py (which checks the recipient's coordinator).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User
from pairings.models import Pairing
from training.exports import hosted_stints_workbook
from training.forms import NominationForm, OnSiteTrainingForm, RemoteServiceForm
from training.models import OnSiteTraining, RemoteService, TraineeStint
from training.selectors import pairing_remote_services, pairing_sessions, pairing_stints
from training.selectors.quota import quota_progress
from training.services import recipient as svc
from training.services.stints import StintError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    # login_required: never anonymous here.
    return cast(User, request.user)


def _pairing(request: HttpRequest, pk: int) -> Pairing:
    qs = Pairing.objects.for_user(_user(request)).select_related("program", "recipient")
    return get_object_or_404(qs.distinct(), pk=pk)


def _add_errors(form: forms.Form, exc: StintError) -> None:
    for field, message in exc.problems.items():
        form.add_error(field if field in form.fields else None, message)


@login_required
def training_home(request: HttpRequest) -> HttpResponse:
    """The pairings whose training the user may see (a recipient: its own); one goes straight to it."""
    pairings = (
        Pairing.objects.for_user(_user(request))
        .select_related("program", "recipient")
        .distinct()
        .order_by("-program__start_date", "recipient__name", "pk")
    )
    page = Paginator(pairings, 50).get_page(request.GET.get("page"))
    if page.paginator.count == 1:
        return redirect("training:pairing_training", pk=page[0].pk)
    return render(request, "training/training_home.html", {"page": page})


@login_required
def pairing_training(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    user = _user(request)
    stints = pairing_stints(user=user, pairing_id=pairing.pk)
    if request.GET.get("export") == "xlsx":
        resp = HttpResponse(hosted_stints_workbook(stints[:20_000], user=user), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = "attachment; filename*=UTF-8''training.xlsx"
        return resp
    may = svc.can_record(user, pairing)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    if request.method == "POST" and not may:
        raise PermissionDenied
    nomination = NominationForm(request.POST if which == "nominate" else None, pairing=pairing)
    session = OnSiteTrainingForm(request.POST if which == "onsite" else None)
    remote = RemoteServiceForm(request.POST if which == "remote" else None, pairing=pairing)
    bound = {"nominate": nomination, "onsite": session, "remote": remote}.get(which)
    if bound is not None and bound.is_valid():
        data = dict(bound.cleaned_data)
        try:
            if which == "nominate":
                data["host_id"] = data.pop("host").pk
                svc.trainee_stint_nominate(user=user, pairing=pairing, data=svc.Nomination(**data))
            elif which == "onsite":
                svc.onsite_training_save(user=user, pairing=pairing, **data)
            else:
                data["supporter_id"] = data.pop("supporter").pk
                svc.remote_service_save(user=user, pairing=pairing, **data)
        except StintError as exc:
            _add_errors(bound, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("training:pairing_training", pk=pairing.pk)
    progress = quota_progress(pairings=[pairing], as_of=timezone.localdate())[pairing.pk]
    context: dict[str, Any] = {
        "pairing": pairing,
        "progress": progress,
        "min_months": pairing.program.rules.training_min_months,
        "stints": Paginator(stints, 50).get_page(request.GET.get("page")),
        "sessions": pairing_sessions(user=user, pairing_id=pairing.pk)[:100],
        "remote_services": pairing_remote_services(user=user, pairing_id=pairing.pk)[:200],
        "may_record": may,
        "nomination_form": nomination,
        "session_form": session,
        "remote_form": remote,
    }
    return render(request, "training/pairing_training.html", context)


def _record(request: HttpRequest, model: type[Any], pk: int) -> Any:
    obj = get_object_or_404(
        model.objects.for_user(_user(request)).select_related("pairing").distinct(), pk=pk
    )
    if not svc.can_record(_user(request), obj.pairing):
        raise PermissionDenied
    return obj


@login_required
def nomination_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stint: TraineeStint = _record(request, TraineeStint, pk)
    initial = {k: getattr(stint, k) for k in svc.NOMINATION_FIELDS if k != "host_id"} | {
        "host": stint.host_id
    }
    form = NominationForm(request.POST or None, initial=initial, pairing=stint.pairing)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["host_id"] = data.pop("host").pk
        try:
            svc.trainee_stint_update_nomination(user=_user(request), stint=stint, data=svc.Nomination(**data))
        except StintError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("training:pairing_training", pk=stint.pairing_id)
    return render(request, "training/record_form.html", {"form": form, "title": _("修改推荐"), "obj": stint})


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session: OnSiteTraining = _record(request, OnSiteTraining, pk)
    initial = {k: getattr(session, k) for k in ("date", "topic", "trainer", "attendees", "hours")}
    form = OnSiteTrainingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.onsite_training_save(
                user=_user(request), pairing=session.pairing, session=session, **form.cleaned_data
            )
        except StintError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("training:pairing_training", pk=session.pairing_id)
    return render(
        request, "training/record_form.html", {"form": form, "title": _("修改现场培训"), "obj": session}
    )


@login_required
def remote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record: RemoteService = _record(request, RemoteService, pk)
    initial = {
        "supporter": record.supporter_id,
        "month": record.month,
        "kind": record.kind,
        "count": record.count,
    }
    form = RemoteServiceForm(request.POST or None, initial=initial, pairing=record.pairing)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["supporter_id"] = data.pop("supporter").pk
        try:
            svc.remote_service_save(user=_user(request), pairing=record.pairing, record=record, **data)
        except StintError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("training:pairing_training", pk=record.pairing_id)
    return render(
        request, "training/record_form.html", {"form": form, "title": _("修改远程服务"), "obj": record}
    )
