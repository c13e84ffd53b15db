"""POST /api/v1/monthly-assessments/: recipient coordinators assess people deployed to their hospital."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from assessments.models import MonthlyAssessment
from devtools import factories as f
from pairings.choices import ProgramPreset
from tests.api.conftest import client_for

URL = "api:monthly-assessment-list"


@pytest.fixture
def deployment(world: Any) -> Any:
    # deployed to recipient A from 2023-01-01 to 2023-06-30
    return f.DeploymentFactory(team=f.TeamFactory(pairing=world.pairing_a))


def _post(user: Any, body: dict[str, Any]) -> Any:
    return client_for(user).post(reverse(URL), body, format="json")


def test_recipient_coordinator_records_a_pass(world: Any, deployment: Any) -> None:
    # given the Gansu preset (MONTHLY_SCORE off: every score passes, nothing deducted)
    # when alice assesses her deployed doctor for February
    response = _post(
        world.users["alice"], {"deployment": deployment.pk, "month": "2023-02-01", "score": "72.5"}
    )
    # then the assessment is stored as passed with no deduction
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["passed"] is True and body["deduction_cny"] == 0
    stored = MonthlyAssessment.objects.get()
    assert stored.score == Decimal("72.5") and stored.assessed_by == world.users["alice"]


def test_fail_deducts_from_the_subsidy_under_bozhou_rules(world: Any, deployment: Any) -> None:
    # given a program on the Bozhou preset (pass 80, deduct 1000 of 4000)
    world.program.preset = ProgramPreset.BOZHOU_2016
    world.program.save()
    # when alice records 75
    response = _post(world.users["alice"], {"deployment": deployment.pk, "month": "2023-03-01", "score": 75})
    # then it fails and 1000 of the 4000 subsidy is deducted
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["passed"], body["subsidy_cny"], body["deduction_cny"], body["payable_cny"]) == (
        False,
        4000,
        1000,
        3000,
    )
    # and 80 passes
    passed = _post(
        world.users["alice"], {"deployment": deployment.pk, "month": "2023-04-01", "score": 80}
    ).json()
    assert (passed["passed"], passed["deduction_cny"]) == (True, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"month": "2023-02-01", "score": 101}, "score"),
        ({"month": "2023-02-01", "score": -1}, "score"),
        ({"month": "2023-02-15", "score": 90}, "month"),
        ({"month": "2023-09-01", "score": 90}, "month"),
        ({"month": "not-a-date", "score": 90}, "month"),
        ({"score": 90}, "month"),
    ],
)
def test_invalid_input_names_the_field(world: Any, deployment: Any, body: dict[str, Any], field: str) -> None:
    response = _post(world.users["alice"], {"deployment": deployment.pk, **body})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert not MonthlyAssessment.objects.exists()


def test_a_month_is_assessed_once(world: Any, deployment: Any) -> None:
    first = _post(world.users["alice"], {"deployment": deployment.pk, "month": "2023-02-01", "score": 90})
    again = _post(world.users["alice"], {"deployment": deployment.pk, "month": "2023-02-01", "score": 60})
    assert first.status_code == 201
    assert again.status_code == 400 and "month" in again.json()["error"]["fields"]
    assert MonthlyAssessment.objects.get().score == 90


def test_coordinator_of_another_hospital_cannot_assess(world: Any, deployment: Any) -> None:
    # bob coordinates recipient B: pairing A's deployment is not his; the API does not reveal it exists
    response = _post(world.users["bob"], {"deployment": deployment.pk, "month": "2023-02-01", "score": 90})
    assert response.status_code == 400
    assert "deployment" in response.json()["error"]["fields"]
    assert not MonthlyAssessment.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "province", "city_a"])
def test_other_roles_may_not_assess(world: Any, deployment: Any, who: str) -> None:
    # the supporter and the commission read assessments but the recipient writes them (SPEC §6)
    response = _post(world.users[who], {"deployment": deployment.pk, "month": "2023-02-01", "score": 90})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not MonthlyAssessment.objects.exists()


def test_anonymous_cannot_assess(world: Any, deployment: Any) -> None:
    response = client_for(None).post(
        reverse(URL), {"deployment": deployment.pk, "month": "2023-02-01", "score": 90}, format="json"
    )
    assert response.status_code == 401
    assert not MonthlyAssessment.objects.exists()
