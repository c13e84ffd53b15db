"""Dashboard client tokens: read-only, revocable, last use recorded; managed by commission staff only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from devtools import factories as f
from pairings.models import ApiClient
from pairings.services.api_clients import api_client_authenticate
from tests.api.conftest import client_for, token_client


def test_token_reads_and_records_last_use(world: Any, dashboard_token: Any) -> None:
    # given a fresh dashboard client of the province
    client, token = dashboard_token
    assert client.last_used_at is None
    # when it lists pairings
    response = token_client(token).get(reverse("api:pairing-list"))
    # then it sees the province's pairings and its last use is recorded
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {world.pairing_a.pk, world.pairing_b.pk}
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_only_the_hash_of_the_token_is_stored(world: Any, dashboard_token: Any) -> None:
    client, token = dashboard_token
    assert token not in {client.token_hash, client.prefix}
    assert len(client.token_hash) == 64
    assert token.startswith(f"pa_{client.prefix}_")


def test_token_cannot_write(world: Any, dashboard_token: Any) -> None:
    # given a deployment a recipient could assess
    deployment = f.DeploymentFactory(team=f.TeamFactory(pairing=world.pairing_a))
    _client, token = dashboard_token
    # when the dashboard token posts a monthly assessment
    response = token_client(token).post(
        reverse("api:monthly-assessment-list"),
        {"deployment": deployment.pk, "month": "2023-02-01", "score": 90},
        format="json",
    )
    # then it is refused and nothing was written
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not deployment.monthly_assessments.exists()


def test_revoked_token_is_refused(world: Any, dashboard_token: Any) -> None:
    # given a client revoked by the province staff through the API
    client, token = dashboard_token
    staff = client_for(world.users["province"])
    revoked = staff.post(reverse("api:api-client-revoke", args=[client.pk]))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    # when the token is used
    response = token_client(token).get(reverse("api:pairing-list"))
    # then it answers 401
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_wrong_secret_with_a_valid_prefix_is_refused(world: Any, dashboard_token: Any) -> None:
    client, token = dashboard_token
    forged = f"pa_{client.prefix}_not-the-secret"
    assert api_client_authenticate(forged) is None
    assert token_client(forged).get(reverse("api:pairing-list")).status_code == 401


def test_city_client_sees_only_its_city(world: Any) -> None:
    # given a client created by city A staff for city A
    response = client_for(world.users["city_a"]).post(
        reverse("api:api-client-list"), {"name": "兰州看板", "city": world.city_a.pk}, format="json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    # when it lists pairings
    rows = token_client(token).get(reverse("api:pairing-list")).json()["results"]
    # then it sees only city A's pairing
    assert [r["id"] for r in rows] == [world.pairing_a.pk]


def test_province_staff_create_list_and_the_token_is_shown_once(world: Any) -> None:
    staff = client_for(world.users["province"])
    created = staff.post(
        reverse("api:api-client-list"), {"name": "省大屏", "province": world.province.pk}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("pa_")
    listed = staff.get(reverse("api:api-client-list")).json()["results"]
    assert [c["name"] for c in listed] == ["省大屏"]
    assert "token" not in listed[0]
    detail = staff.get(reverse("api:api-client-detail", args=[body["id"]])).json()
    assert "token" not in detail and "token_hash" not in detail


@pytest.mark.parametrize("who", ["alice", "charlie", "county_a", "dashboard"])
def test_non_commission_users_cannot_manage_clients(world: Any, who: str) -> None:
    client = client_for(world.users[who])
    response = client.post(
        reverse("api:api-client-list"), {"name": "x", "province": world.province.pk}, format="json"
    )
    assert response.status_code == 403
    assert client.get(reverse("api:api-client-list")).status_code == 403
    assert not ApiClient.objects.exists()


def test_city_staff_cannot_create_for_another_city_or_the_province(world: Any) -> None:
    client = client_for(world.users["city_a"])
    for body in ({"name": "x", "city": world.city_b.pk}, {"name": "x", "province": world.province.pk}):
        response = client.post(reverse("api:api-client-list"), body, format="json")
        assert response.status_code in (400, 403)
    assert not ApiClient.objects.exists()


def test_city_staff_cannot_revoke_a_province_client(world: Any, dashboard_token: Any) -> None:
    client, token = dashboard_token
    response = client_for(world.users["city_a"]).post(reverse("api:api-client-revoke", args=[client.pk]))
    # the province client is not in city A's scope: 404, and it still works
    assert response.status_code == 404
    client.refresh_from_db()
    assert client.revoked_at is None
    assert token_client(token).get(reverse("api:pairing-list")).status_code == 200


def test_last_use_is_recorded_at_minute_resolution(
    world: Any, dashboard_token: Any, time_machine: Any
) -> None:
    client, token = dashboard_token
    time_machine.move_to(dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC))
    api_client_authenticate(token)
    time_machine.move_to(dt.datetime(2024, 1, 1, 8, 0, 30, tzinfo=dt.UTC))
    api_client_authenticate(token)
    client.refresh_from_db()
    assert client.last_used_at == dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(dt.datetime(2024, 1, 1, 8, 5, tzinfo=dt.UTC))
    api_client_authenticate(token)
    client.refresh_from_db()
    assert client.last_used_at == dt.datetime(2024, 1, 1, 8, 5, tzinfo=dt.UTC)
