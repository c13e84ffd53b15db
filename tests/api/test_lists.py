"""List features shared by every endpoint: constant query counts, cursor pages, ETag/304, updated_since,
masked personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devtools import factories as f
from pairings.models import Membership, Pairing
from teams.models import Deployment
from tests.api.conftest import ENDPOINTS, Endpoint, client_for, populate


def _queries(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda ep: ep.basename)
def test_list_query_count_is_constant_as_rows_grow(world: Any, endpoint: Endpoint) -> None:
    # given N pairings with a row of everything, listed by province staff
    client = client_for(world.users["province"])
    url = reverse(f"api:{endpoint.basename}-list")
    # (asked twice first: a hot list's statement is prepared once per database session on its second
    # request, core/prepared.py)
    _queries(client, url)
    _queries(client, url)
    for _ in range(2):
        populate(f.PairingFactory(program=world.program))
    few, few_rows = _queries(client, url)
    # when there are 3N
    for _ in range(4):
        populate(f.PairingFactory(program=world.program))
    many, many_rows = _queries(client, url)
    # then the list costs the same number of queries
    assert many == few
    if endpoint.basename not in {"province", "program"}:
        assert many_rows > few_rows


def test_cursor_pagination_walks_every_row_once(world: Any) -> None:
    for _ in range(3):
        f.PairingFactory(program=world.program)
    client = client_for(world.users["province"])
    url: str | None = reverse("api:pairing-list") + "?page_size=2"
    seen: list[int] = []
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(Pairing.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 5


def test_cursor_pages_of_a_tied_ordering_break_ties_by_id(world: Any) -> None:
    # given six deployments of one start date, two of them updated since (their rows move in the table, so
    # the database's own order of the tie is no longer the ids' order)
    team = f.TeamFactory(pairing=world.pairing_a)
    ids = [f.DeploymentFactory(team=team, planned_start=dt.date(2023, 3, 1)).pk for _ in range(6)]
    Deployment.objects.filter(pk__in=ids[:2]).update(early_return_reason="调整")
    client = client_for(world.users["province"])
    for ordering, expected in (("-planned_start", sorted(ids, reverse=True)), ("planned_start", sorted(ids))):
        # when the tie is walked two rows a page, forwards and back
        url: str | None = reverse("api:deployment-list") + f"?ordering={ordering}&page_size=2"
        seen: list[int] = []
        pages: list[str] = []
        while url:
            body = client.get(url).json()
            seen += [r["id"] for r in body["results"]]
            pages.append(url)
            url = body["next"]
        # then every row comes once, ties in the ids' order, in the ordering's direction
        assert seen == expected
        # and a page asked again, or reached from the next page's "previous", is the same page
        last = client.get(pages[-1]).json()
        assert client.get(pages[-1]).json() == last
        back = client.get(last["previous"]).json()
        assert [r["id"] for r in back["results"]] == expected[2:4]


def test_list_etag_gives_304_until_something_changes(world: Any) -> None:
    client = client_for(world.users["province"])
    url = reverse("api:pairing-list")
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    # a second poll with the tag: not modified, no body
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert not again.content
    # after a change the tag no longer matches
    world.pairing_a.note = "新增备注"
    world.pairing_a.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_updated_since_returns_only_newer_rows(world: Any, time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2030, 3, 1, tzinfo=dt.UTC))
    world.pairing_b.note = "3月更新"
    world.pairing_b.save()
    client = client_for(world.users["province"])
    url = reverse("api:pairing-list")
    rows = client.get(url, {"updated_since": "2030-02-01T00:00:00Z"}).json()["results"]
    assert [r["id"] for r in rows] == [world.pairing_b.pk]
    bad = client.get(url, {"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["error"]["fields"]


def test_shared_filtersets_filter_the_api(world: Any) -> None:
    client = client_for(world.users["province"])
    rows = client.get(reverse("api:pairing-list"), {"city": world.city_b.pk}).json()["results"]
    assert [r["id"] for r in rows] == [world.pairing_b.pk]
    # a city outside the user's scope is not a valid choice
    city_a_staff = client_for(world.users["city_a"])
    refused = city_a_staff.get(reverse("api:pairing-list"), {"city": world.city_b.pk})
    assert refused.status_code == 400


def test_personal_data_is_masked_unless_the_member_may_see_it(world: Any) -> None:
    deployment = f.DeploymentFactory(team=f.TeamFactory(pairing=world.pairing_a))
    staff = deployment.staff
    url = reverse("api:staff-detail", args=[staff.pk])
    client = client_for(world.users["province"])
    masked = client.get(url).json()
    assert masked["national_id"] == staff.national_id_masked != staff.national_id
    assert masked["phone"] == staff.phone_masked != staff.phone
    nested = client.get(reverse("api:deployment-detail", args=[deployment.pk])).json()["staff"]
    assert nested["national_id"] == staff.national_id_masked
    Membership.objects.filter(user=world.users["province"]).update(can_see_personal_data=True)
    full = client_for(world.users["province"]).get(url).json()
    assert (full["national_id"], full["phone"]) == (staff.national_id, staff.phone)


def test_pairing_lists_supporters_and_lead(world: Any) -> None:
    second = f.HospitalFactory(province=world.province)
    world.pairing_a.supporters.create(hospital=second, is_lead=False)
    body = (
        client_for(world.users["province"])
        .get(reverse("api:pairing-detail", args=[world.pairing_a.pk]))
        .json()
    )
    assert body["lead"] == world.supporter_a.pk
    assert {s["hospital"] for s in body["supporters"]} == {world.supporter_a.pk, second.pk}


def test_schema_and_offline_docs_are_served(world: Any) -> None:
    client = client_for(world.users["province"])
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI assets come from this server (sidecar), not from a CDN
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_error_shape_for_unknown_detail(world: Any) -> None:
    response = client_for(world.users["province"]).get(reverse("api:pairing-detail", args=[999999]))
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and error["message"]


def test_updated_at_moves_on_save(world: Any) -> None:
    before = timezone.now()
    world.pairing_a.save()
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.updated_at >= before


@pytest.mark.parametrize("year", ["0", "0.0", "10000", "1e9"])
def test_out_of_range_year_is_a_validation_error(world: Any, year: str) -> None:
    # found by schemathesis: a year lookup with year 0 used to raise inside the date arithmetic (500)
    response = client_for(world.users["province"]).get(reverse("api:trainee-stint-list"), {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()["error"]["fields"]


def test_a_computed_lists_etag_is_its_bodys_and_moves_with_the_answer(world: Any, settings: Any) -> None:
    """Without the answer cache, a list's ETag is a hash of the bytes sent (issue 18: no second encoding
    of the data); a 304 has no body; a change to a row on the page gives another tag."""
    settings.API_CACHE_ENABLED = False
    deployment = f.DeploymentFactory(team=f.TeamFactory(pairing=world.pairing_a))
    client = client_for(world.users["province"])
    url = reverse("api:deployment-list")
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"] == 'W/"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert not again.content
    assert again["ETag"] == first["ETag"]
    type(deployment).objects.filter(pk=deployment.pk).update(post="新岗位")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "新岗位" in changed.content.decode()
    assert changed["ETag"] != first["ETag"]
