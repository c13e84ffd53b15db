"""The teams app's Excel imports, registered with the shared import pages (core.imports) in ``ready()``:
the roster (target: a roster the user sees), the monthly workload (target: the user's own recipient
hospital), the staff directory and expert-visit batches (target: the user's own supporter hospital).
The specs live in ``services/``; this module only says how a page finds the target."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from core.access import User
from core.imports.registry import ImportDefinition, register
from core.imports.spec import ImportResult
from core.permissions import own_hospital_id
from core.roles import Role
from pairings.models import Hospital
from teams.selectors.rosters import get_roster_for_user
from teams.services.activity import ActivitySpec
from teams.services.imports import RosterSpec
from teams.services.staff_import import StaffSpec
from teams.services.visit_import import VisitSpec


def _own_recipient(user: User, target_id: int) -> Hospital:
    hospital_id = own_hospital_id(user, Role.RECIPIENT_COORDINATOR)
    if hospital_id is None:
        raise PermissionDenied
    if target_id and target_id != hospital_id:
        raise Http404
    return Hospital.objects.get(pk=hospital_id)


def _own_supporter(user: User, target_id: int) -> Hospital:
    hospital_id = own_hospital_id(user, Role.SUPPORTER_COORDINATOR)
    if hospital_id is None:
        raise PermissionDenied
    if target_id and target_id != hospital_id:
        raise Http404
    return Hospital.objects.get(pk=hospital_id)


def _activity_done(_target: Any, result: ImportResult) -> str:
    month = min(r.values["month"] for r in result.previews[0].rows)
    return f"{reverse('teams:activity_list')}?month={month:%Y-%m}"


def register_imports() -> None:
    register(
        ImportDefinition(
            kind=RosterSpec.kind,
            title=RosterSpec.title,
            specs=lambda user, roster: [RosterSpec(user=user, target=roster)],
            target=lambda user, pk: get_roster_for_user(user=user, pk=pk),
            done_url=lambda roster, _result: reverse("teams:roster_detail", args=[roster.pk]),
            back_url=lambda roster: reverse("teams:roster_detail", args=[roster.pk]),
            filename="roster",
            done_message=gettext_lazy("名单已导入。"),
        )
    )
    register(
        ImportDefinition(
            kind=ActivitySpec.kind,
            title=ActivitySpec.title,
            specs=lambda user, hospital: [ActivitySpec(user=user, target=hospital)],
            target=_own_recipient,
            done_url=_activity_done,
            back_url=lambda _hospital: reverse("teams:activity_list"),
            filename="activity",
        )
    )
    register(
        ImportDefinition(
            kind=StaffSpec.kind,
            title=StaffSpec.title,
            specs=lambda user, hospital: [StaffSpec(user=user, target=hospital)],
            target=_own_supporter,
            done_url=lambda _hospital, _result: reverse("teams:staff_list"),
            back_url=lambda _hospital: reverse("teams:staff_list"),
            filename="staff",
        )
    )
    register(
        ImportDefinition(
            kind=VisitSpec.kind,
            title=VisitSpec.title,
            specs=lambda user, hospital: [VisitSpec(user=user, target=hospital)],
            target=_own_supporter,
            done_url=lambda _hospital, _result: reverse("teams:visit_list"),
            back_url=lambda _hospital: reverse("teams:visit_list"),
            filename="expert-visits",
        )
    )
