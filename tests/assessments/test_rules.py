"""The registry and the engine as a whole: every SPEC §3 rule is registered, documented, and runs."""

from __future__ import annotations

import pytest

from assessments.rules.base import all_rules
from assessments.services.findings import rules_evaluate
from devtools import factories as f
from tests.assessments.rules_helpers import AS_OF, D, pairing, program

SPEC_CODES = {
    "TEAM_MIN_SIZE", "TEAM_MAX_SIZE", "COVERAGE_GAP", "ONE_LEADER", "LEADER_POST", "LEADER_MGMT_YEARS",
    "MEMBER_CLINICAL_YEARS", "MEMBER_MIN_TITLE", "LEADER_MIN_STAY", "MEMBER_MIN_STAY", "NO_DOUBLE_DEPLOYMENT",
    "ROSTER_FILED", "AGREEMENT_SIGNED", "ANNUAL_AGREEMENT", "TRAINING_QUOTA", "RESIDENCY_BASE",
    "EXPERT_VISITS", "AGREEMENT_ITEMS_OVERDUE",
    "SPOT_CHECKS", "MONTHLY_SCORE", "ATTENDANCE_RATE", "END_APPRAISAL", "GRADE_TARGET", "CAPACITY_CENTRES",
    "LEADER_DESIGNATION",
}  # fmt: skip


def test_every_spec_rule_is_registered_with_a_docstring_naming_its_clause():
    # given the registry, when it is loaded
    rules = {r.code: r for r in all_rules()}
    # then every code of SPEC §3 is there, documented with its code and a severity
    assert set(rules) == SPEC_CODES
    for code, rule in rules.items():
        assert rule.__doc__ and code in rule.__doc__, code
        assert "Severity" in rule.__doc__, code
        assert rule.severity in {"critical", "major", "minor"}


def test_critical_rules():
    rules = {r.code: r for r in all_rules()}
    assert rules["COVERAGE_GAP"].severity == "critical"
    assert rules["NO_DOUBLE_DEPLOYMENT"].severity == "critical"


@pytest.mark.django_db
def test_every_rule_runs_with_every_parameter_switched_on():
    # given a program with every optional rule switched on and a little of every kind of data
    prog = program(
        params={
            "team_max_size": 5,
            "expert_visit_batches": 4,
            "expert_visit_person_times": 20,
            "spot_checks_per_month": 3,
            "monthly_pass_score": 80,
            "attendance_threshold": 0.9,
            "capacity_centres_min": 2,
            "training_min_months": 6,
        }
    )
    p = pairing(prog)
    team = f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 1, 1), end_date=D(2023, 12, 31))
    dep = f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 3, 31))
    f.AttendanceFactory(deployment=dep, date=D(2023, 1, 3))
    f.MonthlyAssessmentFactory(deployment=dep, month=D(2023, 1, 1), score=70, passed=False)
    f.TraineeStintFactory(pairing=p)
    # when every rule is evaluated
    drafts = rules_evaluate(program=prog, as_of=AS_OF)
    # then each returns its findings and each finding names its pairing
    assert set(drafts) == SPEC_CODES
    assert drafts["MONTHLY_SCORE"] and drafts["COVERAGE_GAP"] and drafts["TEAM_MIN_SIZE"]
    assert all(d.pairing_id == p.pk for ds in drafts.values() for d in ds)


@pytest.mark.django_db
def test_rules_whose_parameter_is_off_produce_nothing():
    # given a program with every rule switched off but data that would violate most of them
    off = {
        "team_min_size": None, "team_min_size_tcm": None, "coverage_gap": False, "one_leader": False,
        "leader_post": False, "leader_mgmt_years": None, "member_clinical_years": None,
        "member_min_title": None,
        "leader_min_stay_months": None, "member_min_stay_months": None, "no_double_deployment": False,
        "roster_filed": False, "agreement_signed": False, "annual_agreement": False, "training_quota": None,
        "agreement_items_overdue": False,
        "residency_base": False, "end_appraisal_days": None, "grade_target": False,
        "leader_designation": False,
    }  # fmt: skip
    prog = program(params=off)
    p = pairing(prog)
    p.recipient.grade = "ungraded"
    p.recipient.save()
    team = f.TeamFactory(pairing=p, year=2023)
    f.DeploymentFactory(
        team=team, role="leader", post="医师", planned_start=D(2023, 1, 1), planned_end=D(2023, 1, 5)
    )
    # when evaluated, then nothing is found
    drafts = rules_evaluate(program=prog, as_of=AS_OF)
    assert {code: ds for code, ds in drafts.items() if ds} == {}
