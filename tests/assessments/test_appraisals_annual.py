"""年度考核: scorecard computed set-based with its figures, adjust with reason, publish freezes."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.choices import AppraisalStatus, Grade
from assessments.models import AnnualAppraisal, Finding, Scorecard
from assessments.reports.figures import attendance_by_month
from assessments.services.appraisals import (
    DEFAULT_BANDS,
    DEFAULT_INDICATORS,
    annual_appraisal_adjust,
    annual_appraisal_compute,
    annual_appraisal_publish,
    grade_for,
    supporters_for_review,
)
from devtools import factories as f

D = dt.date


@pytest.fixture
def staffed(world):
    """Pairing A fully staffed all 2023 (5 people, 1 leader) with attendance; pairing B has nobody."""
    team = f.TeamFactory(
        pairing=world.pairing_a, year=2023, start_date=D(2023, 1, 1), end_date=D(2023, 12, 31)
    )
    deps = [
        f.DeploymentFactory(
            team=team,
            role="leader" if i == 0 else "member",
            post="副院长" if i == 0 else "医师",
            planned_start=D(2023, 1, 1),
            planned_end=D(2023, 12, 31),
        )
        for i in range(5)
    ]
    for day in (D(2023, 3, 1), D(2023, 3, 2), D(2023, 3, 3)):
        f.AttendanceFactory(deployment=deps[1], date=day, status="present")
    f.AttendanceFactory(deployment=deps[1], date=D(2023, 3, 6), status="absent")
    for _ in range(3):
        f.TraineeStintFactory(pairing=world.pairing_a, start_date=D(2023, 2, 1), end_date=D(2023, 7, 31))
    return deps


def test_compute_scores_every_pairing_with_its_figures(world, staffed, django_assert_max_num_queries):
    # when the province computes 2023 (bounded number of queries whatever the number of pairings)
    with django_assert_max_num_queries(30):
        rows = annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)

    # then both pairings have a draft, each indicator shows weight, figures and score
    by_pairing = {a.pairing_id: a for a in rows}
    a = by_pairing[world.pairing_a.pk]
    lines = {line["code"]: line for line in a.breakdown["indicators"]}
    assert set(lines) == {ind["code"] for ind in DEFAULT_INDICATORS}
    assert lines["coverage"]["figures"]["covered_days"]["value"] == 365
    assert lines["coverage"]["figures"]["period_days"]["value"] == 365
    assert lines["coverage"]["score"] == "10.0"
    assert lines["full_strength"]["score"] == "15.0"
    # attendance comes from the shared monthly selector (expected working days depend on its definition)
    year_rows = attendance_by_month(program=world.program, date_from=D(2023, 1, 1), date_to=D(2023, 12, 31))
    att = [r for r in year_rows if r[1] == world.pairing_a.pk]
    expected, present = sum(r[3] for r in att), sum(r[4] for r in att)
    assert present == 3 and expected >= 4
    assert lines["attendance"]["figures"]["attendance_present"]["value"] == present
    assert lines["attendance"]["figures"]["attendance_expected"]["value"] == expected
    assert Decimal(lines["attendance"]["score"]) == (Decimal(15 * present) / expected).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    assert lines["training"]["figures"]["trainees"]["value"] == 3
    assert lines["training"]["score"] == "10.0"
    assert a.score == sum(Decimal(line["score"]) for line in lines.values())
    assert a.grade == grade_for(a.score, DEFAULT_BANDS)
    b = by_pairing[world.pairing_b.pk]
    assert b.breakdown["figures"]["covered_days"] == 0
    assert b.grade == Grade.FAIL
    assert b.breakdown["grade_review"] == ["年度考核不合格"]  # flagged for grade review (通报批评)
    assert b.status == AppraisalStatus.DRAFT


def test_grade_bands_boundaries():
    bands = [{"grade": "excellent", "min": 90}, {"grade": "good", "min": 80}, {"grade": "pass", "min": 60},
             {"grade": "fail", "min": 0}]  # fmt: skip
    assert grade_for(Decimal("90"), bands) == "excellent"
    assert grade_for(Decimal("89.9"), bands) == "good"
    assert grade_for(Decimal("60"), bands) == "pass"
    assert grade_for(Decimal("59.9"), bands) == "fail"


def test_program_scorecard_row_replaces_the_default(world, staffed):
    Scorecard.objects.create(
        program=world.program,
        indicators=[
            {
                "code": "coverage",
                "label": "覆盖",
                "weight": 100,
                "function": "rate",
                "params": {"num": "covered_days", "den": "period_days"},
            }
        ],  # fmt: skip
        bands=[{"grade": "pass", "min": 50}, {"grade": "fail", "min": 0}],
    )
    rows = annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    a = next(r for r in rows if r.pairing_id == world.pairing_a.pk)
    assert a.score == Decimal("100.0") and a.grade == "pass"
    assert [line["code"] for line in a.breakdown["indicators"]] == ["coverage"]


def test_adjust_requires_a_reason_and_changes_nothing_without(world, staffed):
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    a = AnnualAppraisal.objects.get(pairing=world.pairing_b)
    with pytest.raises(ValidationError):
        annual_appraisal_adjust(user=world.users["province"], appraisal=a, adjustment=Decimal(5), reason="  ")
    a.refresh_from_db()
    assert a.adjustment == 0

    a = annual_appraisal_adjust(
        user=world.users["province"], appraisal=a, adjustment=Decimal("65"), reason="受疫情影响，经复核调整"
    )
    assert a.score == a.computed_score + Decimal(65)
    assert a.adjustment_reason == "受疫情影响，经复核调整"
    assert a.adjusted_by == world.users["province"]
    assert a.grade == grade_for(a.score, [{"grade": "pass", "min": 60}, {"grade": "fail", "min": 0}])


@pytest.mark.parametrize("who", ["city_a", "county_a", "alice", "charlie", "dashboard", "nobody"])
def test_only_province_staff_compute_adjust_publish(world, staffed, who):
    user = world.users[who]
    with pytest.raises(PermissionDenied):
        annual_appraisal_compute(user=user, program=world.program, year=2023)
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    a = AnnualAppraisal.objects.get(pairing=world.pairing_a)
    with pytest.raises(PermissionDenied):
        annual_appraisal_adjust(user=user, appraisal=a, adjustment=Decimal(1), reason="x")
    with pytest.raises(PermissionDenied):
        annual_appraisal_publish(user=user, program=world.program, year=2023)
    a.refresh_from_db()
    assert (a.adjustment, a.status) == (0, AppraisalStatus.DRAFT)


def test_publish_freezes_and_recompute_makes_a_new_draft(world, staffed):
    prov = world.users["province"]
    annual_appraisal_compute(user=prov, program=world.program, year=2023)
    assert annual_appraisal_publish(user=prov, program=world.program, year=2023) == 2
    published = AnnualAppraisal.objects.get(pairing=world.pairing_a, status=AppraisalStatus.PUBLISHED)
    frozen = (published.score, published.grade, published.breakdown, published.updated_at)

    # the published row refuses adjustment
    with pytest.raises(ValidationError):
        annual_appraisal_adjust(user=prov, appraisal=published, adjustment=Decimal(1), reason="复核")

    # new data, then a recompute: a new draft appears, the published row is unchanged
    Finding.objects.create(
        rule_code="TEAM_MIN_SIZE", severity="critical", program=world.program, pairing=world.pairing_a,
        subject_type="pairing", subject_id=world.pairing_a.pk, message="不足5人", fingerprint="fp-1",
        first_seen=timezone.now(), last_seen=timezone.now(),
    )  # fmt: skip
    annual_appraisal_compute(user=prov, program=world.program, year=2023)
    published.refresh_from_db()
    assert (published.score, published.grade, published.breakdown, published.updated_at) == frozen
    draft = AnnualAppraisal.objects.get(pairing=world.pairing_a, status=AppraisalStatus.DRAFT)
    assert draft.score == published.score - Decimal("5.0")  # findings indicator: 10 × (1 − 0.5)
    # publishing again leaves the frozen row as it is
    assert annual_appraisal_publish(user=prov, program=world.program, year=2023) == 0
    assert AnnualAppraisal.objects.filter(pairing=world.pairing_a).count() == 2


def test_supporters_failing_their_tasks_are_named(world, staffed):
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    named = supporters_for_review(program=world.program, year=2023)
    # pairing B (nobody deployed) is 不合格: its supporter is named; supporter A is not
    assert [n["supporter"] for n in named] == [world.supporter_b]
    assert "不合格" in named[0]["reasons"][0]


def test_compute_query_count_does_not_grow_with_pairings(world, staffed, django_assert_max_num_queries):
    for _ in range(5):
        p = f.PairingFactory(program=world.program)
        t = f.TeamFactory(pairing=p, year=2023)
        f.DeploymentFactory(team=t)
    with django_assert_max_num_queries(30):
        rows = annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    assert len(rows) == 7
