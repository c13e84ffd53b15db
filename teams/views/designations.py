"""The team's leader designation page (队长确定, SPEC §3): with several supporters, the lead hospital's
coordinator designates a partner hospital's proposed leader, or revokes the designation.

Thin: the team comes through ``Team.objects.for_user`` (404 for "missing" and "not yours" alike); who may
designate is ``may_designate_leader``; writes go through teams/services/designations.py.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import User
from teams.forms import LeaderDesignationForm
from teams.models import Team
from teams.services import designations as svc


def _user(request: HttpRequest) -> User:
    # login_required: never anonymous here.
    return cast(User, request.user)


def _team(request: HttpRequest, pk: int) -> Team:
    qs = Team.objects.for_user(_user(request)).select_related("pairing__program", "pairing__recipient")
    return get_object_or_404(qs.distinct(), pk=pk)


@login_required
def team_leader(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    user = _user(request)
    may = svc.may_designate_leader(user, team.pairing)
    form = (
        LeaderDesignationForm(request.POST or None, candidates=svc.designation_candidates(team))
        if may
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                svc.leader_designate(user=user, team=team, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("已记录队长的确定。"))
                return redirect("teams:team_leader", pk=team.pk)
    supporters = list(
        team.pairing.supporters.select_related("hospital").order_by("-is_lead", "hospital__name")
    )
    return render(
        request,
        "teams/team_leader.html",
        {
            "team": team,
            "supporters": supporters,
            "designation": svc.current_designation(team),
            "may_designate": may,
            "form": form,
        },
    )


@login_required
@require_POST
def team_leader_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    designation = svc.current_designation(team)
    if designation is None:
        messages.error(request, _("本批次没有可撤销的队长确定。"))
    else:
        svc.leader_designation_revoke(user=_user(request), designation=designation)
        messages.success(request, _("已撤销队长的确定。"))
    return redirect("teams:team_leader", pk=team.pk)
