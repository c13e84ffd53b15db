"""Agreement pages: role matrix (reads scoped, refused writes change nothing), export, downloads, queries."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from devtools import factories as f
from pairings.models import Agreement, AgreementItem, AgreementItemUpdate, PairingSupporter
from pairings.services.agreements import agreement_item_report

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
ROLES = ["province", "city_a", "city_b", "county_a", "charlie", "erin", "alice", "bob", "dana", "other"]
# Who sees pairing A's agreements (for_user) and who may enter them (province staff, its supporter).
SEES_A = {"province", "city_a", "county_a", "charlie", "erin", "alice"}
ENTERS_A = {"province", "charlie"}


@pytest.fixture
def users(world: Any) -> dict[str, Any]:
    co = f.HospitalFactory(province=world.province, city=world.city_a, name="兰州市第二人民医院")
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    other = f.ProvinceFactory(code="44", name="广东省")
    f.ProgramFactory(code="GD", province=other)
    return {
        **world.users,
        "erin": f.make_member("erin", Role.SUPPORTER_COORDINATOR, hospital=co),
        "other": f.make_member("gd_prov", Role.PROVINCE_STAFF, province=other),
    }


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _agreement(world: Any, **kw: Any) -> Agreement:
    kw.setdefault("filed_on", None)
    return f.AgreementFactory(pairing=world.pairing_a, **kw)  # type: ignore[no-any-return]


@pytest.mark.parametrize("who", ROLES)
def test_overview_role_matrix(world: Any, users: dict[str, Any], who: str) -> None:
    # given pairing A with an unsigned agreement and an overdue item, pairing B with nothing
    a = _agreement(world, government_signed_on=None)
    AgreementItem.objects.create(
        agreement=a, kind="task", description="逾期的任务", due_date=dt.date(2023, 1, 1)
    )
    response = _client(users[who]).get(
        reverse("agreements:overview"), {"program": world.program.pk, "year": 2023}
    )
    if who == "other":
        # another province's staff cannot even name this program: its own programs only
        assert response.status_code == 200
        assert world.recipient_a.name not in response.content.decode()
        return
    assert response.status_code == 200
    body = response.content.decode()
    # then pairing A (and its overdue item) shows only to those who see pairing A
    assert (world.recipient_a.name in body) is (who in SEES_A)
    assert ("逾期的任务" in body) is (who in SEES_A)
    if who in SEES_A:
        assert "未签齐（缺：县政府）" in body
    assert (world.recipient_b.name in body) is (who in {"province", "city_b", "bob", "dana"})


def test_overview_counts_and_query_count_do_not_grow_with_pairings(world: Any, users: dict[str, Any]) -> None:
    client = _client(users["province"])
    url = reverse("agreements:overview")
    params = {"program": world.program.pk, "year": 2023}
    client.get(url, params)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, params)
    assert response.context["overview"].counts["supporters"] == 3
    for _ in range(5):
        p = f.PairingFactory(program=world.program, recipient=f.RecipientFactory(province=world.province))
        a = f.AgreementFactory(pairing=p)
        AgreementItem.objects.create(agreement=a, kind="task", description="x", due_date=dt.date(2023, 1, 1))
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, params)
    assert response.context["overview"].counts == {
        "supporters": 8,
        "tripartite_missing": 3,
        "annual_missing": 8,
        "overdue_items": 5,
    }
    assert len(large) == len(small)


def test_overview_exports_the_filtered_rows_with_escaped_cells(world: Any, users: dict[str, Any]) -> None:
    world.supporter_a.name = '=HYPERLINK("http://x")'
    world.supporter_a.save()
    a = _agreement(world)
    AgreementItem.objects.create(agreement=a, kind="task", description="-1+1", due_date=dt.date(2023, 1, 1))
    response = _client(users["province"]).get(
        reverse("agreements:overview"), {"program": world.program.pk, "year": 2023, "format": "xlsx"}
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    sign, overdue = wb.worksheets
    cells = [c.value for row in sign.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert world.recipient_b.name in cells
    assert [c.value for c in overdue[2]][3] == "'-1+1"
    # filtered: only rows with problems of pairing B's recipient name
    response = _client(users["province"]).get(
        reverse("agreements:overview"),
        {"program": world.program.pk, "year": 2023, "format": "xlsx", "q": world.recipient_b.name},
    )
    names = {
        row[1].value for row in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(min_row=2)
    }
    assert names == {world.recipient_b.name}


@pytest.mark.parametrize("who", ROLES)
def test_enter_agreement_page_role_matrix(world: Any, users: dict[str, Any], who: str) -> None:
    url = reverse("agreements:create", args=[world.pairing_a.pk])
    client = _client(users[who])
    post = {
        "supporter": world.supporter_a.pk,
        "kind": "tripartite",
        "title": "三方协议",
        "supporter_signed_on": "2022-03-20",
        "government_signed_on": "2022-03-25",
        "recipient_signed_on": "2022-03-21",
        "scan": SimpleUploadedFile("协议.pdf", PDF),
    }
    get, response = client.get(url), client.post(url, post)
    if who in ENTERS_A:
        assert get.status_code == 200
        a = Agreement.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "agreements:detail", args=[a.pk]
        )
        assert a.scan.read() == PDF
    elif who == "erin":
        # the co-supporter enters its own agreement: the lead supporter is not among its choices
        assert get.status_code == 200 and response.status_code == 200
        assert world.supporter_a.name not in get.content.decode()
        assert not Agreement.objects.exists()
    else:
        expected = 403 if who in SEES_A else 404
        assert get.status_code == expected and response.status_code == expected
        assert not Agreement.objects.exists()


def test_a_bad_scan_is_shown_on_the_form_and_nothing_is_written(world: Any, users: dict[str, Any]) -> None:
    url = reverse("agreements:create", args=[world.pairing_a.pk])
    post = {"supporter": world.supporter_a.pk, "kind": "tripartite", "title": "三方协议"}
    response = _client(users["province"]).post(url, {**post, "scan": SimpleUploadedFile("a.pdf", b"GIF89a")})
    assert response.status_code == 200
    assert "只接受 PDF 或图片" in response.content.decode()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_detail_items_and_reports_role_matrix(world: Any, users: dict[str, Any], who: str) -> None:
    a = _agreement(world)
    item = AgreementItem.objects.create(
        agreement=a, kind="task", description="培训护士", due_date=dt.date(2023, 1, 1)
    )
    client = _client(users[who])
    detail = client.get(reverse("agreements:detail", args=[a.pk]))
    add = client.post(
        reverse("agreements:item_create", args=[a.pk]), {"kind": "goal", "description": "建成卒中中心"}
    )
    report = client.post(
        reverse("agreements:item_report", args=[item.pk]),
        {"status": "in_progress", "note": "已培训 5 人", "evidence": SimpleUploadedFile("e.pdf", PDF)},
    )
    item.refresh_from_db()
    if who not in SEES_A:
        assert detail.status_code == add.status_code == report.status_code == 404
    else:
        assert detail.status_code == 200
        assert "已逾期" in detail.content.decode()
    added = AgreementItem.objects.filter(description="建成卒中中心").exists()
    assert added is (who in ENTERS_A)
    if who in {"alice", "charlie"}:
        assert item.status == "in_progress" and AgreementItemUpdate.objects.count() == 1
    else:
        assert item.status == "planned" and not AgreementItemUpdate.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_scan_and_evidence_downloads_are_scoped(world: Any, users: dict[str, Any], who: str) -> None:
    a = _agreement(world)
    a.scan.save("x.pdf", io.BytesIO(PDF))
    item = AgreementItem.objects.create(agreement=a, kind="task", description="培训护士")
    update = agreement_item_report(
        user=world.users["alice"], item=item, status="in_progress", evidence=io.BytesIO(PDF)
    )
    client = _client(users[who])
    urls = (
        reverse("protected_file", args=["pairings", "agreement", a.pk, "scan"]),
        reverse("protected_file", args=["pairings", "agreementitemupdate", update.pk, "evidence"]),
    )
    for url in urls:
        response = client.get(url)
        if who in SEES_A:
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
            assert response["Content-Type"] == "application/pdf"
            assert response["Cache-Control"] == "private, no-store"
        else:
            assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(world: Any) -> None:
    response = Client().get(reverse("agreements:overview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
