"""Capacity building page of a pairing (issue 15 item 5): role matrix, refused writes change nothing,
evidence served only to those who may see the pairing, exports with filters, GRADE_TARGET resolves."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import FindingStatus
from assessments.models import (
    CentreMilestone,
    CentreProgress,
    Donation,
    Finding,
    NewTechnology,
    Referral,
    ServiceCapacityAssessment,
    Specialty,
)
from assessments.services import capacity as svc
from assessments.services.findings import rules_check
from devtools import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = dt.date(2026, 11, 30)

READERS = ("province", "city_a", "county_a", "charlie", "erin", "alice")
STRANGERS = ("bob", "city_b", "dana", "zoe", "yan")
NON_EDITORS = ("city_a", "county_a", "charlie", "erin")


@pytest.fixture
def cw(co_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return co_world


def url(world, **params):
    base = reverse("assessments:capacity", args=[world.pairing_a.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def counts():
    return tuple(
        m.objects.count()
        for m in (CentreProgress, CentreMilestone, Specialty, NewTechnology, ServiceCapacityAssessment)
        + (Referral, Donation)
    )


def milestone_post(**extra):
    data = {
        "section": "milestone",
        "milestone-centre": "chest_pain",
        "milestone-date": "2026-03-01",
        "milestone-description": "通过国家胸痛中心现场核查",
        "milestone-evidence": SimpleUploadedFile("核查报告.pdf", PDF),
    }
    data.update(extra)
    return data


# --- page: role matrix --------------------------------------------------------------------------------------


def test_page_role_matrix(cw, client):
    for who in READERS:
        client.force_login(cw.users[who])
        resp = client.get(url(cw))
        assert resp.status_code == 200, who
        assert "胸痛中心" in resp.content.decode()
        # only the recipient's coordinator and province staff get the forms
        editable = b'data-testid="form-milestone"' in resp.content
        assert editable == (who in ("alice", "province")), who
    for who in STRANGERS:
        client.force_login(cw.users[who])
        assert client.get(url(cw)).status_code == 404, who


def test_recipient_records_a_milestone_with_evidence_and_the_progress_moves(cw, client):
    client.force_login(cw.users["alice"])
    resp = client.post(url(cw), milestone_post())
    assert resp.status_code == 302
    centre = CentreProgress.objects.get(hospital=cw.recipient_a, centre="chest_pain")
    assert centre.status == "building"
    [m] = centre.milestones.all()
    assert m.description == "通过国家胸痛中心现场核查" and m.evidence_name == "核查报告.pdf"
    page = client.get(url(cw)).content.decode()
    assert "建设中" in page and "50%" in page and "核查报告.pdf" in page


@pytest.mark.parametrize("who", NON_EDITORS)
def test_readers_cannot_write_and_nothing_changes(cw, client, who):
    client.force_login(cw.users[who])
    before = counts()
    posts = [
        milestone_post(),
        {"section": "centre", "centre-centre": "stroke", "centre-status": "building"},
        {
            "section": "referral",
            "referral-month": "2026-01",
            "referral-up_count": 3,
            "referral-down_count": 1,
        },
    ]
    for data in posts:
        assert client.post(url(cw), data).status_code == 403
    assert counts() == before


@pytest.mark.parametrize("who", STRANGERS)
def test_strangers_get_404_on_writes_and_nothing_changes(cw, client, who):
    client.force_login(cw.users[who])
    before = counts()
    assert client.post(url(cw), milestone_post()).status_code == 404
    assert counts() == before


def test_bad_evidence_file_is_refused_by_name_and_nothing_is_written(cw, client):
    client.force_login(cw.users["alice"])
    before = counts()
    data = milestone_post(**{"milestone-evidence": SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf")})
    resp = client.post(url(cw), data)
    assert resp.status_code == 400
    assert "report.pdf：不支持的文件类型" in resp.content.decode()
    assert counts() == before


def test_built_centre_needs_a_date_and_future_dates_are_refused(cw, client):
    client.force_login(cw.users["alice"])
    before = counts()
    resp = client.post(url(cw), {"section": "centre", "centre-centre": "stroke", "centre-status": "built"})
    assert resp.status_code == 400
    assert "已建成或已通过认证的中心须填写建成日期" in resp.content.decode()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    resp = client.post(url(cw), milestone_post(**{"milestone-date": future}))
    assert resp.status_code == 400 and "日期不能晚于今天" in resp.content.decode()
    assert counts() == before


# --- evidence files -----------------------------------------------------------------------------------------


def test_evidence_downloadable_only_by_those_who_see_the_pairing(cw, client):
    milestone = svc.centre_milestone_add(
        user=cw.users["alice"],
        hospital=cw.recipient_a,
        centre="chest_pain",
        date=dt.date(2026, 3, 1),
        description="现场核查",
        evidence=SimpleUploadedFile("核查.pdf", PDF),
    )
    file_url = reverse("protected_file", args=["assessments", "centremilestone", milestone.pk, "evidence"])
    for who in READERS:
        client.force_login(cw.users[who])
        resp = client.get(file_url)
        assert resp.status_code == 200, who
        assert b"".join(resp.streaming_content) == PDF
    for who in STRANGERS:
        client.force_login(cw.users[who])
        assert client.get(file_url).status_code == 404, who


def test_assessment_evidence_is_protected_too(cw, client):
    a = svc.capacity_assessment_create(
        user=cw.users["province"],
        hospital=cw.recipient_a,
        data=svc.CapacityAssessmentData(
            assessed_on=dt.date(2025, 6, 1), standard="basic", reaches_level2=True, assessor="省评审组"
        ),
        evidence=SimpleUploadedFile("评估.pdf", PDF),
    )
    file_url = reverse("protected_file", args=["assessments", "servicecapacityassessment", a.pk, "evidence"])
    client.force_login(cw.users["erin"])
    assert client.get(file_url).status_code == 200
    client.force_login(cw.users["bob"])
    assert client.get(file_url).status_code == 404


# --- GRADE_TARGET -------------------------------------------------------------------------------------------


def test_recorded_level2_assessment_resolves_grade_target_on_the_next_check(cw, client):
    as_of = dt.date(2026, 6, 1)
    rules_check(program=cw.program, as_of=as_of)
    finding = Finding.objects.get(rule_code="GRADE_TARGET", county=cw.county_a)
    assert finding.status == FindingStatus.OPEN
    client.force_login(cw.users["alice"])
    resp = client.post(
        url(cw),
        {
            "section": "assessment",
            "assessment-assessed_on": "2025-06-01",
            "assessment-standard": "basic",
            "assessment-reaches_level2": "1",
            "assessment-assessor": "省医疗服务能力评审组",
            "assessment-evidence": SimpleUploadedFile("评估报告.pdf", PDF),
        },
    )
    assert resp.status_code == 302
    rules_check(program=cw.program, as_of=as_of)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED


# --- other sections ---------------------------------------------------------------------------------------


def test_each_section_saves_through_its_service(cw, client):
    client.force_login(cw.users["alice"])
    supporter = cw.supporter_a.pk
    posts = [
        {
            "section": "centre",
            "centre-centre": "stroke",
            "centre-status": "built",
            "centre-achieved_on": "2025-05-01",
        },
        {
            "section": "specialty",
            "specialty-kind": "weak",
            "specialty-name": "心内科",
            "specialty-selected_year": 2025,
            "specialty-progress": 40,
            "specialty-goal": "开展介入",
        },
        {
            "section": "specialty",
            "specialty-kind": "weak",
            "specialty-name": "心内科",
            "specialty-selected_year": 2025,
            "specialty-progress": 70,
            "specialty-goal": "开展介入",
        },
        {
            "section": "technology",
            "technology-name": "经皮冠状动脉介入",
            "technology-introduced_on": "2025-04-01",
            "technology-supporter": supporter,
            "technology-cases": 12,
        },
        {
            "section": "referral",
            "referral-month": "2025-03",
            "referral-up_count": 5,
            "referral-down_count": 2,
        },
        {
            "section": "referral",
            "referral-month": "2025-03",
            "referral-up_count": 6,
            "referral-down_count": 2,
        },
        {
            "section": "donation",
            "donation-supporter": supporter,
            "donation-date": "2025-02-01",
            "donation-kind": "in_kind",
            "donation-description": "彩超一台",
            "donation-value_cny": "350000.00",
        },
    ]
    for data in posts:
        resp = client.post(url(cw), data)
        assert resp.status_code == 302, resp.content.decode()[:3000]
    assert CentreProgress.objects.get(centre="stroke").status == "built"
    assert Specialty.objects.get().progress == 70
    assert NewTechnology.objects.get().supporter_id == supporter
    assert Referral.objects.get().up_count == 6
    assert Donation.objects.get().value_cny == 350000
    page = client.get(url(cw)).content.decode()
    assert "心内科" in page and "70%" in page and "彩超一台" in page


def test_technology_supporter_must_be_of_the_pairing(cw):
    with pytest.raises(ValidationError) as exc:
        svc.new_technology_create(
            user=cw.users["alice"],
            hospital=cw.recipient_a,
            data=svc.NewTechnologyData(
                name="腔镜", introduced_on=dt.date(2025, 1, 1), pairing=cw.pairing_a, supporter=cw.supporter_b
            ),
        )
    assert "supporter" in exc.value.message_dict
    assert NewTechnology.objects.count() == 0


def test_services_refuse_other_hospitals(cw):
    with pytest.raises(PermissionDenied):
        svc.referral_create(
            user=cw.users["bob"],
            hospital=cw.recipient_a,
            data=svc.ReferralData(month=dt.date(2025, 1, 1), up_count=1, down_count=1),
        )
    with pytest.raises(PermissionDenied):
        svc.centre_create(
            user=cw.users["zoe"],
            hospital=cw.recipient_a,
            data=svc.CentreData(centre="ecg", status="building"),
        )
    assert Referral.objects.count() == 0 and CentreProgress.objects.count() == 0


# --- exports and query counts ---------------------------------------------------------------------------


def _sheet(resp):
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_exports_apply_the_filter_and_escape_cells(cw, client):
    alice = cw.users["alice"]
    for month, up in ((dt.date(2024, 12, 1), 1), (dt.date(2025, 1, 1), 2), (dt.date(2025, 2, 1), 3)):
        svc.referral_create(
            user=alice, hospital=cw.recipient_a, data=svc.ReferralData(month=month, up_count=up, down_count=0)
        )
    svc.specialty_create(
        user=alice,
        hospital=cw.recipient_a,
        data=svc.SpecialtyData(kind="weak", name="=HYPERLINK(1)", selected_year=2025, progress=10),
    )
    client.force_login(cw.users["charlie"])
    rows = _sheet(client.get(url(cw, export="referrals", year=2025)))
    assert rows[0] == ["月份", "上转人次", "下转人次"]
    assert [r[0] for r in rows[1:]] == ["2025-01", "2025-02"]
    spec = _sheet(client.get(url(cw, export="specialties")))
    assert spec[1][1] == "'=HYPERLINK(1)"
    for what in ("centres", "technologies", "assessments", "donations"):
        resp = client.get(url(cw, export=what))
        assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxml"), what
    centres = _sheet(client.get(url(cw, export="centres")))
    assert len(centres) == 11  # header + the ten centres


def test_page_queries_do_not_grow_with_rows(cw, client):
    alice = cw.users["alice"]
    client.force_login(alice)

    def add(n):
        for i in range(n):
            svc.centre_milestone_add(
                user=alice, hospital=cw.recipient_a, centre=["ecg", "stroke", "trauma"][i % 3],
                date=dt.date(2025, 1, 1 + i), description=f"进展{i}",
            )  # fmt: skip
            svc.new_technology_create(
                user=alice,
                hospital=cw.recipient_a,
                data=svc.NewTechnologyData(
                    name=f"技术{n}-{i}", introduced_on=dt.date(2025, 1, 1), pairing=cw.pairing_a,
                    supporter=cw.supporter_a,
                ),
            )  # fmt: skip

    add(1)
    client.get(url(cw))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(cw)).status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as big:
        assert client.get(url(cw)).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(
    "data",
    [
        {"section": "referral", "referral-month": "9999-12", "referral-up_count": "1e400",
         "referral-down_count": "x"},
        {"section": "specialty", "specialty-kind": "weak", "specialty-name": "骨科",
         "specialty-selected_year": "99999999999999999999", "specialty-progress": "-1"},
        {"section": "donation", "donation-supporter": "99999999999999999999", "donation-date": "2024-02-30",
         "donation-kind": "gold", "donation-description": "x", "donation-value_cny": "nan"},
        {"section": "technology", "technology-name": "x" * 500, "technology-introduced_on": "0001-01-01",
         "technology-supporter": "abc", "technology-cases": "²"},
        {"section": "centre", "centre-centre": "moon", "centre-status": "built",
         "centre-achieved_on": "２０２４"},
        {"section": "nonsense"},
    ],
)  # fmt: skip
def test_junk_posts_are_refused_with_a_reason_never_a_500(cw, client, data):
    client.force_login(cw.users["alice"])
    before = counts()
    resp = client.post(url(cw), data)
    assert resp.status_code in (302, 400)
    assert counts() == before


def test_list_scoped_with_constant_queries_and_a_single_pairing_redirects(cw, client):
    list_url = reverse("assessments:capacity_list")
    client.force_login(cw.users["alice"])
    resp = client.get(list_url)
    assert resp.status_code == 302 and resp["Location"] == url(cw)
    svc.centre_create(
        user=cw.users["province"],
        hospital=cw.recipient_b,
        data=svc.CentreData(centre="ecg", status="built", achieved_on=dt.date(2025, 1, 1)),
    )
    expected = {"province": 2, "city_a": 1, "county_a": 1, "charlie": 1, "erin": 1, "city_b": 1, "zoe": 0}
    for who, n in expected.items():
        client.force_login(cw.users[who])
        page = client.get(list_url).content.decode()
        assert page.count('data-testid="capacity-row"') == n, who
    client.force_login(cw.users["province"])
    assert "中心已建成 1/10" in client.get(list_url).content.decode()
    with CaptureQueriesContext(connection) as small:
        client.get(list_url)
    for _ in range(4):
        f.PairingFactory(program=cw.program)
    with CaptureQueriesContext(connection) as big:
        page = client.get(list_url).content.decode()
    assert page.count('data-testid="capacity-row"') == 6
    assert len(big.captured_queries) == len(small.captured_queries)
