"""China's working days in the attendance query (SPEC §3a): holidays, 调休 weekends, a province's own
corrections, a year no calendar knows, and months not imported."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from devtools import factories as f
from pairings.models import ProvinceWorkday
from pairings.selectors.workdays import working_day_corrections, years_counted_as_weekdays
from teams.selectors.attendance import attendance_import_status, attendance_totals, monthly_attendance

D = dt.date
pytestmark = pytest.mark.django_db


def on_site(world: Any, start: dt.date, end: dt.date, pairing: Any = None) -> Any:
    team = f.TeamFactory(pairing=pairing or world.pairing_a, year=start.year)
    return f.DeploymentFactory(team=team, planned_start=start, planned_end=end)


def october(world: Any, dep: Any) -> Any:
    [row] = monthly_attendance(deployment_ids=[dep.pk], month_from=D(2023, 10, 1), month_to=D(2023, 10, 1))
    return row


def test_national_day_week_and_its_adjusted_weekend(world):
    # given October 2023: Oct 2–6 (Mon–Fri) off, Saturday 7 and Sunday 8 worked (调休)
    dep = on_site(world, D(2023, 10, 1), D(2023, 10, 31))
    f.AttendanceFactory(deployment=dep, date=D(2023, 10, 2), status="present")  # came in on a holiday
    f.AttendanceFactory(deployment=dep, date=D(2023, 10, 7), status="present")  # the 调休 Saturday
    f.AttendanceFactory(deployment=dep, date=D(2023, 10, 8), status="absent")  # the 调休 Sunday
    f.AttendanceFactory(deployment=dep, date=D(2023, 10, 14), status="absent")  # an ordinary Saturday
    row = october(world, dep)
    # then 22 weekdays − 5 + 2 = 19 working days; the holiday and the ordinary Saturday count neither way
    assert (row.workdays, row.present, row.absent, row.expected, row.imported) == (19, 1, 1, 19, True)


@pytest.mark.parametrize(
    ("start", "end", "workdays"),
    [
        (D(2023, 10, 6), D(2023, 10, 6), 0),  # a holiday Friday
        (D(2023, 10, 7), D(2023, 10, 7), 1),  # the 调休 Saturday
        (D(2023, 10, 9), D(2023, 10, 9), 1),  # the first ordinary Monday
        (D(2023, 10, 14), D(2023, 10, 15), 0),  # an ordinary weekend
    ],
)
def test_single_days_on_both_sides(world, start, end, workdays):
    assert october(world, on_site(world, start, end)).workdays == workdays


def test_a_provinces_own_rows_win_over_the_national_calendar(world):
    dep = on_site(world, D(2023, 10, 1), D(2023, 10, 31))
    guangdong = f.ProgramFactory(province=f.ProvinceFactory(code="44", name="广东省"), code="GD2023")
    other = on_site(world, D(2023, 10, 1), D(2023, 10, 31), pairing=f.PairingFactory(program=guangdong))
    ProvinceWorkday.objects.bulk_create(
        [
            ProvinceWorkday(province=world.province, date=D(2023, 10, 9), is_workday=False, name="本省假日"),
            ProvinceWorkday(province=world.province, date=D(2023, 10, 21), is_workday=True, name="补班"),
            ProvinceWorkday(province=world.province, date=D(2023, 10, 6), is_workday=True, name="本省不放"),
        ]
    )
    # 19 − Monday 9th + Saturday 21st + Friday 6th = 20; the other province keeps the national 19
    assert october(world, dep).workdays == 20
    assert october(world, other).workdays == 19
    corrections = working_day_corrections(
        province_id=world.province.pk, date_from=D(2023, 10, 1), date_to=D(2023, 10, 31)
    )
    assert (corrections[D(2023, 10, 6)], corrections[D(2023, 10, 9)], corrections[D(2023, 10, 7)]) == (
        True,
        False,
        True,
    )


def test_a_year_no_calendar_knows_counts_monday_to_friday_and_is_named(world):
    # given 2031, which chinese-calendar does not know: October 2031 has 23 weekdays, counted as such
    dep = on_site(world, D(2031, 10, 1), D(2031, 10, 31))
    [row] = monthly_attendance(deployment_ids=[dep.pk])
    assert row.workdays == 23
    assert years_counted_as_weekdays(province_id=world.province.pk, years=[2023, 2031]) == [2031]
    # once the province enters the year's holidays, they count and the year is known
    ProvinceWorkday.objects.create(province=world.province, date=D(2031, 10, 1), is_workday=False)
    [row] = monthly_attendance(deployment_ids=[dep.pk])
    assert row.workdays == 22
    assert years_counted_as_weekdays(province_id=world.province.pk, years=[2031]) == []


def test_a_month_with_no_attendance_is_not_imported_and_left_out_of_the_rate(world):
    # given two people of one pairing in Nov and Dec 2023; attendance was imported for November only
    a = on_site(world, D(2023, 11, 1), D(2023, 12, 31))
    b = on_site(world, D(2023, 11, 1), D(2023, 12, 31))
    f.AttendanceFactory(deployment=a, date=D(2023, 11, 1), status="present")
    rows = {(r.deployment_id, r.month): r for r in monthly_attendance(pairing_ids=[world.pairing_a.pk])}
    # then November counts for both (b recorded nothing: absent, 0 %), December for nobody
    assert rows[(b.pk, D(2023, 11, 1))].imported and rows[(b.pk, D(2023, 11, 1))].rate == 0
    december = rows[(a.pk, D(2023, 12, 1))]
    assert (december.imported, december.expected, december.rate) == (False, 0, None)
    assert december.workdays == 21  # the working days are still known, just not expected
    assert attendance_totals(pairing_ids=[world.pairing_a.pk]) == (1, 2 * 22)
    assert attendance_import_status(pairing_ids=[world.pairing_a.pk]) == (2, 1)


def test_monthly_attendance_page_says_not_imported_and_names_unknown_years(world):
    on_site(world, D(2023, 12, 1), D(2023, 12, 31))
    client = Client()
    client.force_login(world.users["alice"])
    resp = client.get(reverse("teams:attendance_monthly"), {"month": "2023-12"})
    [row] = list(resp.context["page"])
    assert (row["imported"], row["rate"], row["working_days"]) == (False, None, 21)
    assert "未导入考勤" in resp.content.decode()
    assert resp.context["weekday_years"] == []
    resp = Client()
    resp.force_login(world.users["province"])
    page = resp.get(reverse("teams:attendance_monthly"), {"month": "2031-03"})
    assert page.context["weekday_years"] == [2031]
