"""Administrators create and revoke dashboard clients in the admin; the token is shown once."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from devtools import factories as f
from pairings.models import ApiClient
from tests.api.conftest import token_client


def test_admin_creates_then_revokes_a_client(world: Any, client: Any) -> None:
    # given an administrator
    admin_user = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    # when they add a city client
    response = client.post(
        reverse("admin:pairings_apiclient_add"), {"name": "天水大屏", "city": world.city_b.pk}, follow=True
    )
    # then it exists, scoped to the city, and the one-time token works
    assert response.status_code == 200
    created = ApiClient.objects.get()
    assert (created.city, created.province) == (world.city_b, world.province)
    token = next(str(m) for m in response.context["messages"]).rsplit("：", 1)[1]
    rows = token_client(token).get(reverse("api:pairing-list")).json()["results"]
    assert [r["id"] for r in rows] == [world.pairing_b.pk]
    # when they revoke it with the list action
    client.post(
        reverse("admin:pairings_apiclient_changelist"), {"action": "revoke", "_selected_action": [created.pk]}
    )
    # then the token stops working
    created.refresh_from_db()
    assert created.revoked_at is not None
    assert token_client(token).get(reverse("api:pairing-list")).status_code == 401
