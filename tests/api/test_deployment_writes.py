"""PATCH /api/v1/deployments/<id>/ (actual arrival, departure, early return) and POST …/replace/:
the page's services, validation and scoping; refused writes change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from devtools import factories as f
from pairings.models import PairingSupporter
from teams.models import Deployment
from tests.api.conftest import client_for, token_client

D = dt.date


@pytest.fixture
def dep(world: Any) -> Any:
    team = f.TeamFactory(pairing=world.pairing_a, year=2023)
    return f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))


def _state(dep: Any) -> tuple[Any, ...]:
    dep.refresh_from_db()
    return dep.actual_start, dep.actual_end, dep.early_return_reason, Deployment.objects.count()


def test_recipient_records_an_early_return_and_a_partial_patch_keeps_the_rest(world: Any, dep: Any) -> None:
    url = reverse("api:deployment-detail", args=[dep.pk])
    alice = client_for(world.users["alice"])
    r = alice.patch(url, {"actual_start": "2023-01-05"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["actual_start"], r.json()["start"]) == ("2023-01-05", "2023-01-05")
    r = alice.patch(url, {"actual_end": "2023-03-31", "early_return_reason": "借调"}, format="json")
    assert r.status_code == 200
    assert r.json()["end"] == "2023-03-31"
    assert _state(dep)[:3] == (D(2023, 1, 5), D(2023, 3, 31), "借调")


def test_an_early_return_without_reason_is_a_400_naming_the_field(world: Any, dep: Any) -> None:
    before = _state(dep)
    r = client_for(world.users["alice"]).patch(
        reverse("api:deployment-detail", args=[dep.pk]), {"actual_end": "2023-03-31"}, format="json"
    )
    assert r.status_code == 400
    assert "early_return_reason" in str(r.json()["error"])
    assert _state(dep) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 403), ("city_a", 403), ("county_a", 403), ("charlie", 403), ("bob", 404), ("dana", 404),
     ("city_b", 404)],
)  # fmt: skip
def test_write_role_matrix(world: Any, dep: Any, who: str, status: int) -> None:
    before = _state(dep)
    newcomer = f.StaffFactory(employer=dep.supporter)
    client = client_for(world.users[who])
    patch = client.patch(
        reverse("api:deployment-detail", args=[dep.pk]), {"actual_start": "2023-01-02"}, format="json"
    )
    replace = client.post(
        reverse("api:deployment-replace", args=[dep.pk]),
        {"staff": newcomer.pk, "start": "2023-04-01", "reason": "x"},
        format="json",
    )
    assert (patch.status_code, replace.status_code) == (status, status)
    assert _state(dep) == before


def test_co_supporter_and_dashboard_cannot_write(world: Any, dep: Any, dashboard_token: Any) -> None:
    co = f.HospitalFactory(province=world.province, city=world.city_a)
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    url = reverse("api:deployment-detail", args=[dep.pk])
    before = _state(dep)
    co_client = client_for(f.make_member("co", "supporter_coordinator", hospital=co))
    assert co_client.patch(url, {"actual_start": "2023-01-02"}, format="json").status_code == 403
    assert (
        token_client(dashboard_token[1]).patch(url, {"actual_start": "2023-01-02"}, format="json").status_code
        == 403
    )
    assert _state(dep) == before


def test_replace_through_the_api(world: Any, dep: Any) -> None:
    newcomer = f.StaffFactory(employer=dep.supporter)
    stranger = f.StaffFactory(employer=world.supporter_b)
    alice = client_for(world.users["alice"])
    url = reverse("api:deployment-replace", args=[dep.pk])
    before = _state(dep)
    bad = alice.post(url, {"staff": stranger.pk, "start": "2023-04-01", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "staff" in str(bad.json()["error"])
    assert _state(dep) == before
    r = alice.post(url, {"staff": newcomer.pk, "start": "2023-04-01", "reason": "调回"}, format="json")
    assert r.status_code == 201
    assert (r.json()["replaces"], r.json()["start"]) == (dep.pk, "2023-04-01")
    assert _state(dep)[1:3] == (D(2023, 3, 31), "调回")
