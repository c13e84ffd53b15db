"""Arrival, departure, early return and replacement (issue 15, recipient 1): services, pages, role matrix."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import EndOfStintAppraisal
from assessments.services.certificates import certificate_eligibility
from core.roles import Role
from devtools import factories as f
from pairings.models import PairingSupporter
from teams.models import Deployment
from teams.selectors.deployments import deployment_span, headcount_intervals
from teams.services.deployments import deployment_record_dates, deployment_replace

D = dt.date


@pytest.fixture
def dep(world):
    team = f.TeamFactory(pairing=world.pairing_a, year=2023)
    return f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))


def _state(dep):
    dep.refresh_from_db()
    return (dep.actual_start, dep.actual_end, dep.early_return_reason, Deployment.objects.count())


def test_actual_dates_become_the_stay_every_measure_reads(world, dep):
    # when the recipient records an arrival a week late and an early return with its reason
    deployment_record_dates(
        user=world.users["alice"], deployment=dep, actual_start=D(2023, 1, 8), actual_end=D(2023, 4, 30),
        early_return_reason="家中有事",
    )  # fmt: skip
    # then the one range (period) is the actual one: span, timeline head-count
    dep.refresh_from_db()
    assert deployment_span(dep) == (D(2023, 1, 8), D(2023, 4, 30))
    year = {"pairing_ids": [world.pairing_a.pk], "date_from": D(2023, 1, 1), "date_to": D(2023, 6, 30)}
    on_site = {(i.start, i.end): i.on_site for i in headcount_intervals(**year)}
    assert on_site == {(D(2023, 1, 1), D(2023, 1, 7)): 0, (D(2023, 1, 8), D(2023, 4, 30)): 1,
                       (D(2023, 5, 1), D(2023, 6, 30)): 0}  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "reason", "field"),
    [
        (None, D(2023, 5, 31), "", "early_return_reason"),  # early return without a reason
        (None, D(2023, 6, 30), "家中有事", "early_return_reason"),  # a reason without an early return
        (D(2023, 3, 1), D(2023, 2, 1), "", "actual_end"),  # departure before arrival
    ],
)
def test_bad_dates_are_refused_with_the_field_and_change_nothing(world, dep, start, end, reason, field):
    before = _state(dep)
    with pytest.raises(ValidationError) as exc:
        deployment_record_dates(
            user=world.users["alice"], deployment=dep, actual_start=start, actual_end=end,
            early_return_reason=reason,
        )  # fmt: skip
    assert field in exc.value.error_dict
    assert _state(dep) == before


def test_replacement_ends_the_stay_the_day_before_and_the_newcomer_takes_role_and_post(world, dep):
    newcomer_staff = f.StaffFactory(employer=dep.supporter, name="李替")
    new = deployment_replace(
        user=world.users["alice"],
        deployment=dep,
        staff=newcomer_staff,
        start=D(2023, 4, 1),
        reason="身体原因",
    )
    dep.refresh_from_db()
    assert (dep.actual_end, dep.early_return_reason) == (D(2023, 3, 31), "身体原因")
    assert (new.replaces_id, new.role, new.post) == (dep.pk, dep.role, dep.post)
    assert (new.actual_start, new.planned_end) == (D(2023, 4, 1), D(2023, 6, 30))
    # the timeline shows one person on site throughout: no gap from the replacement
    intervals = headcount_intervals(
        pairing_ids=[world.pairing_a.pk], date_from=D(2023, 1, 1), date_to=D(2023, 6, 30)
    )
    assert [(i.start, i.end, i.on_site) for i in intervals] == [(D(2023, 1, 1), D(2023, 6, 30), 1)]


def test_replacement_refusals_change_nothing(world, dep):
    other_hospital_staff = f.StaffFactory(employer=world.supporter_b)
    busy = f.StaffFactory(employer=dep.supporter)
    f.DeploymentFactory(team=dep.team, staff=busy, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    before = _state(dep)
    cases = [
        (other_hospital_staff, D(2023, 4, 1), "x", "staff"),
        (dep.staff, D(2023, 4, 1), "x", "staff"),
        (busy, D(2023, 8, 1), "x", "start"),
        (busy, D(2023, 4, 1), "", "reason"),
    ]
    for staff, start, reason, field in cases:
        with pytest.raises(ValidationError) as exc:
            deployment_replace(
                user=world.users["alice"], deployment=dep, staff=staff, start=start, reason=reason
            )
        assert field in exc.value.error_dict
    # a newcomer already deployed in that time: the database's no-double-booking answers in words
    with pytest.raises(ValidationError, match="日期重叠"):
        deployment_replace(
            user=world.users["alice"], deployment=dep, staff=busy, start=D(2023, 4, 1), reason="x"
        )
    assert _state(dep) == before


@pytest.mark.parametrize("who", ["province", "city_a", "county_a", "charlie", "bob", "dana"])
def test_only_the_recipients_coordinator_records(world, dep, who):
    before = _state(dep)
    with pytest.raises(PermissionDenied):
        deployment_record_dates(
            user=world.users[who], deployment=dep, actual_start=D(2023, 1, 2), actual_end=None
        )
    assert _state(dep) == before


# --- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees", "edits"),
    [
        ("province", True, False), ("city_a", True, False), ("county_a", True, False),
        ("charlie", True, False), ("alice", True, True), ("bob", False, False), ("dana", False, False),
        ("city_b", False, False),
    ],
)  # fmt: skip
def test_deployment_pages_role_matrix(world, dep, client, who, sees, edits):
    client.force_login(world.users[who])
    listed = client.get(reverse("teams:deployment_list")).content.decode()
    assert (dep.staff.name in listed) is sees
    url = reverse("teams:deployment_detail", args=[dep.pk])
    page = client.get(url)
    assert page.status_code == (200 if sees else 404)
    assert ('data-testid="dates-form"' in page.content.decode()) is edits
    before = _state(dep)
    r = client.post(url, {"action": "dates", "actual_start": "2023-01-03", "actual_end": ""})
    if edits:
        assert r.status_code == 302
        assert _state(dep)[0] == D(2023, 1, 3)
    else:
        assert r.status_code in (403, 404)
        assert _state(dep) == before


def test_co_supporter_of_the_same_pairing_reads_but_cannot_record(world, dep, client):
    co = f.HospitalFactory(province=world.province, city=world.city_a, name="协作医院")
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    client.force_login(f.make_member("co", Role.SUPPORTER_COORDINATOR, hospital=co))
    url = reverse("teams:deployment_detail", args=[dep.pk])
    assert client.get(url).status_code == 200
    before = _state(dep)
    assert client.post(url, {"action": "dates", "actual_start": "2023-01-03"}).status_code == 403
    assert _state(dep) == before


def test_page_shows_the_fields_error_and_saves_nothing(world, dep, client):
    client.force_login(world.users["alice"])
    before = _state(dep)
    r = client.post(
        reverse("teams:deployment_detail", args=[dep.pk]),
        {"action": "dates", "actual_start": "2023-01-01", "actual_end": "2023-05-31"},
    )
    assert r.status_code == 200
    assert "请填写提前返回原因" in r.content.decode()
    assert _state(dep) == before


def test_replacement_through_the_page(world, dep, client):
    newcomer = f.StaffFactory(employer=dep.supporter, name="王新")
    client.force_login(world.users["alice"])
    r = client.post(
        reverse("teams:deployment_detail", args=[dep.pk]),
        {"action": "replace", "staff": newcomer.pk, "start": "2023-05-01", "reason": "调回原单位"},
    )
    assert r.status_code == 302
    assert Deployment.objects.get(staff=newcomer).replaces == dep
    page = client.get(reverse("teams:deployment_detail", args=[dep.pk])).content.decode()
    assert "王新" in page and "2023-04-30" in page


def test_list_exports_the_filtered_rows_and_counts_queries(world, dep, client, django_assert_max_num_queries):
    other = f.DeploymentFactory(
        team=dep.team, role="leader", planned_start=D(2023, 1, 1), planned_end=D(2023, 12, 31)
    )
    for _ in range(5):
        f.DeploymentFactory(team=dep.team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    client.force_login(world.users["alice"])
    with django_assert_max_num_queries(8):
        client.get(reverse("teams:deployment_list"))
    r = client.get(reverse("teams:deployment_list"), {"role": "leader", "export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    names = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert names == [other.staff.name]


def test_list_filters_say_all_not_dashes(world, dep, client):
    client.force_login(world.users["province"])
    page = client.get(reverse("teams:deployment_list")).content.decode()
    assert "---------" not in page and ">全部<" in page


def test_an_early_return_makes_the_certificate_refuse_a_stay_too_short(world, dep):
    """The certificate reads the recorded actual dates (SPEC §3a: one stay for rule, certificate, score)."""
    EndOfStintAppraisal.objects.create(
        deployment=dep, qualified=True, opinion="合格", signer="院长", signed_on=D(2023, 7, 1)
    )
    today = D(2024, 1, 1)
    assert certificate_eligibility(deployment=dep, today=today).reason == ""  # six planned months
    deployment_record_dates(
        user=world.users["alice"], deployment=dep, actual_start=None, actual_end=D(2023, 3, 31),
        early_return_reason="家中有事",
    )  # fmt: skip
    dep.refresh_from_db()
    assert certificate_eligibility(deployment=dep, today=today).reason == "stay_too_short"
