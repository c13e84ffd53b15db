"""月考核 (MONTHLY_SCORE) with the Bozhou numbers and a program without subsidy; spot checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import MonthlyAssessment, SpotCheck
from assessments.services.appraisals import (
    DEFAULT_MONTHLY_ITEMS,
    monthly_assessment_upsert,
    monthly_items_for,
    spot_check_record,
)
from devtools import factories as f
from pairings.choices import ProgramPreset

D = dt.date


def items(total: str) -> dict[str, str]:
    """Default items adding up to ``total``: the clinical item takes the remainder."""
    rest = Decimal(total) - Decimal(20) - Decimal(20) - Decimal(20)
    return {"discipline": "20", "clinical": str(rest), "teaching": "20", "satisfaction": "20"}


@pytest.fixture
def bozhou(world):
    world.program.preset = ProgramPreset.BOZHOU_2016
    world.program.save()
    team = f.TeamFactory(pairing=world.pairing_a)
    return f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))


def test_bozhou_79_9_fails_and_deducts_1000(world, bozhou):
    # given a Bozhou program (pass 80, subsidy 4000, deduction 1000)
    # when the recipient's coordinator records 79.9
    a = monthly_assessment_upsert(
        user=world.users["alice"], deployment=bozhou, month=D(2023, 2, 1), items=items("79.9")
    )
    # then it fails, 1000 is deducted and 3000 is payable
    assert a.score == Decimal("79.9")
    assert a.passed is False
    assert (a.subsidy_cny, a.deduction_cny, a.payable_cny) == (4000, 1000, 3000)


def test_bozhou_80_passes_with_full_subsidy(world, bozhou):
    a = monthly_assessment_upsert(
        user=world.users["alice"], deployment=bozhou, month=D(2023, 2, 1), items=items("80")
    )
    assert a.passed is True
    assert (a.subsidy_cny, a.deduction_cny, a.payable_cny) == (4000, 0, 4000)


def test_gansu_has_no_subsidy_and_no_pass_mark(world):
    # given a Gansu program (MONTHLY_SCORE off, no subsidy)
    dep = f.DeploymentFactory(team=f.TeamFactory(pairing=world.pairing_a))
    # when a low score is recorded
    a = monthly_assessment_upsert(
        user=world.users["alice"], deployment=dep, month=D(2023, 3, 1), items=items("65")
    )
    # then nothing is deducted and nothing is payable
    assert a.passed is True
    assert (a.subsidy_cny, a.deduction_cny, a.payable_cny) == (0, 0, 0)


def test_one_assessment_per_deployment_month_is_upserted(world, bozhou):
    monthly_assessment_upsert(
        user=world.users["alice"], deployment=bozhou, month=D(2023, 2, 15), items=items("70")
    )
    a = monthly_assessment_upsert(
        user=world.users["alice"], deployment=bozhou, month=D(2023, 2, 1), items=items("95")
    )
    assert MonthlyAssessment.objects.filter(deployment=bozhou).count() == 1
    assert a.month == D(2023, 2, 1) and a.passed and a.deduction_cny == 0


def test_month_outside_the_stint_is_refused(world, bozhou):
    with pytest.raises(ValidationError):
        monthly_assessment_upsert(
            user=world.users["alice"], deployment=bozhou, month=D(2023, 7, 1), items=items("90")
        )
    assert not MonthlyAssessment.objects.exists()


def test_item_above_its_maximum_is_refused(world, bozhou):
    bad = items("90") | {"discipline": "25"}
    with pytest.raises(ValidationError):
        monthly_assessment_upsert(
            user=world.users["alice"], deployment=bozhou, month=D(2023, 2, 1), items=bad
        )
    assert not MonthlyAssessment.objects.exists()


@pytest.mark.parametrize("who", ["bob", "charlie", "province", "county_a", "nobody"])
def test_only_the_recipient_coordinator_may_assess(world, bozhou, who):
    with pytest.raises(PermissionDenied):
        monthly_assessment_upsert(
            user=world.users[who], deployment=bozhou, month=D(2023, 2, 1), items=items("90")
        )
    assert not MonthlyAssessment.objects.exists()


def test_program_items_override_the_default(world):
    assert monthly_items_for(world.program) == DEFAULT_MONTHLY_ITEMS
    world.program.params = {"monthly_items": [{"code": "all", "label": "综合", "max": 100}]}
    assert [i["code"] for i in monthly_items_for(world.program)] == ["all"]


def test_spot_check_by_the_supporter_coordinator(world, bozhou):
    when = timezone.make_aware(dt.datetime(2023, 2, 3, 10, 0))
    check = spot_check_record(
        user=world.users["charlie"], deployment=bozhou, checked_at=when, reached=False, note="未接"
    )
    assert SpotCheck.objects.get() == check and check.reached is False


@pytest.mark.parametrize("who", ["alice", "dana", "province"])
def test_spot_check_refused_for_others(world, bozhou, who):
    with pytest.raises(PermissionDenied):
        spot_check_record(user=world.users[who], deployment=bozhou, checked_at=timezone.now(), reached=True)
    assert not SpotCheck.objects.exists()
