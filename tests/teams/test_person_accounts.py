"""Deployed people's accounts (issue 19): invitation from a filed roster only, by the employer's
coordinator; the activation link expires, works once, dies when re-invited, and is rate-limited per client;
accounts end a grace period after the last deployment (the nightly task)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from devtools import factories as f
from pairings.models import Membership
from teams.choices import RosterStatus
from teams.models import PersonAccount
from teams.services.accounts import person_accounts_deactivate, person_invite
from teams.tasks import deactivate_person_accounts

User = get_user_model()
PASSWORD = "Phone-Pass-2026!"


def _activate(client: Any, path: str, **extra: Any) -> Any:
    return client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD}, **extra)


def test_the_invited_person_sets_a_password_once_and_lands_on_their_workspace(people, client):
    w_staff = people.mei.staff
    charlie = User.objects.get(username="charlie")
    client.force_login(charlie)
    page = client.post(reverse("teams:account_invite", args=[w_staff.pk]))
    assert page.status_code == 200
    path = re.search(r'href="https?://[^/"]+(/me/activate/[^"]+)"', page.content.decode())[1]
    client.logout()
    form = client.get(path)
    assert form.status_code == 200 and "设置密码" in form.content.decode()
    done = _activate(client, path)
    assert done.status_code == 302 and done.url == reverse("me_home")
    assert client.get(reverse("me_home")).status_code == 200
    account = PersonAccount.objects.get(staff=w_staff)
    assert account.activated_at is not None and account.user.check_password(PASSWORD)
    # single use: the same link again is refused and changes nothing
    client.logout()
    again = _activate(client, path)
    assert again.status_code == 400 and "已使用" in again.content.decode()


def test_a_new_invitation_kills_the_earlier_link(people, client):
    charlie = User.objects.get(username="charlie")
    first = person_invite(user=charlie, staff=people.mu.staff)
    second = person_invite(user=charlie, staff=people.mu.staff)
    assert client.get(first.path).status_code == 400
    assert client.get(second.path).status_code == 200


@override_settings(PERSON_ACTIVATION_TIMEOUT=3600)
def test_the_link_expires(people, client):
    charlie = User.objects.get(username="charlie")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        invitation = person_invite(user=charlie, staff=people.mu.staff)
        traveller.shift(dt.timedelta(minutes=59))
        assert client.get(invitation.path).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        expired = _activate(client, invitation.path)
    assert expired.status_code == 400
    assert not User.objects.get(pk=invitation.account.user_id).has_usable_password()


@override_settings(PERSON_ACTIVATION_RATE=(3, 600), AUDIT_TRUSTED_PROXY_COUNT=1)
def test_activation_attempts_are_rate_limited_per_client(people, client):
    me = f"198.18.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    invitation = person_invite(user=User.objects.get(username="charlie"), staff=people.mu.staff)
    guesses = [
        client.get(f"/me/activate/XX/{i}-guess/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=me).status_code
        for i in range(3)
    ]
    assert guesses == [400, 400, 400]
    # the fourth attempt from that client is refused even with the right link, and sets nothing
    refused = _activate(client, invitation.path, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=me)
    assert refused.status_code == 429
    assert not User.objects.get(pk=invitation.account.user_id).has_usable_password()


@pytest.mark.parametrize("who", ["alice", "dana", "erin", "yan", "province", "lin"])
def test_only_the_employers_coordinator_invites(people, client, who):
    user = User.objects.get(username={"province": "prov"}.get(who, who))
    before = PersonAccount.objects.get(staff=people.mu.staff).invited_at
    with pytest.raises(PermissionDenied):
        person_invite(user=user, staff=people.mu.staff)
    client.force_login(user)
    r = client.post(reverse("teams:account_invite", args=[people.mu.staff.pk]))
    assert r.status_code in (403, 404)
    assert PersonAccount.objects.get(staff=people.mu.staff).invited_at == before


def test_no_account_without_a_filed_roster(world, client):
    staff = f.StaffFactory(employer=world.supporter_a)
    roster = f.RosterFactory(team=f.TeamFactory(pairing=world.pairing_a), status=RosterStatus.SUBMITTED)
    f.RosterEntryFactory(roster=roster, staff=staff)
    with pytest.raises(PermissionDenied):
        person_invite(user=world.users["charlie"], staff=staff)
    assert not PersonAccount.objects.exists()
    client.force_login(world.users["charlie"])
    assert staff.name not in client.get(reverse("teams:account_list")).content.decode()


def test_roles_follow_the_roster_and_never_see_personal_data(people):
    lin, mei = Membership.objects.get(user__username="lin"), Membership.objects.get(user__username="mei")
    assert lin.role == Role.TEAM_LEADER and mei.role == Role.DEPLOYED_PERSON
    assert lin.hospital_id == people.leader.supporter_id and not lin.can_see_personal_data


def test_the_account_list_shows_the_coordinators_people_only(people, client):
    client.force_login(User.objects.get(username="charlie"))
    body = client.get(reverse("teams:account_list")).content.decode()
    assert people.mei.staff.name in body and people.bo.staff.name not in body
    client.force_login(User.objects.get(username="mei"))
    assert client.get(reverse("teams:account_list")).status_code == 403


@override_settings(PERSON_ACCOUNT_GRACE_DAYS=30)
def test_accounts_end_a_grace_period_after_the_last_deployment(people):
    end = people.mei.end
    mei = User.objects.get(username="mei")
    # still on site, and 30 days after the end: kept
    assert person_accounts_deactivate(today=end) == 0
    assert person_accounts_deactivate(today=end + dt.timedelta(days=30)) == 0
    # a day later everyone of the team whose last deployment ended is deactivated, in one sweep
    assert person_accounts_deactivate(today=end + dt.timedelta(days=31)) == 4
    mei.refresh_from_db()
    assert not mei.is_active and not Membership.objects.get(user=mei).is_active
    assert PersonAccount.objects.get(user=mei).deactivated_at is not None
    # idempotent
    assert person_accounts_deactivate(today=end + dt.timedelta(days=31)) == 0


@override_settings(PERSON_ACCOUNT_GRACE_DAYS=30)
def test_a_later_deployment_keeps_the_account_and_the_task_runs_the_service(people):
    later = people.mei.end + dt.timedelta(days=10)
    f.DeploymentFactory(
        team=f.TeamFactory(pairing=people.team.pairing, year=later.year + 1),
        staff=people.mei.staff,
        planned_start=later,
        planned_end=later + dt.timedelta(days=200),
    )
    with time_machine.travel(people.mei.end + dt.timedelta(days=45)):
        assert deactivate_person_accounts.apply().get() == 3
    assert User.objects.get(username="mei").is_active
    assert not User.objects.get(username="mu").is_active
