"""POST /api/v1/activity/: one person-month of workload through the form's service; scoping and refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from devtools import factories as f
from teams.models import MonthlyActivity
from tests.api.conftest import client_for, token_client

D = dt.date


@pytest.fixture
def dep(world: Any) -> Any:
    team = f.TeamFactory(pairing=world.pairing_a, year=2024)
    return f.DeploymentFactory(team=team, planned_start=D(2024, 1, 1), planned_end=D(2024, 6, 30))


def test_recipient_posts_and_reposting_corrects(world: Any, dep: Any) -> None:
    alice = client_for(world.users["alice"])
    url = reverse("api:activity-list")
    r = alice.post(
        url, {"deployment": dep.pk, "month": "2024-03-15", "outpatient_visits": 210}, format="json"
    )
    assert r.status_code == 201, r.content
    assert (r.json()["month"], r.json()["outpatient_visits"], r.json()["surgeries"]) == ("2024-03-01", 210, 0)
    alice.post(url, {"deployment": dep.pk, "month": "2024-03-01", "outpatient_visits": 215}, format="json")
    assert MonthlyActivity.objects.get().outpatient_visits == 215


@pytest.mark.parametrize(
    ("body", "field"),
    [({"month": "2024-09-01"}, "month"), ({"outpatient_visits": -1}, "outpatient_visits")],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    world: Any, dep: Any, body: Any, field: str
) -> None:
    data = {"deployment": dep.pk, "month": "2024-03-01", **body}
    r = client_for(world.users["alice"]).post(reverse("api:activity-list"), data, format="json")
    assert r.status_code == 400 and field in str(r.json()["error"])
    assert not MonthlyActivity.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 403), ("city_a", 403), ("county_a", 403), ("charlie", 403), ("bob", 400), ("dana", 400)],
)
def test_write_role_matrix(world: Any, dep: Any, who: str, status: int) -> None:
    # a deployment out of the caller's scope is an unknown id (400 on the field), never a write
    r = client_for(world.users[who]).post(
        reverse("api:activity-list"), {"deployment": dep.pk, "month": "2024-03-01"}, format="json"
    )
    assert r.status_code == status
    assert not MonthlyActivity.objects.exists()


def test_dashboard_token_cannot_write(world: Any, dep: Any, dashboard_token: Any) -> None:
    r = token_client(dashboard_token[1]).post(
        reverse("api:activity-list"), {"deployment": dep.pk, "month": "2024-03-01"}, format="json"
    )
    assert r.status_code == 403
    assert not MonthlyActivity.objects.exists()
