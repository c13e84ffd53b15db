"""SPEC §3a, one definition per measure: the rule, the certificate, the scorecard, the report and the API
read the same continuous stay and the same attendance months (rosters: test_rules_roster)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from assessments.reports.data import NOT_IMPORTED, attendance_rows
from assessments.reports.figures import pairing_figures
from assessments.services.appraisals import DEFAULT_INDICATORS, score_figures
from assessments.services.certificates import certificate_eligibility
from devtools import factories as f
from teams.selectors.stays import stays_of_deployments
from tests.assessments.rules_helpers import evaluate

D = dt.date
pytestmark = pytest.mark.django_db


def leader(team, start, end, staff=None):
    return f.DeploymentFactory(
        team=team, role="leader", post="院长", planned_start=start, planned_end=end,
        **({"staff": staff} if staff else {}),
    )  # fmt: skip


@pytest.fixture
def rotations(world):
    first = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=1, start_date=D(2023, 1, 1))
    second = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=2, start_date=D(2023, 7, 1))
    return first, second


@pytest.mark.parametrize(
    ("second_start", "one_stay"),
    [(D(2023, 7, 1), True), (D(2023, 7, 2), False)],  # back-to-back vs a one-day gap
)
def test_leader_kept_on_across_two_rotations_has_one_stay_everywhere(
    world, rotations, second_start, one_stay
):
    # given a leader on rotation 1 (Jan–Jun) kept on for rotation 2 (… Dec): 12 months, Gansu's minimum
    first_team, second_team = rotations
    a = leader(first_team, D(2023, 1, 1), D(2023, 6, 30))
    b = leader(second_team, second_start, D(2023, 12, 31), staff=a.staff)
    f.EndOfStintAppraisalFactory(deployment=a, signed_on=D(2023, 7, 5))
    program = world.program
    # the shared definition
    stays = stays_of_deployments(deployment_ids=[a.pk, b.pk], rules=program.rules)
    assert (stays[a.pk] == stays[b.pk]) is one_stay
    assert stays[a.pk].met is one_stay
    # the rule
    findings = evaluate(program, "LEADER_MIN_STAY", as_of=D(2024, 6, 1))
    assert len(findings) == (0 if one_stay else 2)
    # the certificate of the first deployment
    e = certificate_eligibility(deployment=a, today=D(2024, 6, 1))
    assert (e.eligible, e.reason) == ((True, "") if one_stay else (False, "stay_too_short"))
    assert e.required_end == D(2023, 12, 31)  # the stay starts on Jan 1 either way
    # the scorecard (and the report, which prints these figures)
    figs = pairing_figures(program=program, year=2023)[world.pairing_a.pk]
    assert (figs["deployments"], figs["stay_met_deployments"]) == (2, 2 if one_stay else 0)
    # the API
    client = Client()
    client.force_login(world.users["province"])
    api = client.get(
        "/api/v1/indicators/", {"program": program.pk, "date_from": "2023-01-01", "date_to": "2023-12-31"}
    ).json()
    assert (api["measures"]["deployments"], api["measures"]["stay_met"]) == (2, 2 if one_stay else 0)


def test_member_then_leader_are_two_stays(world, rotations):
    # the same person in two roles: a stay is per role (a leader's stay is measured as leader)
    first_team, second_team = rotations
    member = f.DeploymentFactory(team=first_team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    promoted = leader(second_team, D(2023, 7, 1), D(2023, 12, 31), staff=member.staff)
    stays = stays_of_deployments(deployment_ids=[member.pk, promoted.pk], rules=world.program.rules)
    assert stays[member.pk] != stays[promoted.pk]
    assert (stays[member.pk].met, stays[promoted.pk].met) == (True, False)


def test_no_attendance_imported_is_not_scored_as_zero(world, rotations):
    # given a pairing with people on site all year and no attendance imported
    first_team, second_team = rotations
    f.DeploymentFactory(team=first_team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    f.DeploymentFactory(team=second_team, planned_start=D(2023, 7, 1), planned_end=D(2023, 12, 31))
    figs = pairing_figures(program=world.program, year=2023)[world.pairing_a.pk]
    assert (figs["attendance_expected"], figs["attendance_months"], figs["attendance_months_missing"]) == (
        0,
        12,
        12,
    )
    # then the attendance indicator is not applicable: its 15 points are spread over the other indicators
    total, lines = score_figures(figs, DEFAULT_INDICATORS)
    by_code = {line["code"]: line for line in lines}
    assert by_code["attendance"]["not_applicable"] and by_code["attendance"]["score"] == "0.0"
    others = sum(Decimal(line["score"]) for line in lines)
    assert total == min(others, Decimal(100))
    coverage = by_code["coverage"]
    assert Decimal(coverage["applied_weight"]) == (Decimal(10) * 100 / 85).quantize(Decimal("0.1"))
    # and the same figures with a full year imported at 100 % score the full 15 on the stated weight
    full = {**figs, "attendance_expected": 250, "attendance_present": 250, "attendance_months_missing": 0}
    _t, full_lines = score_figures(full, DEFAULT_INDICATORS)
    assert {line["code"]: line for line in full_lines}["attendance"]["score"] == "15.0"
    # the report prints the months as not imported, never 0 %
    sheet = attendance_rows(program=world.program, year=2023)
    assert {row[4] for row in sheet} == {NOT_IMPORTED} and len(sheet) == 12


def test_partly_imported_year_rates_only_the_imported_months(world, rotations):
    first_team, _second = rotations
    dep = f.DeploymentFactory(team=first_team, planned_start=D(2023, 3, 1), planned_end=D(2023, 4, 30))
    for day in range(1, 32):
        if D(2023, 3, day).weekday() < 5:
            f.AttendanceFactory(deployment=dep, date=D(2023, 3, day), status="present")
    figs = pairing_figures(program=world.program, year=2023)[world.pairing_a.pk]
    # March: 23 working days, all present; April not imported and left out (not 23 / 42)
    assert (figs["attendance_present"], figs["attendance_expected"], figs["attendance_months_missing"]) == (
        23,
        23,
        1,
    )


def test_publishing_warns_about_every_pairing_with_months_not_imported(world, rotations):
    first_team, _second = rotations
    f.DeploymentFactory(team=first_team, planned_start=D(2023, 1, 1), planned_end=D(2023, 2, 28))
    other = f.TeamFactory(pairing=world.pairing_b, year=2023, start_date=D(2023, 1, 1))
    dep_b = f.DeploymentFactory(team=other, planned_start=D(2023, 1, 1), planned_end=D(2023, 1, 31))
    f.AttendanceFactory(deployment=dep_b, date=D(2023, 1, 3), status="present")  # b imported its month
    client = Client()
    client.force_login(world.users["province"])
    url = reverse("assessments:annual_appraisals")
    page = client.get(url, {"program": world.program.pk, "year": 2023})
    missing = page.context["missing_attendance"]
    assert [(m.recipient, m.months) for m in missing] == [
        (world.recipient_a.name, [D(2023, 1, 1), D(2023, 2, 1)])
    ]
    assert "未导入考勤" in page.content.decode() and "2023-02" in page.content.decode()
    client.post(reverse("assessments:annual_appraisal_compute"), {"program": world.program.pk, "year": 2023})
    # the confirmation page lists them before the officer confirms
    confirm = client.get(
        reverse("assessments:annual_publish_confirm"), {"program": world.program.pk, "year": 2023}
    )
    assert [m.recipient for m in confirm.context["missing_attendance"]] == [world.recipient_a.name]
    assert 'data-testid="missing-attendance"' in confirm.content.decode()
    resp = client.post(
        reverse("assessments:annual_appraisal_publish"),
        {
            "program": world.program.pk,
            "year": 2023,
            "confirm": "1",
            "expected": confirm.context["summary"].count,
        },
        follow=True,
    )
    assert any(world.recipient_a.name in str(m) and "未导入" in str(m) for m in resp.context["messages"])
