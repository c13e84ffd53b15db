"""Editing a pairing (issue 14 item 2): supporters, lead, kind, status; a lead change re-checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from assessments.models import RuleRun
from core.audit import history_for
from core.roles import Role
from devtools import factories as f
from pairings.choices import AssistanceKind, PairingStatus
from pairings.models import Pairing
from pairings.services.pairing_edit import pairing_update
from tests.api.conftest import client_for


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _leads(pairing: Pairing) -> list[int]:
    return list(pairing.supporters.filter(is_lead=True).values_list("hospital_id", flat=True))


def _rechecks() -> list[int]:
    """Pairings the rule engine queued a re-check for (its handler of core.events.pairing_changed)."""
    return list(RuleRun.objects.filter(trigger="event").values_list("pairing_id", flat=True))


def test_add_a_supporter_and_move_the_lead_rechecks_the_pairing(world: Any) -> None:
    second = f.HospitalFactory(province=world.province, city=world.city_a, name="兰州市第二人民医院")
    resp = _client(world.users["province"]).post(
        reverse("pairings:edit", args=[world.pairing_a.pk]),
        {
            "supporters": [world.supporter_a.pk, second.pk],
            "lead": second.pk,
            "kind": AssistanceKind.ENTRUSTED,
            "status": PairingStatus.ACTIVE,
            "reason": "省卫健委调整牵头医院",
        },
    )
    assert resp.status_code == 302
    pairing = Pairing.objects.get(pk=world.pairing_a.pk)
    assert _leads(pairing) == [second.pk] and pairing.supporters.count() == 2
    assert pairing.kind == AssistanceKind.ENTRUSTED
    assert _rechecks() == [pairing.pk]
    assert history_for(pairing)[-1].reason == "省卫健委调整牵头医院"


def test_kind_only_change_does_not_recheck(world: Any) -> None:
    pairing_update(
        user=world.users["province"],
        pairing=world.pairing_a,
        supporters=[world.supporter_a],
        lead=world.supporter_a,
        kind=AssistanceKind.REMOTE,
        status=PairingStatus.SUSPENDED,
        reason="改为远程",
    )
    pairing = Pairing.objects.get(pk=world.pairing_a.pk)
    assert pairing.kind == AssistanceKind.REMOTE and pairing.status == PairingStatus.SUSPENDED
    assert _rechecks() == []


def test_lead_outside_the_supporters_or_no_reason_is_refused_and_nothing_changes(world: Any) -> None:
    for kwargs in ({"lead": world.supporter_b, "reason": "r"}, {"lead": world.supporter_a, "reason": " "}):
        with pytest.raises(ValidationError):
            pairing_update(
                user=world.users["province"],
                pairing=world.pairing_a,
                supporters=[world.supporter_a],
                kind=AssistanceKind.REMOTE,
                status=PairingStatus.ACTIVE,
                **kwargs,
            )
    pairing = Pairing.objects.get(pk=world.pairing_a.pk)
    assert pairing.kind == AssistanceKind.TEAM and _leads(pairing) == [world.supporter_a.pk]


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("province", 200, 302),
        ("city_a", 404, 403),
        ("county_a", 404, 403),
        ("charlie", 404, 403),
        ("alice", 404, 403),
        ("bob", 404, 404),
        ("other", 404, 404),
    ],
)
def test_edit_page_role_matrix(world: Any, who: str, get: int, post: int) -> None:
    user = (
        f.make_member("p99", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="99", name="外省"))
        if who == "other"
        else world.users[who]
    )
    client = _client(user)
    url = reverse("pairings:edit", args=[world.pairing_a.pk])
    assert client.get(url).status_code == get
    resp = client.post(
        url,
        {
            "supporters": [world.supporter_a.pk],
            "lead": world.supporter_a.pk,
            "kind": "remote",
            "status": "ended",
            "reason": "r",
        },
    )
    assert resp.status_code == post
    pairing = Pairing.objects.get(pk=world.pairing_a.pk)
    if who == "province":
        assert pairing.kind == "remote" and pairing.status == "ended"
    else:
        assert pairing.kind == "team" and pairing.status == "active"
    detail = client.get(reverse("pairings:detail", args=[world.pairing_a.pk]))
    if detail.status_code == 200:
        assert ("修改帮扶关系" in detail.content.decode()) == (who == "province")


def test_the_api_shows_the_kind_of_assistance(world: Any) -> None:
    pairing_update(
        user=world.users["province"],
        pairing=world.pairing_a,
        supporters=[world.supporter_a],
        lead=world.supporter_a,
        kind=AssistanceKind.MEDICAL_ALLIANCE,
        status=PairingStatus.ACTIVE,
        reason="医联体",
    )
    body = (
        client_for(world.users["alice"]).get(reverse("api:pairing-detail", args=[world.pairing_a.pk])).json()
    )
    assert body["kind"] == "alliance"
