"""工作月报 (issue 19): the person files, the leader reviews, the recipient confirms; only confirmed figures
count — the assessment's month figures, the report figures and the API agree, and a statement is never
summed in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.reports.figures import pairing_figures
from assessments.selectors.monthly import month_figures
from teams.choices import ReportStatus
from teams.models import MonthlyActivity
from teams.services import work_reports as svc
from teams.services.activity import activity_record

User = get_user_model()
FIGS = {"outpatient_visits": 120, "surgeries": 8, "lectures": 2, "teaching_rounds": 3, "case_discussions": 1,
        "remote_consultations": 0}  # fmt: skip
TEXT = {"work_done": "门诊和带教", "problems": "设备不足", "next_plan": "开展新技术"}


def u(name):
    return User.objects.get(username=name)


def _file(people, who="mei", dep=None, **figs):
    return svc.work_report_submit(
        user=u(who), deployment=dep or getattr(people, who), month=people.month, figures={**FIGS, **figs},
        narrative=TEXT,
    )  # fmt: skip


def test_file_review_confirm(people):
    report = _file(people)
    assert report.status == ReportStatus.SUBMITTED and report.author == u("mei")
    # a member cannot review, nor the leader of another team, nor the leader their own report
    with pytest.raises(PermissionDenied):
        svc.work_report_review(user=u("mu"), activity=report)
    with pytest.raises(PermissionDenied):
        svc.work_report_review(user=u("bo"), activity=report)
    own = _file(people, "lin", people.leader)
    with pytest.raises(PermissionDenied):
        svc.work_report_review(user=u("lin"), activity=own)
    svc.work_report_review(user=u("lin"), activity=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEWED and report.reviewed_by == u("lin")
    # only the recipient's coordinator confirms
    for who in ("charlie", "bob", "lin", "mei", "prov"):
        with pytest.raises(PermissionDenied):
            svc.work_report_confirm(user=u(who), activity=report)
    assert MonthlyActivity.objects.get(pk=report.pk).status == ReportStatus.REVIEWED
    svc.work_report_confirm(user=u("alice"), activity=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.CONFIRMED and report.confirmed_by == u("alice")
    # a confirmed month is closed to the person
    with pytest.raises(ValidationError):
        _file(people, outpatient_visits=999)
    assert MonthlyActivity.objects.get(pk=report.pk).outpatient_visits == 120


def test_a_person_files_only_their_own_and_only_inside_the_stay(people):
    with pytest.raises(PermissionDenied):
        _file(people, "mu", people.mei)
    with pytest.raises(PermissionDenied):
        svc.work_report_submit(user=u("alice"), deployment=people.mei, month=people.month, figures=FIGS,
                               narrative=TEXT)  # fmt: skip
    with pytest.raises(ValidationError):
        svc.work_report_submit(user=u("mei"), deployment=people.mei, month=dt.date(2001, 1, 1), figures=FIGS,
                               narrative=TEXT)  # fmt: skip
    with pytest.raises(ValidationError):
        _file(people, surgeries=-1)
    assert not MonthlyActivity.objects.exists()


def test_unconfirmed_figures_are_never_mixed_into_confirmed_ones(people, client):
    month = people.month
    _file(people)  # mei: a statement of 120 visits
    confirmed = _file(people, "mu", people.mu, outpatient_visits=50)
    svc.work_report_confirm(user=u("alice"), activity=confirmed)
    # the monthly assessment's figures: mu's confirmed, nothing for mei
    assert month_figures(deployment=people.mu, month=month).activity.outpatient_visits == 50
    assert month_figures(deployment=people.mei, month=month).activity is None
    # the reports' figures count 50, not 170
    program = people.team.pairing.program
    program.end_date = dt.date(month.year + 1, 12, 31)
    program.save(update_fields=["end_date"])
    figures = pairing_figures(program=program, year=month.year, pairing_ids=[people.team.pairing_id])
    assert figures[people.team.pairing_id]["outpatient_visits"] == 50
    # the API's workload list (the recipient's) agrees: one row, 50
    client.force_login(u("alice"))
    rows = client.get("/api/v1/activity/", {"month": month.isoformat()}).json()["results"]
    assert [r["outpatient_visits"] for r in rows] == [50]
    # the workload page shows the confirmed row; the statement waits on the confirmation page
    page = client.get(reverse("teams:activity_list"), {"month": month.strftime("%Y-%m")}).content.decode()
    assert people.mu.staff.name in page
    queue = client.get(reverse("teams:reports_to_confirm")).content.decode()
    assert people.mei.staff.name in queue and people.mu.staff.name not in queue
    # the person's own API shows both, each with its status
    client.force_login(u("mei"))
    mine = client.get("/api/v1/me/reports/").json()["results"]
    assert [(r["status"], r["outpatient_visits"]) for r in mine] == [("submitted", 120)]


def test_the_recipient_correcting_a_report_confirms_it(people):
    report = _file(people)
    activity_record(
        user=u("alice"), deployment=people.mei, month=people.month, figures={**FIGS, "surgeries": 9}
    )
    report.refresh_from_db()
    assert (
        report.status == ReportStatus.CONFIRMED
        and report.surgeries == 9
        and report.work_done == TEXT["work_done"]
    )


def test_the_leader_sees_the_missing_reports_and_reviews_by_page(people, client):
    report = _file(people)
    client.force_login(u("lin"))
    page = client.get(reverse("me:team")).content.decode()
    assert people.mu.staff.name in page  # mu has filed nothing
    assert "待审阅" in page and TEXT["work_done"] in page
    # the leader's page shows names, never ID numbers or phones
    assert people.mu.staff.national_id not in page and people.mu.staff.phone not in page
    assert client.post(reverse("me:report_review", args=[report.pk])).status_code == 302
    assert MonthlyActivity.objects.get(pk=report.pk).status == ReportStatus.REVIEWED
    # a member has no team page
    client.force_login(u("mei"))
    assert client.get(reverse("me:team")).status_code == 403


def test_the_person_files_by_page_and_the_form_remembers_the_last_entry(people, client):
    client.force_login(u("mei"))
    url = reverse("me:report_entry", args=[people.mei.pk]) + f"?month={people.month:%Y-%m}"
    r = client.post(url, {"month": f"{people.month:%Y-%m}", **FIGS, **TEXT})
    assert r.status_code == 302
    again = client.get(url).content.decode()
    assert 'value="120"' in again and TEXT["problems"] in again
    # someone else's deployment is not found
    assert client.get(reverse("me:report_entry", args=[people.mu.pk])).status_code == 404
