"""The annual appraisal and the annual report on the calendar (issue 17): the province's own dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assessments.choices import AppraisalStatus, JobStatus, ReportKind
from assessments.models import AnnualAppraisal, ReportFile
from reminders.choices import DeadlineKind, DeadlineStatus
from reminders.models import Notification
from reminders.selectors.deadlines import deadlines_for
from reminders.services.reminders import reminders_send_due

D = dt.date
KINDS = [DeadlineKind.ANNUAL_APPRAISAL, DeadlineKind.ANNUAL_REPORT]


def _annual(user, today):
    items = deadlines_for(user, first=D(2024, 1, 1), last=D(2024, 3, 31), kinds=KINDS, today=today)
    return {(d.kind, d.year): d for d in items}


def test_the_province_sees_the_years_appraisal_and_report_due_after_the_year(world):
    # given the default parameters: 31 and 60 days after the year ends
    items = _annual(world.users["province"], today=D(2024, 1, 25))
    appraisal = items[(DeadlineKind.ANNUAL_APPRAISAL, 2023)]
    report = items[(DeadlineKind.ANNUAL_REPORT, 2023)]
    # then 2023's results are due on 31 January and its report on 29 February 2024 (a leap year)
    assert (appraisal.due, appraisal.status) == (D(2024, 1, 31), DeadlineStatus.DUE_SOON)
    assert (report.due, report.status) == (D(2024, 2, 29), DeadlineStatus.UPCOMING)
    assert appraisal.url == "/assessments/annual/" and report.url == "/assessments/reports/"
    assert "2023年度" in appraisal.title


def test_a_program_parameter_moves_the_dates(world):
    world.program.params = {"annual_appraisal_due_days": 45}
    world.program.save()
    items = _annual(world.users["province"], today=D(2024, 1, 25))
    item = items[(DeadlineKind.ANNUAL_APPRAISAL, 2023)]
    # 14 February 2024 falls in the Spring Festival holiday: moved to the first working day (a 调休 Sunday)
    assert (item.set_due, item.due) == (D(2024, 2, 14), D(2024, 2, 18))


def test_published_results_and_a_province_wide_report_are_done(world):
    AnnualAppraisal.objects.create(
        pairing=world.pairing_a,
        year=2023,
        computed_score=90,
        computed_at=timezone.now(),
        score=90,
        grade="excellent",
        status=AppraisalStatus.PUBLISHED,
    )
    # a city's report of the year does not stand for the province's
    ReportFile.objects.create(
        program=world.program,
        kind=ReportKind.PROVINCIAL_DOCX,
        year=2023,
        status=JobStatus.DONE,
        city=world.city_a,
    )
    items = _annual(world.users["province"], today=D(2024, 3, 5))
    assert items[(DeadlineKind.ANNUAL_APPRAISAL, 2023)].status == DeadlineStatus.DONE
    assert items[(DeadlineKind.ANNUAL_REPORT, 2023)].status == DeadlineStatus.OVERDUE
    ReportFile.objects.create(
        program=world.program, kind=ReportKind.PROVINCIAL_REPORT, year=2023, status=JobStatus.DONE
    )
    items = _annual(world.users["province"], today=D(2024, 3, 5))
    assert items[(DeadlineKind.ANNUAL_REPORT, 2023)].status == DeadlineStatus.DONE


@pytest.mark.parametrize("who", ["city_a", "county_a", "charlie", "erin", "alice", "zoe", "dashboard"])
def test_only_the_programs_province_staff_have_these_dates(co_world, who):
    assert _annual(co_world.users[who], today=D(2024, 1, 25)) == {}


def test_the_sweep_reminds_the_province_staff_only(world):
    # when the hourly sweep runs a day before the appraisal's due date
    reminders_send_due(today=D(2024, 1, 30))
    # then province staff have it in their inbox, nobody else
    got = Notification.objects.filter(item_key__startswith=f"{DeadlineKind.ANNUAL_APPRAISAL}:")
    assert set(got.values_list("user__username", flat=True)) == {"prov"}
    assert got.first().url == "/assessments/annual/"
