"""Writes of /api/v1/agreements/ and /api/v1/agreement-items/: who may, and refused writes change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.roles import Role
from devtools import factories as f
from pairings.models import Agreement, AgreementItem, AgreementItemUpdate, PairingSupporter
from tests.api.conftest import client_for, token_client

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
# Every role of the matrix; "erin" coordinates a co-supporter of pairing A, "other" is another province.
WRITERS = {"province", "charlie"}
REPORTERS = {"alice", "charlie"}
ROLES = ["province", "city_a", "county_a", "charlie", "erin", "alice", "bob", "dana", "other"]


@pytest.fixture
def users(world: Any) -> dict[str, Any]:
    co = f.HospitalFactory(province=world.province, city=world.city_a, name="兰州市第二人民医院")
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    other = f.ProvinceFactory(code="44", name="广东省")
    return {
        **world.users,
        "erin": f.make_member("erin", Role.SUPPORTER_COORDINATOR, hospital=co),
        "other": f.make_member("gd_prov", Role.PROVINCE_STAFF, province=other),
    }


def _payload(world: Any) -> dict[str, Any]:
    return {
        "pairing": world.pairing_a.pk,
        "supporter": world.supporter_a.pk,
        "kind": "tripartite",
        "title": "三方协议",
        "supporter_signed_on": "2022-03-20",
        "government_signed_on": "2022-03-25",
        "recipient_signed_on": "2022-03-21",
        "scan": SimpleUploadedFile("协议.pdf", PDF, content_type="application/pdf"),
    }


@pytest.mark.parametrize("who", ROLES)
def test_create_agreement_role_matrix(world: Any, users: dict[str, Any], who: str) -> None:
    # when each role posts the tripartite agreement of supporter A (multipart, with the scan)
    response = client_for(users[who]).post(reverse("api:agreement-list"), _payload(world), format="multipart")
    # then province staff and supporter A's coordinator create it; everyone else is refused, nothing written
    if who in WRITERS:
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["has_scan"] is True and body["signed_on"] == "2022-03-25"
        assert Agreement.objects.get().scan.read() == PDF
    else:
        assert response.status_code in (403, 404), response.json()
        assert response.json()["error"]["code"] in ("permission_denied", "not_found")
        assert not Agreement.objects.exists()


def test_dashboard_token_cannot_write(world: Any, dashboard_token: Any) -> None:
    _client, token = dashboard_token
    response = token_client(token).post(reverse("api:agreement-list"), _payload(world), format="multipart")
    assert response.status_code in (403, 405)
    assert not Agreement.objects.exists()


def test_bad_scan_is_a_clear_400_and_writes_nothing(world: Any) -> None:
    payload = {**_payload(world), "scan": SimpleUploadedFile("协议.pdf", b"<html>not a pdf")}
    client = client_for(world.users["province"])
    response = client.post(reverse("api:agreement-list"), payload, format="multipart")
    assert response.status_code == 400
    assert "只接受 PDF 或图片" in str(response.json())
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_patch_agreement_role_matrix(world: Any, users: dict[str, Any], who: str) -> None:
    agreement = f.AgreementFactory(pairing=world.pairing_a, filed_on=None)
    url = reverse("api:agreement-detail", args=[agreement.pk])
    response = client_for(users[who]).patch(url, {"filed_on": "2022-04-01"}, format="json")
    agreement.refresh_from_db()
    if who in WRITERS:
        assert response.status_code == 200, response.json()
        assert agreement.filed_on == dt.date(2022, 4, 1)
    else:
        assert response.status_code in (403, 404)
        assert agreement.filed_on is None


@pytest.mark.parametrize("who", ROLES)
def test_create_item_and_report_role_matrix(world: Any, users: dict[str, Any], who: str) -> None:
    agreement = f.AgreementFactory(pairing=world.pairing_a)
    client = client_for(users[who])
    # when each role adds an item
    item_data = {"agreement": agreement.pk, "kind": "milestone", "description": "建成胸痛中心"}
    created = client.post(
        reverse("api:agreement-item-list"), {**item_data, "due_date": "2023-06-30"}, format="json"
    )
    if who in WRITERS:
        assert created.status_code == 201, created.json()
    else:
        assert created.status_code in (403, 404)
        assert not AgreementItem.objects.exists()
    # when each role reports progress on an item (with evidence)
    item = AgreementItem.objects.create(agreement=agreement, kind="task", description="培训护士")
    report = client.post(
        reverse("api:agreement-item-report", args=[item.pk]),
        {"status": "in_progress", "note": "已培训 10 人", "evidence": SimpleUploadedFile("e.pdf", PDF)},
        format="multipart",
    )
    item.refresh_from_db()
    if who in REPORTERS:
        assert report.status_code == 201, report.json()
        assert item.status == "in_progress"
        assert AgreementItemUpdate.objects.get().evidence.read() == PDF
    else:
        assert report.status_code in (403, 404)
        assert item.status == "planned" and not AgreementItemUpdate.objects.exists()


def test_report_done_without_a_date_is_a_400_naming_the_field(world: Any) -> None:
    item = AgreementItem.objects.create(
        agreement=f.AgreementFactory(pairing=world.pairing_a), kind="task", description="培训护士"
    )
    url = reverse("api:agreement-item-report", args=[item.pk])
    response = client_for(world.users["alice"]).post(url, {"status": "done"}, format="json")
    assert response.status_code == 400
    assert "completed_on" in str(response.json())
    item.refresh_from_db()
    assert item.status == "planned"
