"""Who is deployed: LEADER_POST, LEADER_MGMT_YEARS, MEMBER_CLINICAL_YEARS, MEMBER_MIN_TITLE, stays."""

from __future__ import annotations

import pytest

from devtools import factories as f
from tests.assessments.rules_helpers import D, evaluate, pairing, program

pytestmark = pytest.mark.django_db

START, DEC31 = D(2023, 3, 1), D(2023, 12, 31)


@pytest.fixture
def prog():
    return program()


@pytest.fixture
def team(prog):
    return f.TeamFactory(pairing=pairing(prog), year=2023)


def deploy(team, role="member", start=START, end=DEC31, **staff):
    return f.DeploymentFactory(
        team=team, role=role, post="副院长" if role == "leader" else "医师",
        planned_start=start, planned_end=end,
        staff=f.StaffFactory(employer=team.pairing.supporters.get().hospital, **staff),
    )  # fmt: skip


def test_leader_post_president_or_vice_president(prog, team):
    ok = deploy(team, "leader")
    bad = deploy(team, "leader", start=D(2023, 1, 1), end=D(2023, 2, 28))
    bad.post = "科室主任"
    bad.save()
    [d] = evaluate(prog, "LEADER_POST")
    assert d.deployment_id == bad.pk and d.deployment_id != ok.pk and "科室主任" in d.message


@pytest.mark.parametrize(("since", "found"), [(D(2020, 3, 1), False), (D(2020, 3, 2), True)])
def test_leader_management_years_boundary(prog, team, since, found):
    # exactly 3 full years at start passes; one day short fails
    deploy(team, "leader", management_since=since)
    assert bool(evaluate(prog, "LEADER_MGMT_YEARS")) is found


def test_leader_without_management_record_fails(prog, team):
    deploy(team, "leader", management_since=None)
    [d] = evaluate(prog, "LEADER_MGMT_YEARS")
    assert d.evidence["years"] is None and d.evidence["required_years"] == 3


def test_management_years_are_measured_at_actual_start(prog, team):
    dep = deploy(team, "leader", management_since=D(2020, 3, 15))
    dep.actual_start = D(2023, 3, 20)  # started late: by then 3 full years
    dep.save()
    assert evaluate(prog, "LEADER_MGMT_YEARS") == []


@pytest.mark.parametrize(("since", "found"), [(D(2018, 3, 1), False), (D(2018, 3, 2), True)])
def test_member_clinical_years_boundary(prog, team, since, found):
    deploy(team, clinical_since=since)
    assert bool(evaluate(prog, "MEMBER_CLINICAL_YEARS")) is found


def test_clinical_years_do_not_apply_to_leaders(prog, team):
    deploy(team, "leader", clinical_since=D(2022, 1, 1))
    assert evaluate(prog, "MEMBER_CLINICAL_YEARS") == []


def test_bozhou_requires_six_years_of_work_without_a_work_record_clinical_years_count():
    prog = program(preset="bozhou_2016")
    team = f.TeamFactory(pairing=pairing(prog), year=2023)
    deploy(team, clinical_since=D(2017, 3, 2))  # 5 full years: enough in Gansu, not in Bozhou
    [d] = evaluate(prog, "MEMBER_CLINICAL_YEARS")
    assert d.evidence == d.evidence | {"years": 5, "required_years": 6, "basis": "work"}
    assert "工作年限" in d.message and "临床" not in d.message


@pytest.mark.parametrize(("work_since", "found"), [(D(2017, 3, 1), False), (D(2017, 3, 2), True)])
def test_bozhou_counts_years_of_work_not_clinical_years(work_since, found):
    # given a member with 2 clinical years but work since the boundary date (6 years before 2023-03-01)
    prog = program(preset="bozhou_2016")
    team = f.TeamFactory(pairing=pairing(prog), year=2023)
    deploy(team, clinical_since=D(2021, 1, 1), work_since=work_since)
    assert bool(evaluate(prog, "MEMBER_CLINICAL_YEARS")) is found


def test_gansu_counts_clinical_years_not_years_of_work(prog, team):
    deploy(team, clinical_since=D(2021, 1, 1), work_since=D(2000, 1, 1))
    [d] = evaluate(prog, "MEMBER_CLINICAL_YEARS")
    assert d.evidence["basis"] == "clinical" and "临床工作年限" in d.message


