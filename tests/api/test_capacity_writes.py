"""Capacity-building write APIs (issue 15): POST and PATCH of centres, specialties, new technologies,
capacity assessments, referrals and donations — through the page's services, same checks, same refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import (
    CentreProgress,
    Donation,
    NewTechnology,
    Referral,
    ServiceCapacityAssessment,
    Specialty,
)
from tests.api.conftest import client_for, token_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def bodies(w: Any) -> dict[str, tuple[Any, dict[str, Any], dict[str, Any]]]:
    """basename → (model, POST body, PATCH body)."""
    h = w.recipient_a.pk
    return {
        "centre": (
            CentreProgress,
            {"hospital": h, "centre": "chest_pain", "status": "building"},
            {"status": "built", "achieved_on": "2025-05-01"},
        ),
        "specialty": (
            Specialty,
            {"hospital": h, "kind": "weak", "name": "心内科", "selected_year": 2025},
            {"progress": 60},
        ),
        "new-technology": (
            NewTechnology,
            {
                "hospital": h,
                "pairing": w.pairing_a.pk,
                "supporter": w.supporter_a.pk,
                "name": "经皮冠状动脉介入",
                "introduced_on": "2025-04-01",
                "cases": 3,
            },
            {"cases": 9},
        ),
        "capacity-assessment": (
            ServiceCapacityAssessment,
            {"hospital": h, "assessed_on": "2025-06-01", "standard": "basic", "reaches_level2": False},
            {"reaches_level2": True},
        ),
        "referral": (
            Referral,
            {"hospital": h, "month": "2025-03-01", "up_count": 5, "down_count": 1},
            {"down_count": 4},
        ),
        "donation": (
            Donation,
            {
                "pairing": w.pairing_a.pk,
                "supporter": w.supporter_a.pk,
                "date": "2025-02-01",
                "kind": "in_kind",
                "description": "彩超一台",
                "value_cny": "350000.00",
            },
            {"value_cny": "360000.00"},
        ),
    }


@pytest.fixture
def cw(co_world: Any, settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return co_world


def snapshot(model: Any) -> list[tuple[Any, ...]]:
    return sorted(model.objects.values_list(), key=lambda r: r[0])


BASENAMES = ["centre", "specialty", "new-technology", "capacity-assessment", "referral", "donation"]


@pytest.mark.parametrize("basename", BASENAMES)
def test_owner_and_province_write_others_are_refused_and_nothing_changes(
    cw: Any, dashboard_token: Any, basename: str
) -> None:
    model, post, patch = bodies(cw)[basename]
    list_url = reverse(f"api:{basename}-list")
    # when the recipient's coordinator posts, then it is created through the service
    alice = client_for(cw.users["alice"])
    created = alice.post(list_url, post, format="json")
    assert created.status_code == 201, created.content
    detail = reverse(f"api:{basename}-detail", args=[created.json()["id"]])
    # and patched with the fields sent, the rest kept
    patched = alice.patch(detail, patch, format="json")
    assert patched.status_code == 200, patched.content
    for field, value in patch.items():
        assert str(patched.json()[field]) == str(value)
    before = snapshot(model)
    # then supporter, co-supporter, city and county staff read it but are refused a write (403)
    for who in ("charlie", "erin", "city_a", "county_a"):
        c = client_for(cw.users[who])
        assert c.get(detail).status_code == 200, who
        assert c.post(list_url, post, format="json").status_code in (400, 403), who
        assert c.patch(detail, patch, format="json").status_code == 403, who
    # the province's dashboard token reads and cannot write
    token = token_client(dashboard_token[1])
    assert token.get(detail).status_code == 200
    assert token.patch(detail, patch, format="json").status_code == 403
    # another recipient, another province: the record is a 404 and their posts are refused
    for who in ("bob", "zoe", "yan", "city_b"):
        c = client_for(cw.users[who])
        assert c.get(detail).status_code == 404, who
        assert c.patch(detail, patch, format="json").status_code == 404, who
        assert c.post(list_url, post, format="json").status_code in (400, 403), who
    assert snapshot(model) == before
    # PUT and DELETE are not offered
    assert alice.put(detail, post, format="json").status_code == 405
    assert alice.delete(detail).status_code == 405
    # province staff of the province correct it
    prov = client_for(cw.users["province"])
    assert prov.patch(detail, patch, format="json").status_code == 200


def test_co_supporter_post_is_403_by_permission(cw: Any) -> None:
    _model, post, _patch = bodies(cw)["referral"]
    resp = client_for(cw.users["erin"]).post(reverse("api:referral-list"), post, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "permission_denied"
    assert not Referral.objects.exists()


def test_bad_input_is_a_400_by_field_and_writes_nothing(cw: Any) -> None:
    alice = client_for(cw.users["alice"])
    h = cw.recipient_a.pk
    cases = [
        ("centre", {"hospital": h, "centre": "stroke", "status": "built"}, "achieved_on"),
        ("specialty", {"hospital": h, "kind": "weak", "name": "骨科", "selected_year": 2025, "progress": 120},
         "progress"),
        ("new-technology", {"hospital": h, "pairing": cw.pairing_a.pk, "supporter": cw.supporter_b.pk,
                            "name": "腔镜", "introduced_on": "2025-01-01"}, "supporter"),
        ("capacity-assessment", {"hospital": h, "assessed_on": "2099-01-01", "standard": "basic",
                                 "reaches_level2": True}, "assessed_on"),
        ("referral", {"hospital": h, "month": "2025-03-01", "up_count": -1, "down_count": 0}, "up_count"),
        ("donation", {"pairing": cw.pairing_a.pk, "supporter": cw.supporter_a.pk, "date": "2025-01-01",
                      "kind": "money", "description": "", "value_cny": "10"}, "description"),
    ]  # fmt: skip
    for basename, body, field in cases:
        resp = alice.post(reverse(f"api:{basename}-list"), body, format="json")
        assert resp.status_code == 400, (basename, resp.content)
        assert field in resp.json()["error"]["fields"], (basename, resp.json())
    for model in (CentreProgress, Specialty, NewTechnology, ServiceCapacityAssessment, Referral, Donation):
        assert not model.objects.exists(), model


def test_duplicate_month_and_centre_are_refused(cw: Any) -> None:
    alice = client_for(cw.users["alice"])
    body = {"hospital": cw.recipient_a.pk, "month": "2025-03-01", "up_count": 1, "down_count": 1}
    assert alice.post(reverse("api:referral-list"), body, format="json").status_code == 201
    again = alice.post(reverse("api:referral-list"), body, format="json")
    assert again.status_code == 400 and "month" in again.json()["error"]["fields"]
    centre = {"hospital": cw.recipient_a.pk, "centre": "ecg", "status": "building"}
    assert alice.post(reverse("api:centre-list"), centre, format="json").status_code == 201
    assert alice.post(reverse("api:centre-list"), centre, format="json").status_code == 400
    assert Referral.objects.count() == 1 and CentreProgress.objects.count() == 1


def test_assessment_with_evidence_by_multipart(cw: Any) -> None:
    alice = client_for(cw.users["alice"])
    body = {
        "hospital": cw.recipient_a.pk, "assessed_on": "2025-06-01", "standard": "recommended",
        "reaches_level2": "true", "evidence": SimpleUploadedFile("评估.pdf", PDF),
    }  # fmt: skip
    resp = alice.post(reverse("api:capacity-assessment-list"), body, format="multipart")
    assert resp.status_code == 201, resp.content
    url = resp.json()["evidence_url"]
    assert resp.json()["evidence_name"] == "评估.pdf"
    assert b"".join(alice.get(url).streaming_content) == PDF
    assert client_for(cw.users["bob"]).get(url).status_code == 404
    bad = dict(body, evidence=SimpleUploadedFile("x.pdf", b"not a pdf"))
    resp = alice.post(reverse("api:capacity-assessment-list"), bad, format="multipart")
    assert resp.status_code == 400 and "evidence" in resp.json()["error"]["fields"]
    assert ServiceCapacityAssessment.objects.count() == 1
    assert dt.date(2025, 6, 1) == ServiceCapacityAssessment.objects.get().assessed_on


def test_updated_since_with_a_far_offset_is_no_server_error(cw: Any) -> None:
    # found by Schemathesis: PostgreSQL refuses offsets beyond ±15:59, so the filter turns the time to UTC
    c = client_for(cw.users["province"])
    ok = c.get(reverse("api:donation-list"), {"updated_since": "3783-12-15T22:47:09+22:04"})
    assert ok.status_code == 200 and ok.json()["results"] == []
    bad = c.get(reverse("api:referral-list"), {"updated_since": "9999-12-31T23:00:00-15:00"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["error"]["fields"]
