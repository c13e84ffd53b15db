"""限期整改: assign open findings to the responsible hospital, answer with evidence, accept or send back.

Role matrix on every page and endpoint (province, city, county, supporter, recipient, another province);
refused writes change nothing; evidence files are content-sniffed and size-limited.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.choices import FindingStatus, RectificationStatus
from assessments.models import Finding, Rectification, RectificationAnswer, RectificationEvidence
from assessments.services.findings import rules_check
from assessments.services.rectifications import (
    rectification_accept,
    rectification_answer,
    rectification_assign,
    rectification_send_back,
)
from core.roles import Role
from devtools import factories as f
from tests.assessments.rules_helpers import AS_OF

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def checked(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rules_check(program=world.program, as_of=AS_OF)
    world.users["other_province"] = f.make_member(
        "sc_prov", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="51", name="四川省")
    )
    return world


def gap(world, pairing):
    return Finding.objects.get(rule_code="COVERAGE_GAP", pairing=pairing)


def due():
    return timezone.localdate() + dt.timedelta(days=30)


@pytest.fixture
def assigned(checked):
    return rectification_assign(
        user=checked.users["province"],
        findings=[gap(checked, checked.pairing_a)],
        hospital=checked.recipient_a,
        due_date=due(),
        instruction="补齐派驻人员，提交排班表",
    )


def state():
    return (
        sorted(Rectification.objects.values_list("pk", "status", "decision_comment")),
        RectificationAnswer.objects.count(),
        RectificationEvidence.objects.count(),
        sorted(Finding.objects.values_list("pk", "status")),
    )


# --- the journey through the services ---------------------------------------------------------------------


def test_assign_answer_accept_closes_the_findings_and_a_rerun_keeps_them_closed(checked, assigned):
    alice, prov = checked.users["alice"], checked.users["province"]
    rectification_answer(
        user=alice, rectification=assigned, text="已补派2人", files=[upload("排班.pdf", PDF)]
    )
    assigned.refresh_from_db()
    assert assigned.status == RectificationStatus.ANSWERED
    evidence = RectificationEvidence.objects.get()
    assert (evidence.kind, evidence.name) == ("pdf", "排班.pdf") and evidence.file.read() == PDF
    rectification_accept(user=prov, rectification=assigned, comment="同意")
    finding = gap(checked, checked.pairing_a)
    assert finding.status == FindingStatus.RECTIFIED and finding.resolved_at is not None
    rules_check(program=checked.program, as_of=AS_OF)  # the gap still holds in the data
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFIED


def test_send_back_needs_a_comment_and_the_hospital_answers_again(checked, assigned):
    alice, prov = checked.users["alice"], checked.users["province"]
    rectification_answer(user=alice, rectification=assigned, text="已整改")
    before = state()
    with pytest.raises(ValidationError):
        rectification_send_back(user=prov, rectification=assigned, comment=" ")
    assert state() == before
    rectification_send_back(user=prov, rectification=assigned, comment="缺少排班表")
    assigned.refresh_from_db()
    assert assigned.status == RectificationStatus.RETURNED and assigned.decision_comment == "缺少排班表"
    rectification_answer(user=alice, rectification=assigned, text="补交排班表", files=[upload("a.png", PNG)])
    assigned.refresh_from_db()
    assert assigned.status == RectificationStatus.ANSWERED and assigned.answers.count() == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", b"MZ\x90\x00 not a pdf"),
        ("scan.png", b"GIF89a"),
        ("x.docx", b"PK\x03\x04broken"),
        ("e.pdf", b""),
    ],
)
def test_bad_evidence_is_refused_by_name_and_nothing_is_written(checked, assigned, name, content):
    before = state()
    with pytest.raises(ValidationError) as exc:
        rectification_answer(
            user=checked.users["alice"],
            rectification=assigned,
            text="已整改",
            files=[upload("ok.pdf", PDF), upload(name, content)],
        )
    assert name in str(exc.value)
    assert state() == before


def test_evidence_size_is_limited_and_office_documents_pass(checked, assigned, settings):
    settings.MAX_EVIDENCE_BYTES = 1024
    before = state()
    with pytest.raises(ValidationError, match="过大"):
        rectification_answer(
            user=checked.users["alice"],
            rectification=assigned,
            text="x",
            files=[upload("big.pdf", PDF + b"0" * 2000)],
        )
    assert state() == before
    rectification_answer(
        user=checked.users["alice"], rectification=assigned, text="x", files=[upload("a.docx", docx())]
    )
    assert RectificationEvidence.objects.get().kind == "docx"


def test_assign_validation(checked):
    prov = checked.users["province"]
    a, b = gap(checked, checked.pairing_a), gap(checked, checked.pairing_b)
    before = state()
    cases = [
        dict(findings=[a, b], hospital=checked.recipient_a, due_date=due(), instruction="x"),  # two pairings
        dict(findings=[a], hospital=checked.recipient_b, due_date=due(), instruction="x"),  # not its hospital
        dict(findings=[a], hospital=checked.recipient_a, due_date=AS_OF.replace(year=2000), instruction="x"),
        dict(findings=[a], hospital=checked.recipient_a, due_date=due(), instruction="  "),
        dict(findings=[], hospital=checked.recipient_a, due_date=due(), instruction="x"),
    ]
    for kwargs in cases:
        with pytest.raises(ValidationError):
            rectification_assign(user=prov, **kwargs)
    assert state() == before
    rectification_assign(
        user=prov, findings=[a], hospital=checked.supporter_a, due_date=due(), instruction="x"
    )
    with pytest.raises(ValidationError, match="已在整改中"):
        rectification_assign(
            user=prov, findings=[a], hospital=checked.recipient_a, due_date=due(), instruction="y"
        )
    Finding.objects.filter(pk=b.pk).update(status=FindingStatus.RESOLVED)
    with pytest.raises(ValidationError):
        rectification_assign(
            user=prov, findings=[b], hospital=checked.recipient_b, due_date=due(), instruction="x"
        )


# --- role matrices (pages) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 302), ("city_a", 302), ("county_a", 403), ("alice", 403), ("charlie", 403),
     ("dashboard", 403), ("city_b", 404), ("bob", 404), ("other_province", 404), ("nobody", 404)],
)  # fmt: skip
def test_assign_page_role_matrix(client, checked, who, status):
    finding = gap(checked, checked.pairing_a)
    before = state()
    client.force_login(checked.users[who])
    resp = client.post(
        reverse("assessments:rectification_assign", args=[finding.pk]),
        {"findings": [finding.pk], "hospital": checked.recipient_a.pk, "due_date": due().isoformat(),
         "instruction": "限期补齐"},
    )  # fmt: skip
    assert resp.status_code == status
    if status == 302:
        rect = Rectification.objects.get()
        assert list(rect.findings.all()) == [finding] and rect.hospital == checked.recipient_a
    else:
        assert state() == before


@pytest.mark.parametrize(
    ("who", "sees"),
    [("province", True), ("city_a", True), ("county_a", True), ("alice", True), ("charlie", True),
     ("city_b", False), ("bob", False), ("dana", False), ("other_province", False), ("nobody", False)],
)  # fmt: skip
def test_rectification_pages_are_scoped(client, checked, assigned, who, sees):
    client.force_login(checked.users[who])
    detail = client.get(reverse("assessments:rectification_detail", args=[assigned.pk]))
    assert detail.status_code == (200 if sees else 404)
    listing = client.get(reverse("assessments:rectification_list"))
    assert listing.status_code == 200
    assert (assigned.pk in [r.pk for r in listing.context["page"]]) is sees


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 302), ("charlie", 403), ("province", 403), ("city_a", 403), ("county_a", 403),
     ("bob", 404), ("other_province", 404)],
)  # fmt: skip
def test_answer_page_role_matrix(client, checked, assigned, who, status):
    before = state()
    client.force_login(checked.users[who])
    resp = client.post(
        reverse("assessments:rectification_answer", args=[assigned.pk]),
        {"text": "已整改", "files": [upload("a.pdf", PDF)]},
    )
    assert resp.status_code == status
    if status == 302:
        assert RectificationAnswer.objects.get().files.get().kind == "pdf"
    else:
        assert state() == before


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 302), ("city_a", 302), ("county_a", 403), ("alice", 403), ("charlie", 403),
     ("city_b", 404), ("other_province", 404)],
)  # fmt: skip
def test_accept_and_send_back_role_matrix(client, checked, assigned, who, status):
    rectification_answer(user=checked.users["alice"], rectification=assigned, text="已整改")
    before = state()
    client.force_login(checked.users[who])
    resp = client.post(
        reverse("assessments:rectification_send_back", args=[assigned.pk]), {"comment": "补材料"}
    )
    assert resp.status_code == status
    if status != 302:
        assert (
            client.post(reverse("assessments:rectification_accept", args=[assigned.pk])).status_code == status
        )
        assert state() == before
    else:
        assigned.refresh_from_db()
        assert assigned.status == RectificationStatus.RETURNED


def test_evidence_download_is_scoped(client, checked, assigned):
    rectification_answer(
        user=checked.users["alice"], rectification=assigned, text="x", files=[upload("a.pdf", PDF)]
    )
    url = reverse("assessments:rectification_evidence", args=[RectificationEvidence.objects.get().pk])
    for who, status in (
        ("alice", 200),
        ("province", 200),
        ("charlie", 200),
        ("bob", 404),
        ("other_province", 404),
    ):
        client.force_login(checked.users[who])
        resp = client.get(url)
        assert resp.status_code == status
        if status == 200:
            assert b"".join(resp.streaming_content) == PDF


def test_overdue_rectifications_stand_out(client, checked):
    prov = checked.users["province"]
    late = rectification_assign(
        user=prov, findings=[gap(checked, checked.pairing_a)], hospital=checked.recipient_a,
        due_date=timezone.localdate() - dt.timedelta(days=3), instruction="x",
        today=timezone.localdate() - dt.timedelta(days=10),
    )  # fmt: skip
    on_time = rectification_assign(
        user=prov, findings=[gap(checked, checked.pairing_b)], hospital=checked.recipient_b, due_date=due(),
        instruction="y",
    )  # fmt: skip
    client.force_login(prov)
    url = reverse("assessments:rectification_list")
    page = client.get(url)
    assert page.context["overdue_count"] == 1 and 'data-testid="overdue-badge"' in page.content.decode()
    assert [r.pk for r in client.get(url, {"overdue": "1"}).context["page"]] == [late.pk]
    assert on_time.pk in [r.pk for r in page.context["page"]]
    # answered: the hospital has done its part, no longer overdue
    rectification_answer(user=checked.users["alice"], rectification=late, text="已整改")
    assert client.get(url).context["overdue_count"] == 0


def test_list_query_count_is_constant(client, checked, assigned):
    client.force_login(checked.users["province"])
    url = reverse("assessments:rectification_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    rectification_assign(
        user=checked.users["province"], findings=[gap(checked, checked.pairing_b)],
        hospital=checked.recipient_b, due_date=due(), instruction="y",
    )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_finding_page_offers_the_assign_form_to_commission_staff_only(client, checked):
    finding = gap(checked, checked.pairing_a)
    url = reverse("assessments:finding_detail", args=[finding.pk])
    for who, offered in (("province", True), ("city_a", True), ("county_a", False), ("alice", False)):
        client.force_login(checked.users[who])
        assert ('data-testid="rectify-form"' in client.get(url).content.decode()) is offered


def test_city_staff_can_no_longer_waive_or_reopen(client, checked):
    finding = gap(checked, checked.pairing_a)
    client.force_login(checked.users["city_a"])
    assert (
        client.post(reverse("assessments:finding_waive", args=[finding.pk]), {"reason": "x"}).status_code
        == 403
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


# --- API ----------------------------------------------------------------------------------------------------

API = "/api/v1/rectifications/"


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 201), ("city_a", 201), ("county_a", 403), ("alice", 403), ("charlie", 403),
     ("dashboard", 403), ("city_b", 400), ("other_province", 400)],
)  # fmt: skip
def test_api_assign_role_matrix(client, checked, who, status):
    # a finding outside the caller's scope is not a valid choice (400), as in every scoped input
    finding = gap(checked, checked.pairing_a)
    before = state()
    client.force_login(checked.users[who])
    resp = client.post(
        API,
        {"findings": [finding.pk], "hospital": checked.recipient_a.pk, "due_date": due().isoformat(),
         "instruction": "限期补齐"},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == status, resp.content
    if status == 201:
        assert resp.json()["findings"] == [finding.pk] and resp.json()["status"] == "assigned"
    else:
        assert state() == before


def test_api_answer_accept_and_scoped_reads(client, checked, assigned):
    client.force_login(checked.users["bob"])
    assert client.get(f"{API}{assigned.pk}/").status_code == 404
    assert client.post(f"{API}{assigned.pk}/answer/", {"text": "x"}).status_code == 404
    client.force_login(checked.users["charlie"])
    assert client.post(f"{API}{assigned.pk}/answer/", {"text": "x"}).status_code == 403
    client.force_login(checked.users["alice"])
    resp = client.post(f"{API}{assigned.pk}/answer/", {"text": "已整改", "files": [upload("a.pdf", PDF)]})
    assert resp.status_code == 200 and resp.json()["status"] == "answered"
    assert resp.json()["answers"][0]["files"][0]["kind"] == "pdf"
    bad = client.post(f"{API}{assigned.pk}/answer/", {"text": "again"})
    assert bad.status_code == 400  # already answered, waiting for the commission
    assert client.post(f"{API}{assigned.pk}/accept/", {}, content_type="application/json").status_code == 403
    client.force_login(checked.users["province"])
    resp = client.post(f"{API}{assigned.pk}/accept/", {"comment": "同意"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    assert gap(checked, checked.pairing_a).status == FindingStatus.RECTIFIED
    listing = client.get(API).json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    assert [r["id"] for r in rows] == [assigned.pk]


def test_api_send_back_and_bad_file(client, checked, assigned):
    client.force_login(checked.users["alice"])
    resp = client.post(f"{API}{assigned.pk}/answer/", {"text": "x", "files": [upload("a.pdf", b"MZ evil")]})
    assert resp.status_code == 400 and "a.pdf" in resp.content.decode("utf-8")
    assert RectificationAnswer.objects.count() == 0
    client.post(f"{API}{assigned.pk}/answer/", {"text": "x"})
    client.force_login(checked.users["city_a"])
    assert (
        client.post(f"{API}{assigned.pk}/send-back/", {}, content_type="application/json").status_code == 400
    )
    resp = client.post(
        f"{API}{assigned.pk}/send-back/", {"comment": "补材料"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "returned"


def test_api_list_query_count_is_constant(client, checked, assigned):
    rectification_answer(
        user=checked.users["alice"], rectification=assigned, text="x", files=[upload("a.pdf", PDF)]
    )
    client.force_login(checked.users["province"])
    client.get(API)
    with CaptureQueriesContext(connection) as few:
        client.get(API, {"x": 1})
    other = rectification_assign(
        user=checked.users["province"], findings=[gap(checked, checked.pairing_b)],
        hospital=checked.recipient_b, due_date=due(), instruction="y",
    )  # fmt: skip
    rectification_answer(
        user=checked.users["bob"], rectification=other, text="x", files=[upload("b.pdf", PDF)]
    )
    with CaptureQueriesContext(connection) as more:
        client.get(API, {"x": 2})
    assert len(more) == len(few)


def test_permission_predicates_refuse_in_the_service_too(checked, assigned):
    with pytest.raises(PermissionDenied):
        rectification_answer(user=checked.users["charlie"], rectification=assigned, text="x")
    with pytest.raises(PermissionDenied):
        rectification_assign(
            user=checked.users["county_a"], findings=[gap(checked, checked.pairing_a)],
            hospital=checked.recipient_a, due_date=due(), instruction="x",
        )  # fmt: skip
