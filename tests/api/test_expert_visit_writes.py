"""/api/v1/expert-visits/: scoped reads; POST and PATCH through the services; refusals change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from core.roles import Role
from devtools import factories as f
from pairings.models import PairingSupporter
from teams.models import ExpertVisitBatch
from tests.api.conftest import client_for, token_client

LIST = reverse("api:expert-visit-list")


def _body(pairing: Any, **over: Any) -> dict[str, Any]:
    return {
        "pairing": pairing.pk,
        "start_date": "2023-05-08",
        "end_date": "2023-05-10",
        "person_times": 6,
        **over,
    }


@pytest.fixture
def visit(world: Any) -> ExpertVisitBatch:
    return ExpertVisitBatch.objects.create(
        pairing=world.pairing_a, supporter=world.supporter_a, start_date=dt.date(2023, 4, 1),
        end_date=dt.date(2023, 4, 2), person_times=3, specialties="骨科",
    )  # fmt: skip


def test_supporter_creates_and_patches(world: Any, visit: ExpertVisitBatch) -> None:
    c = client_for(world.users["charlie"])
    resp = c.post(LIST, _body(world.pairing_a, activities="义诊"), format="json")
    assert resp.status_code == 201, resp.content
    assert ExpertVisitBatch.objects.get(pk=resp.json()["id"]).supporter == world.supporter_a
    resp = c.patch(reverse("api:expert-visit-detail", args=[visit.pk]), {"person_times": 5}, format="json")
    assert resp.status_code == 200, resp.content
    visit.refresh_from_db()
    assert (visit.person_times, visit.specialties) == (5, "骨科")


def test_bad_dates_are_a_400_by_field_and_write_nothing(world: Any) -> None:
    resp = client_for(world.users["charlie"]).post(
        LIST, _body(world.pairing_a, end_date="2023-05-01"), format="json"
    )
    assert resp.status_code == 400 and "end_date" in str(resp.json())
    assert not ExpertVisitBatch.objects.exists()


@pytest.mark.parametrize(
    ("who", "create", "patch", "sees"),
    [
        ("province", 403, 403, True),
        ("city_a", 403, 403, True),
        ("county_a", 403, 403, True),
        ("alice", 403, 403, True),
        ("co", 201, 403, True),  # a co-supporter records its own batch; it cannot correct supporter A's
        ("dana", 400, 404, False),  # pairing A is not in her scope
        ("city_b", 400, 404, False),
    ],
)
def test_role_matrix(
    world: Any, visit: ExpertVisitBatch, who: str, create: int, patch: int, sees: bool
) -> None:
    if who == "co":
        co = f.HospitalFactory(province=world.province, city=world.city_a)
        PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
        user = f.make_member("co", Role.SUPPORTER_COORDINATOR, hospital=co)
    else:
        user = world.users[who]
    c = client_for(user)
    ids = [row["id"] for row in c.get(LIST).json()["results"]]
    assert (visit.pk in ids) is sees
    assert c.post(LIST, _body(world.pairing_a), format="json").status_code == create
    assert ExpertVisitBatch.objects.count() == (2 if create == 201 else 1)
    url = reverse("api:expert-visit-detail", args=[visit.pk])
    assert c.patch(url, {"person_times": 99}, format="json").status_code == patch
    visit.refresh_from_db()
    assert visit.person_times == 3


def test_other_province_and_dashboard_tokens(
    world: Any, visit: ExpertVisitBatch, other_province_token: str, dashboard_token: Any
) -> None:
    other = token_client(other_province_token)
    assert other.get(LIST).json()["results"] == []
    assert other.get(reverse("api:expert-visit-detail", args=[visit.pk])).status_code == 404
    _client, token = dashboard_token
    dash = token_client(token)
    assert [r["id"] for r in dash.get(LIST).json()["results"]] == [visit.pk]
    assert dash.post(LIST, _body(world.pairing_a), format="json").status_code == 403
    assert ExpertVisitBatch.objects.count() == 1
