"""Role matrix of every list/detail endpoint: who sees a row of pairing A, who gets 404, who gets 401."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.api.conftest import ENDPOINTS, Endpoint, client_for, populate, token_client


def _ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda ep: ep.basename)
def test_role_matrix(world: Any, other_province_token: str, dashboard_token: Any, endpoint: Endpoint) -> None:
    # given one row of this endpoint's model inside pairing A (alice's recipient, charlie's supporter)
    row = populate(world.pairing_a)[endpoint.basename]
    list_url = reverse(f"api:{endpoint.basename}-list")
    detail_url = reverse(f"api:{endpoint.basename}-detail", args=[row.pk])
    _client, token = dashboard_token

    # then anonymous requests are refused with 401 and the JSON error shape
    anon = client_for(None).get(detail_url)
    assert anon.status_code == 401
    assert anon.json()["error"]["code"] == "not_authenticated"
    assert client_for(None).get(list_url).status_code == 401

    # then commission staff of the province and the province's dashboard token see it
    for client in (client_for(world.users["province"]), token_client(token)):
        assert client.get(detail_url).status_code == 200
        assert row.pk in _ids(client.get(list_url))

    # then a dashboard token of another province gets 404 on the detail and an empty list
    other = token_client(other_province_token)
    assert other.get(detail_url).status_code == 404
    assert row.pk not in _ids(other.get(list_url))

    # then the coordinators of pairing A see it, the coordinator of another hospital gets 404
    alice, bob = client_for(world.users["alice"]), client_for(world.users["bob"])
    if endpoint.commission_only:
        assert alice.get(detail_url).status_code == 404
    else:
        assert alice.get(detail_url).status_code == 200
        assert row.pk in _ids(alice.get(list_url))
    if endpoint.registry:
        # registry rows of the province are shared reference data
        assert bob.get(detail_url).status_code == 200
    else:
        foreign = bob.get(detail_url)
        assert foreign.status_code == 404
        assert foreign.json()["error"]["code"] == "not_found"
        assert row.pk not in _ids(bob.get(list_url))
        # and city staff of the other city do not see it either
        assert client_for(world.users["city_b"]).get(detail_url).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda ep: ep.basename)
def test_read_only_endpoints_refuse_writes(world: Any, endpoint: Endpoint) -> None:
    # given a row and province staff
    row = populate(world.pairing_a)[endpoint.basename]
    model = type(row)
    before = model.objects.count()
    client = client_for(world.users["province"])
    detail_url = reverse(f"api:{endpoint.basename}-detail", args=[row.pk])
    # when they try to change or delete it through the API
    put = client.put(detail_url, {}, format="json")
    delete = client.delete(detail_url)
    # then the API refuses and nothing changed
    assert put.status_code == 405
    assert delete.status_code == 405
    assert delete.json()["error"]["code"] == "method_not_allowed"
    assert model.objects.count() == before
