"""基层帮扶工作经历证明: issued only when qualified and the stay met the minimum; public verification; PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Certificate
from assessments.services.appraisals import end_appraisal_record
from assessments.services.certificates import certificate_eligibility, mask_name
from devtools import factories as f

D = dt.date


def record(world, deployment, *, qualified=True):
    return end_appraisal_record(
        user=world.users["alice"],
        deployment=deployment,
        qualified=qualified,
        opinion="工作认真负责。",
        signer="王院长",
        signed_on=D(2023, 7, 10),
    )


@pytest.fixture
def team(world):
    return f.TeamFactory(pairing=world.pairing_a)


def test_exactly_six_months_gets_a_numbered_certificate(world, team):
    # given a member (Gansu: ≥ 6 months) deployed 2023-01-01 … 2023-06-30 (= start + 6 months − 1 day)
    dep = f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    # when the recipient records a qualified appraisal
    appraisal = record(world, dep)
    # then a certificate is issued with a program-numbered id and an unguessable code
    cert = Certificate.objects.get(appraisal=appraisal)
    assert cert.number == f"{world.program.code}-000001"
    assert len(cert.verification_code) >= 20
    second = record(
        world, f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 7, 31))
    )
    assert second.certificate.number == f"{world.program.code}-000002"


def test_one_day_short_gets_none_and_says_why(world, team, client):
    dep = f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 29))
    record(world, dep)
    assert not Certificate.objects.exists()
    e = certificate_eligibility(deployment=dep)
    assert (e.reason, e.required_end) == ("stay_too_short", D(2023, 6, 30))
    client.force_login(world.users["alice"])
    page = client.get(reverse("assessments:end_appraisal_entry", args=[dep.pk])).content.decode()
    assert "驻点时间未达到最低要求" in page


def test_leader_needs_twelve_months(world, team):
    dep = f.DeploymentFactory(
        team=team, role="leader", post="副院长", planned_start=D(2023, 1, 1), planned_end=D(2023, 12, 30)
    )
    record(world, dep)
    assert certificate_eligibility(deployment=dep).reason == "stay_too_short"


def test_not_qualified_gets_none(world, team):
    dep = f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    record(world, dep, qualified=False)
    assert not Certificate.objects.exists()
    assert certificate_eligibility(deployment=dep).reason == "not_qualified"


def test_not_ended_gets_none(world, team):
    today = timezone.localdate()
    dep = f.DeploymentFactory(
        team=team, planned_start=today - dt.timedelta(days=200), planned_end=today + dt.timedelta(days=30)
    )
    record(world, dep)
    assert not Certificate.objects.exists()
    assert certificate_eligibility(deployment=dep).reason == "not_ended"


def test_public_verification_valid_and_invalid(world, team, client):
    dep = f.DeploymentFactory(
        team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30), staff__name="欧阳娜娜"
    )
    cert = record(world, dep).certificate
    # anyone, without login, with the right code: valid, masked name, hospitals, dates, number
    page = client.get(
        reverse("assessments:certificate_verify", args=[cert.verification_code])
    ).content.decode()
    assert "有效" in page and "无效" not in page
    assert "欧***" in page and "欧阳娜娜" not in page
    assert cert.number in page and world.recipient_a.name in page and "2023-06-30" in page
    # a wrong code: invalid
    page = client.get(reverse("assessments:certificate_verify"), {"code": "not-a-code"}).content.decode()
    assert "无效" in page and cert.number not in page
    # a corrected appraisal (not qualified) revokes it
    record(world, dep, qualified=False)
    page = client.get(
        reverse("assessments:certificate_verify", args=[cert.verification_code])
    ).content.decode()
    assert "无效" in page


def test_mask_name():
    assert [mask_name(n) for n in ["张三", "李", "欧阳娜娜"]] == ["张*", "李*", "欧***"]


def test_certificate_page_and_pdf_are_scoped(world, team, client):
    dep = f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    cert = record(world, dep).certificate
    client.force_login(world.users["alice"])
    page = client.get(reverse("assessments:certificate_detail", args=[cert.pk]))
    assert page.status_code == 200 and cert.number in page.content.decode()
    pdf = client.get(reverse("assessments:certificate_pdf", args=[cert.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(world.users["bob"])  # another recipient's coordinator
    assert client.get(reverse("assessments:certificate_detail", args=[cert.pk])).status_code == 404
    assert client.get(reverse("assessments:certificate_pdf", args=[cert.pk])).status_code == 404
