"""Role matrix of every list/detail endpoint: who sees a row of pairing A, who gets 404, who gets 401.

The co-supporter (a second supporter of pairing A) and another province are in the matrix too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from assessments.models import MonthlyAssessment
from core.privacy import mask_national_id, mask_phone
from devtools import factories as f
from pairings.models import Membership
from teams.models import Roster, RosterEntry, Staff
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


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda ep: ep.basename)
def test_co_supporter_and_other_province_matrix(co_world: Any, endpoint: Endpoint) -> None:
    # given one row of this endpoint's model inside pairing A, made by its lead supporter (charlie's)
    row = populate(co_world.pairing_a)[endpoint.basename]
    list_url = reverse(f"api:{endpoint.basename}-list")
    detail_url = reverse(f"api:{endpoint.basename}-detail", args=[row.pk])

    # then erin, coordinator of the pairing's second supporter, sees what the pairing shares (registry,
    # the pairing, agreements, the team's composition, capacity, findings) and nothing of charlie's people:
    # their personal records answer 404 and are missing from her lists
    erin = client_for(co_world.users["erin"])
    if endpoint.registry or not (endpoint.owned or endpoint.commission_only):
        assert erin.get(detail_url).status_code == 200
        assert row.pk in _ids(erin.get(list_url))
    else:
        foreign = erin.get(detail_url)
        assert foreign.status_code == 404
        assert foreign.json()["error"]["code"] == "not_found"
        assert row.pk not in _ids(erin.get(list_url))
    # while charlie (employer) and alice (recipient) keep seeing it unless it is commission-only
    for who in ("charlie", "alice"):
        expected = 404 if endpoint.commission_only else 200
        assert client_for(co_world.users[who]).get(detail_url).status_code == expected, who

    # then province staff and a supporter coordinator of another province see nothing of it
    for who in ("zoe", "yan"):
        client = client_for(co_world.users[who])
        assert client.get(detail_url).status_code == 404, who
        assert row.pk not in _ids(client.get(list_url)), who


def test_co_supporter_sees_the_shared_team_with_personal_data_masked(co_world: Any) -> None:
    # given charlie's person deployed to pairing A, and every hospital coordinator granted the personal-data
    # right (the flag alone must not open another supporter's people)
    row = populate(co_world.pairing_a)["deployment"]
    coordinators = Membership.objects.filter(user__username__in=["erin", "charlie", "alice"])
    coordinators.update(can_see_personal_data=True)
    url = reverse("api:deployment-detail", args=[row.pk])
    staff = row.staff
    # when erin reads the deployment, then she sees who, role, post and dates, with ID and phone masked
    data = client_for(co_world.users["erin"]).get(url).json()
    assert data["staff"]["name"] == staff.name and data["role"] == row.role and data["post"] == row.post
    assert data["planned_start"] == row.planned_start.isoformat()
    assert data["staff"]["national_id"] == mask_national_id(staff.national_id)
    assert data["staff"]["phone"] == mask_phone(staff.phone)
    # and the employer and the recipient, with the right, see them in full
    for who in ("charlie", "alice"):
        full = client_for(co_world.users[who]).get(url).json()["staff"]
        assert full["national_id"] == staff.national_id and full["phone"] == staff.phone, who


def test_co_supporter_cannot_write_the_other_supporters_roster_or_scores(co_world: Any) -> None:
    # given charlie's draft roster for a team of pairing A and his person on site
    made = populate(co_world.pairing_a)
    roster, deployment = made["roster"], made["deployment"]
    erin = client_for(co_world.users["erin"])
    rosters_before = list(Roster.objects.values_list("pk", "status", "version"))
    entries_before = RosterEntry.objects.count()
    assessments_before = MonthlyAssessment.objects.count()
    entry = {
        "name": "冒名",
        "national_id": "620102198001019999",
        "hospital": co_world.supporter_a.name,
        "title": "中级",
        "role": "队员",
        "post": "医师",
        "planned_start": "2023-03-01",
        "planned_end": "2023-08-31",
    }
    # when erin submits entries as charlie's hospital through the roster API
    for action in ("preview", "confirm"):
        resp = erin.post(
            reverse(f"api:roster-{action}"),
            {"team": roster.team_id, "supporter": co_world.supporter_a.pk, "entries": [entry]},
            format="json",
        )
        # then it is refused
        assert resp.status_code == 403, action
    # when she records a monthly score for charlie's person, then it is refused too
    resp = erin.post(
        reverse("api:monthly-assessment-list"),
        {"deployment": deployment.pk, "month": "2023-03-01", "score": 95},
        format="json",
    )
    assert resp.status_code in (400, 403, 404)
    # and nothing changed
    assert list(Roster.objects.values_list("pk", "status", "version")) == rosters_before
    assert RosterEntry.objects.count() == entries_before
    assert MonthlyAssessment.objects.count() == assessments_before
    assert not Staff.objects.filter(national_id="620102198001019999").exists()


def test_a_missing_national_id_stays_null(co_world: Any) -> None:
    # given a person known by licence number only, deployed by charlie's hospital
    staff = f.StaffFactory(employer=co_world.supporter_a, national_id=None, licence_no="110000000001")
    url = reverse("api:staff-detail", args=[staff.pk])
    # then the API answers null (not an empty or masked string) to the employer
    assert client_for(co_world.users["charlie"]).get(url).json()["national_id"] is None
