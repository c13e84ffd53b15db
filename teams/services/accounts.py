"""Deployed people's accounts (issue 19): invitation from a filed roster, activation, deactivation.

No self-registration: the supporter's coordinator invites a person who is on one of its filed rosters; the
invitation is a one-time activation link built like Django's password-reset link (a hash of the user's
password and state, so it dies the moment a password is set or the person is invited again; it expires after
``PERSON_ACTIVATION_TIMEOUT``). The activation page is rate-limited per client (``PERSON_ACTIVATION_RATE``).
An account is deactivated ``PERSON_ACCOUNT_GRACE_DAYS`` after the end of the person's last deployment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.access import User
from core.permissions import is_supporter_coordinator, own_hospital_id
from core.roles import Role
from pairings.models import Membership
from teams.choices import DeploymentRole, RosterStatus
from teams.models import Deployment, PersonAccount, RosterEntry, Staff


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Password-reset style token with its own salt and lifetime (``PERSON_ACTIVATION_TIMEOUT``)."""

    key_salt = "teams.services.accounts.ActivationTokenGenerator"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age: int = self._num_seconds(self._now()) - ts  # type: ignore[attr-defined]
        return age <= settings.PERSON_ACTIVATION_TIMEOUT


activation_tokens = ActivationTokenGenerator()


@dataclasses.dataclass(frozen=True)
class Invitation:
    """What the coordinator prints or sends: the log-in name and the activation link's path."""

    account: PersonAccount
    username: str
    path: str
    expires_at: dt.datetime


def invitable_staff(*, user: User) -> list[Staff]:
    """The coordinator's own people on one of its filed rosters (only they can be invited)."""
    on_filed = RosterEntry.objects.filter(
        staff=OuterRef("pk"), roster__status=RosterStatus.FILED, roster__supporter_id=OuterRef("employer_id")
    )
    return list(
        Staff.objects.for_user(user)
        .filter(Exists(on_filed), employer_id=own_hospital_id(user, Role.SUPPORTER_COORDINATOR))
        .select_related("account__user")
        .order_by("name", "pk")
    )


def may_invite(user: User, staff: Staff) -> bool:
    return is_supporter_coordinator(user, hospital_id=staff.employer_id)


def _role_for(staff: Staff) -> str:
    """A person who leads any team of theirs is a team leader; everyone else a deployed person."""
    leads = (
        Deployment.objects.filter(staff=staff, role=DeploymentRole.LEADER).exists()
        or RosterEntry.objects.filter(
            staff=staff, role=DeploymentRole.LEADER, roster__status=RosterStatus.FILED
        ).exists()
    )
    return Role.TEAM_LEADER if leads else Role.DEPLOYED_PERSON


def person_invite(*, user: User, staff: Staff) -> Invitation:
    """Create (or renew) the person's account and a fresh activation link; earlier links stop working.

    Only the supporter's coordinator of the person's employer may invite, and only a person on one of its
    filed rosters (备案后方可开通账号).
    """
    if not may_invite(user, staff):
        raise PermissionDenied(_("只有派驻人员所在支援医院的联络员可以开通账号。"))
    if not RosterEntry.objects.filter(
        staff=staff, roster__status=RosterStatus.FILED, roster__supporter_id=staff.employer_id
    ).exists():
        raise PermissionDenied(_("该人员不在已备案的派驻名单上，不能开通账号。"))
    users = get_user_model()
    with transaction.atomic():
        account = PersonAccount.objects.select_related("user").filter(staff=staff).first()
        if account is None:
            person = users.objects.create_user(username=f"p{staff.pk:06d}")
            account = PersonAccount.objects.create(user=person, staff=staff)
        person = account.user
        # A new random unusable password changes the token hash: any earlier link dies (single use).
        person.set_unusable_password()
        person.is_active = True
        person.save(update_fields=["password", "is_active"])
        Membership.objects.update_or_create(
            user=person,
            defaults={
                "role": _role_for(staff),
                "hospital_id": staff.employer_id,
                "province": None,
                "city": None,
                "county": None,
                "can_see_personal_data": False,
                "is_active": True,
            },
        )
        account.invited_by = user
        account.invited_at = timezone.now()
        account.deactivated_at = None
        account.save(update_fields=["invited_by", "invited_at", "deactivated_at", "updated_at"])
    uidb64 = urlsafe_base64_encode(force_bytes(person.pk))
    token = activation_tokens.make_token(person)
    return Invitation(
        account=account,
        username=person.get_username(),
        path=f"/me/activate/{uidb64}/{token}/",
        expires_at=account.invited_at + dt.timedelta(seconds=settings.PERSON_ACTIVATION_TIMEOUT),
    )


def activation_account(*, uidb64: str, token: str) -> PersonAccount | None:
    """The account an activation link opens, or None when the link is unknown, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    account = PersonAccount.objects.select_related("user", "staff").filter(user_id=pk).first()
    if account is None or not account.user.is_active or account.user.has_usable_password():
        return None
    if not activation_tokens.check_token(account.user, token):
        return None
    return account


def person_activate(*, account: PersonAccount, password: str) -> None:
    """First use of the link: the person sets a password (validated by the caller's SetPasswordForm)."""
    with transaction.atomic():
        account.user.set_password(password)
        account.user.save(update_fields=["password"])
        account.activated_at = timezone.now()
        account.save(update_fields=["activated_at", "updated_at"])


def person_accounts_deactivate(*, today: dt.date | None = None) -> int:
    """Deactivate the accounts of people whose last deployment ended more than the grace period ago.

    Set-based: one UPDATE of users, memberships and accounts each. A person with a deployment still on (or
    ahead), or with none yet (invited before arrival), keeps the account. Returns the number deactivated.
    """
    today = today or timezone.localdate()
    # period is a canonical daterange [start, end + 1): the end is upper - 1.
    last_allowed_upper = today - dt.timedelta(days=settings.PERSON_ACCOUNT_GRACE_DAYS) + dt.timedelta(days=1)
    still_on = Deployment.objects.filter(staff=OuterRef("staff"), period__endswith__gte=last_allowed_upper)
    any_deployment = Deployment.objects.filter(staff=OuterRef("staff"))
    with transaction.atomic():
        ids = list(
            PersonAccount.objects.filter(user__is_active=True)
            .filter(Exists(any_deployment))
            .exclude(Exists(still_on))
            .values_list("user_id", flat=True)
        )
        if not ids:
            return 0
        get_user_model().objects.filter(pk__in=ids).update(is_active=False)
        Membership.objects.filter(user_id__in=ids).update(is_active=False)
        PersonAccount.objects.filter(user_id__in=ids).update(deactivated_at=timezone.now())
    return len(ids)
