"""Pages of the appraisals and reports areas: role matrix, refused writes change nothing, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.choices import AppraisalStatus, ReportKind
from assessments.models import AnnualAppraisal, MonthlyAssessment, ReportFile, SpotCheck
from assessments.services.appraisals import annual_appraisal_compute
from assessments.services.reports import report_build
from devtools import factories as f

D = dt.date


@pytest.fixture
def dep(world):
    today = timezone.localdate()
    team = f.TeamFactory(pairing=world.pairing_a, year=today.year)
    return f.DeploymentFactory(
        team=team, planned_start=today - dt.timedelta(days=60), planned_end=today + dt.timedelta(days=120)
    )


def monthly_post(month):
    return {"month": month.strftime("%Y-%m"), "item_discipline": "20", "item_clinical": "35",
            "item_teaching": "15", "item_satisfaction": "18"}  # fmt: skip


def test_recipient_coordinator_enters_a_monthly_assessment(world, dep, client):
    client.force_login(world.users["alice"])
    assert dep.staff.name in client.get(reverse("assessments:monthly_assessments")).content.decode()
    r = client.post(
        reverse("assessments:monthly_assessment_entry", args=[dep.pk]), monthly_post(dep.planned_start)
    )
    assert r.status_code == 302
    assert MonthlyAssessment.objects.get(deployment=dep).score == 88


def test_supporter_cannot_enter_monthly_assessments(world, dep, client):
    client.force_login(world.users["charlie"])  # supporter A's coordinator sees the deployment
    r = client.post(
        reverse("assessments:monthly_assessment_entry", args=[dep.pk]), monthly_post(dep.planned_start)
    )
    assert r.status_code == 403
    assert not MonthlyAssessment.objects.exists()


@pytest.mark.parametrize("who", ["bob", "dana", "city_b"])
def test_other_hospitals_and_cities_get_404(world, dep, client, who):
    client.force_login(world.users[who])
    for name in ["monthly_assessment_entry", "spot_check_entry", "end_appraisal_entry"]:
        assert client.get(reverse(f"assessments:{name}", args=[dep.pk])).status_code == 404
    r = client.post(
        reverse("assessments:monthly_assessment_entry", args=[dep.pk]), monthly_post(dep.planned_start)
    )
    assert r.status_code == 404 and not MonthlyAssessment.objects.exists()


def test_anonymous_is_sent_to_login(dep, client):
    r = client.get(reverse("assessments:monthly_assessments"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_supporter_records_a_spot_check_and_recipient_cannot(world, dep, client):
    # a day inside the deployment (a check outside it, or in the future, is refused with the reason)
    day = timezone.localdate() - dt.timedelta(days=1)
    data = {"checked_at": f"{day.isoformat()}T10:00", "reached": "on", "note": "在岗"}
    client.force_login(world.users["alice"])
    assert client.post(reverse("assessments:spot_check_entry", args=[dep.pk]), data).status_code == 403
    assert not SpotCheck.objects.exists()
    client.force_login(world.users["charlie"])
    assert client.post(reverse("assessments:spot_check_entry", args=[dep.pk]), data).status_code == 302
    assert SpotCheck.objects.get().reached is True


def test_monthly_list_query_count_is_constant(world, client, django_assert_max_num_queries):
    client.force_login(world.users["province"])
    team = f.TeamFactory(pairing=world.pairing_a)
    url = reverse("assessments:monthly_assessments")

    def add(n):
        for _ in range(n):
            f.MonthlyAssessmentFactory(deployment=f.DeploymentFactory(team=team))

    add(2)
    client.get(url)  # warm the membership cache paths
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(url)
    assert r.status_code == 200


def test_end_appraisal_list_query_count_is_constant(world, client, django_assert_max_num_queries):
    client.force_login(world.users["alice"])
    team = f.TeamFactory(pairing=world.pairing_a)
    url = reverse("assessments:end_appraisals")
    f.EndOfStintAppraisalFactory(deployment=f.DeploymentFactory(team=team))
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    for _ in range(10):
        f.EndOfStintAppraisalFactory(deployment=f.DeploymentFactory(team=team))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.fixture
def computed(world):
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    return AnnualAppraisal.objects.get(pairing=world.pairing_a)


def test_annual_pages_role_matrix(world, computed, client):
    list_url = reverse("assessments:annual_appraisals") + f"?program={world.program.pk}&year=2023"
    detail = reverse("assessments:annual_appraisal_detail", args=[computed.pk])
    client.force_login(world.users["province"])
    page = client.get(list_url).content.decode()
    assert world.recipient_a.name in page and world.recipient_b.name in page
    assert "全年派驻覆盖" in client.get(detail).content.decode()  # breakdown with figures
    client.force_login(world.users["city_b"])  # another city sees only its pairing
    page = client.get(list_url).content.decode()
    assert world.recipient_b.name in page and world.recipient_a.name not in page
    assert client.get(detail).status_code == 404
    client.force_login(world.users["bob"])
    assert client.get(detail).status_code == 404


def test_adjust_without_reason_changes_nothing_and_with_reason_adjusts(world, computed, client):
    url = reverse("assessments:annual_appraisal_adjust", args=[computed.pk])
    client.force_login(world.users["province"])
    client.post(url, {"adjustment": "5", "reason": ""})
    computed.refresh_from_db()
    assert computed.adjustment == 0
    client.post(url, {"adjustment": "5", "reason": "复核后加分"})
    computed.refresh_from_db()
    assert computed.adjustment == 5 and computed.adjustment_reason == "复核后加分"


def test_city_staff_cannot_compute_or_publish(world, computed, client):
    client.force_login(world.users["city_a"])
    data = {"program": world.program.pk, "year": 2023}
    assert client.post(reverse("assessments:annual_appraisal_publish"), data).status_code == 403
    assert client.post(reverse("assessments:annual_appraisal_compute"), data).status_code == 403
    assert not AnnualAppraisal.objects.filter(status=AppraisalStatus.PUBLISHED).exists()
    client.force_login(world.users["province"])
    client.post(reverse("assessments:annual_appraisal_publish"), {**data, "confirm": "1", "expected": "2"})
    assert AnnualAppraisal.objects.filter(status=AppraisalStatus.PUBLISHED).count() == 2


def test_annual_list_query_count_is_constant(world, client, django_assert_max_num_queries):
    client.force_login(world.users["province"])
    url = reverse("assessments:annual_appraisals") + f"?program={world.program.pk}&year=2023"
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    for _ in range(8):
        f.PairingFactory(program=world.program)
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_reports_request_status_and_scoped_download(
    world, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    request_data = {"program": world.program.pk, "kind": ReportKind.ANNUAL_WORKBOOK, "year": 2023}
    client.force_login(world.users["province"])
    with django_capture_on_commit_callbacks():  # the Celery task is not run here; the body is run below
        client.post(reverse("assessments:report_create"), request_data)
    report = ReportFile.objects.get()
    status = client.get(reverse("assessments:report_status", args=[report.pk])).content.decode()
    assert "data-poll" in status  # queued: the list keeps polling
    assert client.get(reverse("assessments:report_download", args=[report.pk])).status_code == 404
    report_build(report_id=report.pk)
    assert "下载" in client.get(reverse("assessments:report_status", args=[report.pk])).content.decode()
    r = client.get(reverse("assessments:report_download", args=[report.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"PK"
    for who in ["city_a", "county_a", "alice", "charlie", "dashboard"]:
        client.force_login(world.users[who])
        assert client.get(reverse("assessments:report_download", args=[report.pk])).status_code == 404
        refused = client.post(reverse("assessments:report_create"), request_data)
        assert refused.status_code in (403, 404)
    assert ReportFile.objects.count() == 1


def test_supporter_cannot_record_the_end_of_stint_appraisal(world, dep, client):
    from assessments.models import EndOfStintAppraisal

    data = {"qualified": "1", "opinion": "合格", "signer": "王院长", "signed_on": "2024-01-05"}
    client.force_login(world.users["charlie"])
    assert client.post(reverse("assessments:end_appraisal_entry", args=[dep.pk]), data).status_code == 403
    assert not EndOfStintAppraisal.objects.exists()
    client.force_login(world.users["alice"])
    assert client.post(reverse("assessments:end_appraisal_entry", args=[dep.pk]), data).status_code == 302
    assert EndOfStintAppraisal.objects.get().qualified is True


def test_spot_check_list_query_count_is_constant(world, client, django_assert_max_num_queries):
    client.force_login(world.users["charlie"])
    team = f.TeamFactory(pairing=world.pairing_a)
    url = reverse("assessments:spot_checks")

    def add(n):
        for _ in range(n):
            SpotCheck.objects.create(
                deployment=f.DeploymentFactory(team=team), checked_at=timezone.now(), reached=True
            )

    add(2)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_report_list_query_count_is_constant(world, client, django_assert_max_num_queries):
    client.force_login(world.users["province"])
    url = reverse("assessments:report_list")
    ReportFile.objects.create(program=world.program, kind=ReportKind.ANNUAL_WORKBOOK, year=2023)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(15):
        ReportFile.objects.create(program=world.program, kind=ReportKind.EVALUATION)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("data-poll=") == 16


def _scorecard_post(world, **changes):
    from assessments.services.appraisals import DEFAULT_INDICATORS

    data = {"program": world.program.pk, "note": "2023 年起加重出勤"}
    data |= {f"weight_{ind['code']}": ind["weight"] for ind in DEFAULT_INDICATORS}
    data |= {"band_excellent": 90, "band_good": 80, "band_pass": 60}
    data |= changes
    return data


def test_province_staff_set_weights_and_bands_and_the_next_computation_uses_them(world, computed, client):
    from assessments.models import Scorecard

    url = reverse("assessments:annual_scorecard") + f"?program={world.program.pk}"
    client.force_login(world.users["province"])
    page = client.get(url).content.decode()
    assert "全年派驻覆盖" in page and "默认评分表" in page
    # attendance 15 → 20, services 5 → 0 (still 100); 良好 from 80 to 85
    r = client.post(url, _scorecard_post(world, weight_attendance=20, weight_services=0, band_good=85))
    assert r.status_code == 302
    card = Scorecard.objects.get(program=world.program)
    weights = {ind["code"]: ind["weight"] for ind in card.indicators}
    assert (weights["attendance"], weights["services"]) == (20, 0)
    assert {b["grade"]: b["min"] for b in card.bands} == {"excellent": 90, "good": 85, "pass": 60, "fail": 0}
    # the published-or-draft rule: a new computation scores with the new card
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    draft = AnnualAppraisal.objects.get(pairing=world.pairing_a, status=AppraisalStatus.DRAFT)
    assert {line["code"]: line["weight"] for line in draft.breakdown["indicators"]}["attendance"] == 20
    assert {b["grade"]: b["min"] for b in draft.breakdown["bands"]}["good"] == 85
    # and back to the shipped card
    client.post(url, {"program": world.program.pk, "reset": "1"})
    assert not Scorecard.objects.filter(program=world.program).exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"weight_attendance": 30}, "权重合计应为 100，现为 115"),
        ({"band_good": 95}, "分数线应依次递减"),
        ({"weight_coverage": -5}, ""),  # the form refuses it before the service
    ],
)
def test_a_bad_scorecard_is_refused_and_changes_nothing(world, client, changes, message):
    from assessments.models import Scorecard

    url = reverse("assessments:annual_scorecard") + f"?program={world.program.pk}"
    client.force_login(world.users["province"])
    r = client.post(url, _scorecard_post(world, **changes))
    assert r.status_code == 200 and message in r.content.decode()
    assert not Scorecard.objects.filter(program=world.program).exists()


def test_only_the_provinces_commission_edits_the_scorecard(world, client):
    from assessments.models import Scorecard

    url = reverse("assessments:annual_scorecard") + f"?program={world.program.pk}"
    client.force_login(world.users["city_a"])  # sees the card, cannot change it
    page = client.get(url)
    assert page.status_code == 200 and "保存评分表" not in page.content.decode()
    assert client.post(url, _scorecard_post(world)).status_code == 403
    other = f.make_member("sc_prov", "province_staff", province=f.ProvinceFactory(code="51", name="四川省"))
    client.force_login(other)
    assert client.get(url).status_code == 404  # another province's program
    assert not Scorecard.objects.exists()


def test_editing_an_end_appraisal_keeps_its_signature_date(world, dep, client):
    """Issue 15 (recipient 6): the date box got "2024/11/04", showed empty, and re-saving was refused."""
    from assessments.models import EndOfStintAppraisal

    url = reverse("assessments:end_appraisal_entry", args=[dep.pk])
    client.force_login(world.users["alice"])
    first = {"qualified": "1", "opinion": "合格", "signer": "王院长", "signed_on": "2024-11-04"}
    assert client.post(url, first).status_code == 302
    # when the coordinator opens the saved appraisal again
    page = client.get(url).content.decode()
    # then the date box holds the ISO date a browser's date input accepts
    assert 'type="date" name="signed_on" value="2024-11-04"' in page
    # and saving the form as the browser sends it back keeps the date
    again = {**first, "opinion": "合格，工作认真"}
    assert client.post(url, again).status_code == 302
    saved = EndOfStintAppraisal.objects.get(deployment=dep)
    assert (saved.signed_on, saved.opinion) == (D(2024, 11, 4), "合格，工作认真")
