"""Demo users, one for every role of SPEC §6, all with the password from ``DEMO_PASSWORD``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from core.roles import Role
from pairings.models import Membership
from teams.choices import DeploymentRole
from teams.models import Deployment, PersonAccount

if TYPE_CHECKING:
    from devtools.demo.builder import DemoBuilder

DEFAULT_DEMO_PASSWORD = "Demo-Pass-2022"

# username, role, organisation kind, organisation key (province code, city/county name or hospital code)
DEMO_USERS: list[tuple[str, str | None, str, str]] = [
    ("admin", None, "", ""),
    ("province", Role.PROVINCE_STAFF, "province", "62"),
    ("city_lanzhou", Role.CITY_STAFF, "city", "兰州市"),
    # 张掖市's 甘州区 has a Tianjin (out-of-province) supporter: its rosters wait for this user's forwarding.
    ("city_zhangye", Role.CITY_STAFF, "city", "张掖市"),
    ("county_yuzhong", Role.COUNTY_STAFF, "county", "榆中县"),
    ("supporter_ldyy", Role.SUPPORTER_COORDINATOR, "hospital", "S6201001"),
    ("supporter_tj", Role.SUPPORTER_COORDINATOR, "hospital", "S1200001"),
    ("recipient_yuzhong", Role.RECIPIENT_COORDINATOR, "hospital", "R62012401"),
    ("dashboard", Role.DASHBOARD, "province", "62"),
    ("province_gd", Role.PROVINCE_STAFF, "province", "44"),
    ("province_bz", Role.PROVINCE_STAFF, "province", "34"),
    # The deployed people's phone workspace (issue 19): the leader and a member of the team on site today at
    # 榆中县人民医院, with activated accounts (``create_demo_people``, once the deployments exist).
    ("person_leader", Role.TEAM_LEADER, "person", "R62012401"),
    ("person_member", Role.DEPLOYED_PERSON, "person", "R62012401"),
]
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def create_demo_users(builder: DemoBuilder) -> dict[str, Any]:
    """Users and memberships; the password is validated by the project's validators and hashed once."""
    User = get_user_model()
    password = demo_password()
    validate_password(password)
    hashed = make_password(password)
    users = {}
    memberships = []
    for username, role, kind, _key in DEMO_USERS:
        if kind == "person":
            continue
        superuser = role is None
        user = User(
            username=username,
            email=f"{username}@demo.invalid",
            is_staff=superuser,
            is_superuser=superuser,
            password=hashed,
        )
        users[username] = user
    User.objects.bulk_create(list(users.values()))
    for username, role, kind, key in DEMO_USERS:
        if role is None or kind == "person":
            continue
        org: dict[str, Any] = {}
        if kind == "province":
            org["province"] = builder.provinces[key]
        elif kind == "city":
            org["city"] = builder.cities[key]
        elif kind == "county":
            org["county"] = builder.counties[key]
        else:
            org["hospital"] = builder.hospitals[key]
        memberships.append(
            Membership(
                user=users[username],
                role=role,
                can_see_personal_data=role == Role.PROVINCE_STAFF,
                **org,
            )
        )
    Membership.objects.bulk_create(memberships)
    builder.counts["User"] += len(users)
    builder.counts["Membership"] += len(memberships)
    return users


def create_demo_people(builder: DemoBuilder) -> None:
    """Accounts for the leader and one member of the team on site on the demo's day at the recipient named in
    ``DEMO_USERS``, as if the supporter had invited them and they had set the demo password."""
    User = get_user_model()
    hashed = make_password(demo_password())
    now = timezone.now()
    for username, role, kind, key in DEMO_USERS:
        if kind != "person":
            continue
        wanted = DeploymentRole.LEADER if role == Role.TEAM_LEADER else DeploymentRole.MEMBER
        deployment = (
            Deployment.objects.filter(
                team__pairing__recipient__code=key, role=wanted, period__contains=builder.today
            )
            .select_related("staff")
            .order_by("staff__name", "pk")
            .first()
        )
        if deployment is None:
            raise AssertionError(f"no {wanted} on site at {key} on {builder.today} for {username}")
        staff = deployment.staff
        user = User.objects.create(username=username, email=f"{username}@demo.invalid", password=hashed)
        PersonAccount.objects.create(user=user, staff=staff, invited_at=now, activated_at=now)
        Membership.objects.create(user=user, role=role, hospital_id=staff.employer_id)
        builder.users[username] = user
        builder.counts["User"] += 1
        builder.counts["Membership"] += 1
        builder.counts["PersonAccount"] += 1


def organisation_label(membership: Membership | None) -> str:
    if membership is None:
        return "(all: superuser)"
    return str(membership.organisation)