def test_guangdong_leaves_experience_title_and_stay_to_the_program():
    # given a Guangdong member with no clinical record, a junior title and a one-month stay
    prog = program(preset="guangdong_2019")
    team = f.TeamFactory(pairing=pairing(prog), year=2023)
    deploy(team, start=START, end=D(2023, 3, 31), clinical_since=None, title=1)
    deploy(team, "leader", start=START, end=D(2023, 3, 31), management_since=None)
    # then none of Gansu's stay, experience and title rules apply
    for code in ("MEMBER_CLINICAL_YEARS", "MEMBER_MIN_TITLE", "LEADER_MGMT_YEARS", "LEADER_MIN_STAY",
                 "MEMBER_MIN_STAY"):  # fmt: skip
        assert evaluate(prog, code) == [], code
    # when the program sets a title, then it applies
    prog.params = {"member_min_title": 2}
    prog.save()
    assert len(evaluate(prog, "MEMBER_MIN_TITLE")) == 1


@pytest.mark.parametrize(("title", "found"), [(2, False), (1, True), (3, False)])
def test_member_title_at_least_intermediate(prog, team, title, found):
    deploy(team, title=title)
    assert bool(evaluate(prog, "MEMBER_MIN_TITLE")) is found


def test_title_does_not_apply_to_leaders(prog, team):
    deploy(team, "leader", title=1)
    assert evaluate(prog, "MEMBER_MIN_TITLE") == []


# --- stays ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("end", "found"), [(D(2023, 8, 31), False), (D(2023, 8, 30), True)])
def test_member_stay_of_exactly_six_months_vs_one_day_short(prog, team, end, found):
    deploy(team, start=START, end=end)
    drafts = evaluate(prog, "MEMBER_MIN_STAY")
    assert bool(drafts) is found
    if found:
        assert drafts[0].evidence["required_end"] == "2023-08-31"


@pytest.mark.parametrize(("end", "found"), [(D(2024, 2, 29), False), (D(2024, 2, 28), True)])
def test_leader_stay_of_twelve_months(prog, team, end, found):
    deploy(team, "leader", start=START, end=end)
    assert bool(evaluate(prog, "LEADER_MIN_STAY")) is found


def test_ended_stay_uses_actual_end(prog, team):
    dep = deploy(team, start=START, end=D(2023, 8, 31))
    dep.actual_end = D(2023, 7, 15)  # came home early
    dep.save()
    [d] = evaluate(prog, "MEMBER_MIN_STAY")
    assert d.period_end == D(2023, 7, 15)


def test_back_to_back_deployments_make_one_continuous_stay(prog, team):
    # a leader kept on from one rotation to the next: 6 + 6 months is a 12-month stay
    leader = deploy(team, "leader", start=D(2023, 1, 1), end=D(2023, 6, 30))
    team2 = f.TeamFactory(pairing=team.pairing, year=2023, start_date=D(2023, 7, 1))
    f.DeploymentFactory(
        team=team2, staff=leader.staff, role="leader", post="院长", planned_start=D(2023, 7, 1),
        planned_end=D(2023, 12, 31),
    )  # fmt: skip
    assert evaluate(prog, "LEADER_MIN_STAY") == []


def test_short_stays_of_joined_and_single_deployments_name_their_person(prog, team):
    # A short stay made of two back-to-back deployments (the windows' branch of the stays), and a short
    # single deployment among people whose stays are long enough: each named, with its deployments.
    first = deploy(team, start=D(2023, 1, 1), end=D(2023, 2, 28), name="甲医师")
    team2 = f.TeamFactory(pairing=team.pairing, year=2023, start_date=D(2023, 3, 1))
    second = f.DeploymentFactory(
        team=team2, staff=first.staff, role="member", post="医师", planned_start=D(2023, 3, 1),
        planned_end=D(2023, 4, 30),
    )  # fmt: skip
    single = deploy(team, start=START, end=D(2023, 5, 31), name="乙医师")
    deploy(team, start=START, end=DEC31, name="丙医师")
    drafts = sorted(evaluate(prog, "MEMBER_MIN_STAY"), key=lambda d: d.period_start)
    found = [(d.evidence["staff"], d.evidence["deployments"], d.period_start, d.period_end) for d in drafts]
    assert found == [
        ("甲医师", [first.pk, second.pk], D(2023, 1, 1), D(2023, 4, 30)),
        ("乙医师", [single.pk], START, D(2023, 5, 31)),
    ]
    assert all(d.evidence["staff"] in d.message for d in drafts)


def test_bozhou_leader_stay_six_months():
    prog = program(preset="bozhou_2016")
    team = f.TeamFactory(pairing=pairing(prog), year=2023)
    deploy(team, "leader", start=START, end=D(2023, 8, 31))
    assert evaluate(prog, "LEADER_MIN_STAY") == []
