"""POST /api/v1/staff/ and PATCH /api/v1/staff/<id>/: the 人员库 services, their validation and refusals.

Every refusal is checked to have changed nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.roles import Role
from devtools import factories as f
from pairings.models import PairingSupporter
from teams.models import Staff
from tests.api.conftest import client_for, token_client
from tests.teams.test_staff import ID_A, ID_B

LIST = reverse("api:staff-list")


@pytest.fixture
def person(world: Any) -> Staff:
    return f.StaffFactory(employer=world.supporter_a, name="崔慧", national_id=ID_A)


def _detail(staff: Staff) -> str:
    return reverse("api:staff-detail", args=[staff.pk])


def test_coordinator_creates_with_a_normalised_id_and_sees_it_masked(world: Any) -> None:
    resp = client_for(world.users["charlie"]).post(
        LIST, {"name": "王五", "title": 4, "national_id": ID_B[:6] + " " + ID_B[6:]}, format="json"
    )
    assert resp.status_code == 201, resp.content
    staff = Staff.objects.get(pk=resp.json()["id"])
    assert (staff.national_id, staff.employer) == (ID_B, world.supporter_a)
    assert resp.json()["national_id"] == f"{ID_B[:6]}********{ID_B[-4:]}"


def test_bad_id_is_a_400_with_the_field_and_reason_and_writes_nothing(world: Any) -> None:
    bad = ID_B[:17] + ("0" if ID_B[17] != "0" else "1")
    resp = client_for(world.users["charlie"]).post(
        LIST, {"name": "王五", "title": 4, "national_id": bad}, format="json"
    )
    assert resp.status_code == 400
    assert "校验位" in str(resp.json())
    assert not Staff.objects.filter(name="王五").exists()


def test_patch_changes_only_the_fields_sent(world: Any, person: Staff) -> None:
    resp = client_for(world.users["charlie"]).patch(_detail(person), {"specialty": "儿科"}, format="json")
    assert resp.status_code == 200, resp.content
    person.refresh_from_db()
    assert (person.specialty, person.name, person.national_id) == ("儿科", "崔慧", ID_A)


@pytest.mark.parametrize(
    ("who", "create", "patch"),
    [
        ("province", 403, 403),
        ("city_a", 403, 404),
        ("alice", 403, 404),
        ("dana", 201, 404),  # dana adds to her own hospital; charlie's person is not hers to see
        ("co", 201, 404),
        ("nobody", 403, 404),
    ],
)
def test_role_matrix_refused_writes_change_nothing(
    world: Any, person: Staff, who: str, create: int, patch: int
) -> None:
    if who == "co":
        co = f.HospitalFactory(province=world.province)
        PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
        user = f.make_member("co", Role.SUPPORTER_COORDINATOR, hospital=co)
    else:
        user = world.users[who]
    c = client_for(user)
    resp = c.post(LIST, {"name": "王五", "title": 4, "national_id": ID_B}, format="json")
    assert resp.status_code == create
    made = Staff.objects.filter(national_id=ID_B).first()
    if create == 201:
        assert made is not None and made.employer_id != world.supporter_a.pk
    else:
        assert made is None
    assert c.patch(_detail(person), {"name": "改名"}, format="json").status_code == patch
    person.refresh_from_db()
    assert person.name == "崔慧"


def test_dashboard_tokens_cannot_write(world: Any, person: Staff, dashboard_token: Any) -> None:
    _client, token = dashboard_token
    c = token_client(token)
    assert c.post(LIST, {"name": "王五", "title": 4, "national_id": ID_B}, format="json").status_code == 403
    assert c.patch(_detail(person), {"name": "改名"}, format="json").status_code in (403, 404)
    person.refresh_from_db()
    assert person.name == "崔慧" and not Staff.objects.filter(national_id=ID_B).exists()
