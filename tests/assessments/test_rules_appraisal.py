"""Supervision and individual appraisal: SPOT_CHECKS, MONTHLY_SCORE, ATTENDANCE_RATE, END_APPRAISAL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assessments.models import SpotCheck
from devtools import factories as f
from teams.selectors.attendance import monthly_attendance
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


MAR1, APR30 = D(2023, 3, 1), D(2023, 4, 30)


def deployment(prog, start=MAR1, end=APR30):
    team = f.TeamFactory(pairing=pairing(prog), year=2023)
    return f.DeploymentFactory(team=team, planned_start=start, planned_end=end)


def checks(dep, day, n):
    for i in range(n):
        SpotCheck.objects.create(deployment=dep, checked_at=dt.datetime(day.year, day.month, day.day, 9 + i,
                                 tzinfo=TZ), reached=True)  # fmt: skip


def test_spot_checks_off_by_default():
    prog = program()
    deployment(prog)
    assert evaluate(prog, "SPOT_CHECKS") == []


def test_bozhou_three_spot_checks_per_full_month():
    # given Bozhou rules, a March–mid-May deployment with 3 checks in March and 2 in April
    prog = program(preset="bozhou_2016")
    dep = deployment(prog, end=D(2023, 5, 15))
    checks(dep, D(2023, 3, 10), 3)
    checks(dep, D(2023, 4, 10), 2)
    # then April is short; the partial May is not judged
    [d] = evaluate(prog, "SPOT_CHECKS")
    assert (d.period_start, d.period_end, d.evidence["checks"], d.evidence["required"]) == (
        D(2023, 4, 1), D(2023, 4, 30), 2, 3,
    )  # fmt: skip
    assert (d.subject_type, d.team_id, d.hospital_id) == ("team", dep.team_id, dep.supporter_id)


def test_spot_checks_are_per_supporter_and_month_of_its_team_not_per_person():
    # given a Bozhou team of three people of one supporter, March–April
    prog = program(preset="bozhou_2016")
    first = deployment(prog)
    others = [f.DeploymentFactory(team=first.team, planned_start=MAR1, planned_end=APR30) for _ in range(2)]
    # when the supporter makes three checks a month, spread over different people
    checks(first, D(2023, 3, 10), 2)
    checks(others[0], D(2023, 3, 20), 1)
    checks(others[1], D(2023, 4, 10), 3)
    # then each month has its three: no finding (a per-person reading would ask for nine a month)
    assert evaluate(prog, "SPOT_CHECKS") == []


def test_two_supporters_of_one_team_are_judged_apart():
    prog = program(preset="bozhou_2016")
    dep = deployment(prog)
    partner = f.HospitalFactory(province=prog.province)
    dep.team.pairing.supporters.create(hospital=partner, is_lead=False)
    other = f.DeploymentFactory(team=dep.team, supporter=partner, planned_start=MAR1, planned_end=APR30)
    checks(dep, D(2023, 3, 10), 3)
    checks(dep, D(2023, 4, 10), 3)
    checks(other, D(2023, 3, 10), 3)
    [d] = evaluate(prog, "SPOT_CHECKS")
    assert (d.hospital_id, d.period_start, d.evidence["checks"]) == (partner.pk, D(2023, 4, 1), 0)


def test_spot_checks_a_month_is_judged_once_over():
    prog = program(preset="bozhou_2016")
    dep = deployment(prog)
    checks(dep, D(2023, 3, 10), 3)
    assert evaluate(prog, "SPOT_CHECKS", as_of=D(2023, 4, 30)) == []
    assert len(evaluate(prog, "SPOT_CHECKS", as_of=D(2023, 5, 1))) == 1


@pytest.mark.parametrize(("score", "found"), [(80, False), (79.5, True)])
def test_bozhou_monthly_score_pass_mark(score, found):
    prog = program(preset="bozhou_2016")
    f.MonthlyAssessmentFactory(
        deployment=deployment(prog), month=D(2023, 3, 1), score=score, passed=not found
    )
    drafts = evaluate(prog, "MONTHLY_SCORE")
    assert bool(drafts) is found
    if found:
        assert drafts[0].evidence["deduction_cny"] == 1000 and "1000" in drafts[0].message
        assert (drafts[0].period_start, drafts[0].period_end) == (D(2023, 3, 1), D(2023, 3, 31))


def test_monthly_score_off_in_gansu():
    prog = program()
    f.MonthlyAssessmentFactory(deployment=deployment(prog), score=10, passed=False)
    assert evaluate(prog, "MONTHLY_SCORE") == []


def test_monthly_attendance_counts_weekdays_excuses_leave():
    # given March 2023 (23 weekdays), 20 present, 2 on leave, 1 absent, and a Saturday present
    prog = program()
    dep = deployment(prog, end=D(2023, 3, 31))
    weekdays = [D(2023, 3, d) for d in range(1, 32) if D(2023, 3, d).weekday() < 5]
    statuses = ["present"] * 19 + ["late"] + ["leave", "rest"] + ["absent"]
    for day, status in zip(weekdays, statuses, strict=True):
        f.AttendanceFactory(deployment=dep, date=day, status=status)
    f.AttendanceFactory(deployment=dep, date=D(2023, 3, 4), status="present")  # Saturday
    # when computed, then one row per month with the figures
    [m] = monthly_attendance(deployment_ids=[dep.pk])
    assert (m.workdays, m.excused, m.present, m.absent, m.expected) == (23, 2, 20, 1, 21)
    assert m.rate == pytest.approx(20 / 21)


def test_attendance_partial_month_within_the_period():
    prog = program()
    dep = deployment(prog, start=D(2023, 3, 27), end=D(2023, 4, 4))
    rows = monthly_attendance(program_id=prog.pk)
    assert [(r.month, r.workdays) for r in rows if r.deployment_id == dep.pk] == [
        (D(2023, 3, 1), 5),
        (D(2023, 4, 1), 2),
    ]


def test_attendance_rate_threshold():
    prog = program(params={"attendance_threshold": 0.9})
    dep = deployment(prog, end=D(2023, 3, 31))
    weekdays = [D(2023, 3, d) for d in range(1, 32) if D(2023, 3, d).weekday() < 5]
    for day in weekdays[:20]:  # 20 / 23 = 87 %
        f.AttendanceFactory(deployment=dep, date=day)
    [d] = evaluate(prog, "ATTENDANCE_RATE")
    assert (d.evidence["present"], d.evidence["expected"]) == (20, 23)
    f.AttendanceFactory(deployment=dep, date=weekdays[20])  # 21 / 23 = 91 %
    assert evaluate(prog, "ATTENDANCE_RATE") == []


def test_attendance_rate_off_by_default():
    prog = program()
    deployment(prog, end=D(2023, 3, 31))
    assert evaluate(prog, "ATTENDANCE_RATE") == []


@pytest.mark.parametrize(("as_of", "found"), [(D(2023, 5, 30), False), (D(2023, 5, 31), True)])
def test_missing_end_appraisal_only_once_n_days_have_passed(as_of, found):
    # ended April 30; due by May 30
    prog = program()
    deployment(prog)
    assert bool(evaluate(prog, "END_APPRAISAL", as_of=as_of)) is found


@pytest.mark.parametrize(("signed", "found"), [(D(2023, 5, 30), False), (D(2023, 5, 31), True)])
def test_end_appraisal_signed_within_thirty_days(signed, found):
    prog = program()
    f.EndOfStintAppraisalFactory(deployment=deployment(prog), signed_on=signed)
    drafts = evaluate(prog, "END_APPRAISAL")
    assert bool(drafts) is found
    if found:
        assert drafts[0].evidence["signed_on"] == "2023-05-31"


def test_deployment_not_yet_ended_needs_no_appraisal():
    prog = program()
    deployment(prog, end=D(2023, 12, 31))
    assert evaluate(prog, "END_APPRAISAL", as_of=D(2023, 12, 31)) == []
