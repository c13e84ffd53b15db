"""月考核 for any month of any deployment (issue 15, recipient 2): the month's list, the form beside that
month's attendance and workload, corrections, the program's own items, the home page's links."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import MonthlyAssessment
from devtools import factories as f
from teams.choices import AttendanceStatus
from teams.models import AttendanceRecord, MonthlyActivity

D = dt.date


@pytest.fixture
def left(world):
    """Someone who served January–March 2023 and has long gone home."""
    team = f.TeamFactory(pairing=world.pairing_a, year=2023)
    return f.DeploymentFactory(
        team=team, staff__name="周已归", planned_start=D(2023, 1, 1), planned_end=D(2023, 3, 31)
    )


def _post(month, **scores):
    items = {"discipline": "20", "clinical": "35", "teaching": "15", "satisfaction": "18", **scores}
    return {"month": month, **{f"item_{k}": v for k, v in items.items()}}


def test_a_past_month_lists_people_who_have_since_left_and_their_form_opens(world, left, client):
    client.force_login(world.users["alice"])
    page = client.get(reverse("assessments:monthly_assessments"), {"month": "2023-02"}).content.decode()
    entry = reverse("assessments:monthly_assessment_entry", args=[left.pk])
    assert "周已归" in page and f"{entry}?month=2023-02" in page
    # and a month outside the stay lists nobody
    assert (
        "周已归"
        not in client.get(reverse("assessments:monthly_assessments"), {"month": "2023-05"}).content.decode()
    )


def test_the_form_shows_that_months_attendance_and_workload(world, left, client):
    AttendanceRecord.objects.bulk_create(
        [
            AttendanceRecord(deployment=left, date=D(2023, 2, d), status=AttendanceStatus.PRESENT)
            for d in (1, 2, 3)
        ]
    )
    MonthlyActivity.objects.create(deployment=left, month=D(2023, 2, 1), outpatient_visits=321, surgeries=7)
    client.force_login(world.users["alice"])
    url = reverse("assessments:monthly_assessment_entry", args=[left.pk])
    feb = client.get(url, {"month": "2023-02"}).content.decode()
    assert "321" in feb and "门诊人次" in feb
    assert 'value="2023-02"' in feb
    assert "本月未导入考勤" not in feb
    # a month with nothing imported says so rather than showing 0 %
    mar = client.get(url, {"month": "2023-03"}).content.decode()
    assert "本月未导入考勤" in mar and "本月未填报工作量" in mar


def test_a_recorded_month_opens_with_its_scores_and_saving_corrects_it(world, left, client):
    client.force_login(world.users["alice"])
    url = reverse("assessments:monthly_assessment_entry", args=[left.pk])
    assert client.post(url, _post("2023-02")).status_code == 302
    page = client.get(url, {"month": "2023-02"}).content.decode()
    assert 'name="item_clinical" value="35.0"' in page or 'name="item_clinical" value="35"' in page
    assert client.post(url, _post("2023-02", clinical="40")).status_code == 302
    assert MonthlyAssessment.objects.get(deployment=left).score == 93


def test_the_programs_own_items_are_the_form(world, left, client):
    world.program.params = {"monthly_items": [{"code": "attitude", "label": "工作态度", "max": 30},
                                              {"code": "work", "label": "工作实绩", "max": 70}]}  # fmt: skip
    world.program.save()
    client.force_login(world.users["alice"])
    url = reverse("assessments:monthly_assessment_entry", args=[left.pk])
    page = client.get(url, {"month": "2023-01"}).content.decode()
    assert "工作态度（30）" in page and "工作纪律" not in page
    r = client.post(url, {"month": "2023-01", "item_attitude": "28", "item_work": "65"})
    assert r.status_code == 302
    assert MonthlyAssessment.objects.get(deployment=left).items == {"attitude": "28.0", "work": "65.0"}


def test_a_month_outside_the_stay_is_refused_and_saves_nothing(world, left, client):
    client.force_login(world.users["alice"])
    r = client.post(reverse("assessments:monthly_assessment_entry", args=[left.pk]), _post("2023-06"))
    assert r.status_code == 200 and "不在派驻期内" in r.content.decode()
    assert not MonthlyAssessment.objects.exists()


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [("province", 200, 403), ("city_a", 200, 403), ("county_a", 200, 403), ("charlie", 200, 403),
     ("bob", 404, 404), ("dana", 404, 404), ("city_b", 404, 404)],
)  # fmt: skip
def test_entry_role_matrix(world, left, client, who, get, post):
    client.force_login(world.users[who])
    url = reverse("assessments:monthly_assessment_entry", args=[left.pk])
    assert client.get(url, {"month": "2023-02"}).status_code == get
    assert client.post(url, _post("2023-02")).status_code == post
    assert not MonthlyAssessment.objects.exists()
    # only the recipient's coordinator gets the month's to-do list, and only of its own hospital
    listed = client.get(reverse("assessments:monthly_assessments"), {"month": "2023-02"}).content.decode()
    assert ('data-testid="monthly-due"' in listed) is (who == "bob")
    assert "周已归" not in listed


def test_month_list_query_count_does_not_grow_with_people(world, left, client, django_assert_max_num_queries):
    for _ in range(6):
        f.DeploymentFactory(team=left.team, planned_start=D(2023, 1, 1), planned_end=D(2023, 3, 31))
    client.force_login(world.users["alice"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:monthly_assessments"), {"month": "2023-02"})
    assert page.content.decode().count("录入月考核</a>") == 7


@time_machine.travel(dt.datetime(2023, 3, 10, 12, 0), tick=False)
def test_home_pages_due_list_links_to_last_months_form(world, left, client):
    client.force_login(world.users["alice"])
    home = client.get(reverse("home")).content.decode()
    url = reverse("assessments:monthly_assessment_entry", args=[left.pk])
    assert f"{url}?month=2023-02" in home


@pytest.mark.parametrize(
    "items",
    [
        [{"code": "a", "label": "甲", "max": 50}, {"code": "b", "label": "乙", "max": 40}],  # 90, not 100
        [{"code": "a", "label": "甲", "max": 50}, {"code": "a", "label": "乙", "max": 50}],  # same code
        [{"code": "a", "label": "", "max": 100}],  # no label
    ],
)
def test_a_bad_monthly_form_is_refused_by_the_program(world, items):
    world.program.params = {"monthly_items": items}
    with pytest.raises(ValidationError, match="monthly_items"):
        world.program.clean()


def test_province_staff_set_the_programs_monthly_form_and_the_entry_uses_it(world, left, client):
    url = reverse("assessments:monthly_form_settings")
    client.force_login(world.users["province"])
    r = client.post(url, {"program": world.program.pk, "lines": "医德医风 30\n工作实绩 50\n带教培训 20"})
    assert r.status_code == 302
    client.force_login(world.users["alice"])
    form = client.get(reverse("assessments:monthly_assessment_entry", args=[left.pk]), {"month": "2023-02"})
    assert "医德医风（30）" in form.content.decode()
    # back to the default
    client.force_login(world.users["province"])
    client.post(url, {"program": world.program.pk, "reset": "1", "lines": ""})
    world.program.refresh_from_db()
    assert "monthly_items" not in world.program.params


@pytest.mark.parametrize(
    "lines", ["医德医风 30\n工作实绩 50", "医德医风\n工作实绩 100", "医德医风 50\n医德医风 50"]
)
def test_a_bad_monthly_form_says_why_and_changes_nothing(world, client, lines):
    client.force_login(world.users["province"])
    before = dict(world.program.params or {})
    r = client.post(
        reverse("assessments:monthly_form_settings"), {"program": world.program.pk, "lines": lines}
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    world.program.refresh_from_db()
    assert (world.program.params or {}) == before


@pytest.mark.parametrize("who", ["city_a", "county_a", "alice", "charlie"])
def test_only_the_provinces_commission_sets_the_monthly_form(world, client, who):
    client.force_login(world.users[who])
    url = reverse("assessments:monthly_form_settings")
    page = client.get(url, {"program": world.program.pk})
    assert page.status_code == 200 and "<textarea" not in page.content.decode()
    r = client.post(url, {"program": world.program.pk, "lines": "综合 100"})
    assert r.status_code == 403
    world.program.refresh_from_db()
    assert "monthly_items" not in (world.program.params or {})
