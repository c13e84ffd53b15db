"""Day-level team rules: TEAM_MIN_SIZE, TEAM_MAX_SIZE, COVERAGE_GAP, ONE_LEADER (reported as intervals)."""

from __future__ import annotations

import pytest

from devtools import factories as f
from tests.assessments.rules_helpers import D, evaluate, pairing, periods, program

pytestmark = pytest.mark.django_db

Y0, Y1 = D(2023, 1, 1), D(2023, 12, 31)


def crew(p, n, start=Y0, end=Y1, leaders=1, team=None):
    """n people on site from start to end, the first ``leaders`` of them leaders: a new team, or more people
    on ``team``."""
    team = team or f.TeamFactory(pairing=p, year=start.year, start_date=start, end_date=end)
    for i in range(n):
        f.DeploymentFactory(
            team=team, role="leader" if i < leaders else "member", post="副院长" if i < leaders else "医师",
            planned_start=start, planned_end=end,
        )  # fmt: skip
    return team


def daily(drafts):
    """The daily-headcount findings of TEAM_MIN_SIZE (the composition ones are about a team)."""
    return [d for d in drafts if d.subject_type == "pairing"]


def test_team_of_exactly_the_minimum_passes():
    prog = program()
    p = pairing(prog)
    crew(p, 5)
    assert evaluate(prog, "TEAM_MIN_SIZE") == []


def test_team_one_short_is_reported_as_one_interval_with_figures():
    # given 5 on site all year except 4 from March 1 to 17
    prog = program()
    p = pairing(prog)
    team = crew(p, 4)
    crew(p, 1, Y0, D(2023, 2, 28), leaders=0, team=team)
    crew(p, 1, D(2023, 3, 18), Y1, leaders=0, team=team)
    # when checked
    [d] = evaluate(prog, "TEAM_MIN_SIZE")
    # then one finding covers exactly the short days, with the figures
    assert (d.period_start, d.period_end) == (D(2023, 3, 1), D(2023, 3, 17))
    assert d.evidence["min_on_site"] == 4 and d.evidence["minimum"] == 5
    assert "2023-03-01 … 2023-03-17" in d.message and "4" in d.message
    assert d.pairing_id == p.pk and d.subject_type == "pairing"


def test_consecutive_short_intervals_merge_into_one_finding():
    prog = program()
    p = pairing(prog)
    team = crew(p, 3)  # 3 all year
    crew(p, 1, Y0, D(2023, 6, 30), leaders=0, team=team)  # 4 in H1, 3 in H2: both short
    [d] = daily(evaluate(prog, "TEAM_MIN_SIZE"))
    assert (d.period_start, d.period_end) == (Y0, Y1)
    assert (d.evidence["min_on_site"], d.evidence["max_on_site"]) == (3, 4)
    assert len(d.evidence["intervals"]) == 2


def test_tcm_recipient_uses_the_tcm_minimum():
    # given a TCM recipient with 3 on site (TCM minimum 3) and a general one with 3 (minimum 5)
    prog = program()
    tcm = pairing(prog, recipient=f.RecipientFactory(province=prog.province, kind="tcm"))
    general = pairing(prog)
    crew(tcm, 3)
    crew(general, 3)
    # then only the general one is short: on site every day, and in its composition
    found = evaluate(prog, "TEAM_MIN_SIZE")
    assert sorted((d.pairing_id, d.subject_type) for d in found) == [
        (general.pk, "pairing"),
        (general.pk, "team"),
    ]


def test_tcm_recipient_with_two_on_site_is_short():
    prog = program()
    tcm = pairing(prog, recipient=f.RecipientFactory(province=prog.province, kind="tcm"))
    crew(tcm, 2)
    [d] = daily(evaluate(prog, "TEAM_MIN_SIZE"))
    assert d.evidence["minimum"] == 3 and d.evidence["tcm"] is True


def test_a_rotation_of_four_is_short_in_composition_even_when_five_are_on_site_every_day():
    # given a rotation of 4 with a fifth person borrowed from another team of the pairing all year
    prog = program()
    p = pairing(prog)
    four = crew(p, 4)
    crew(p, 5, leaders=0)
    # then the headcount is 9 every day, but the four-person rotation is short in composition
    [d] = evaluate(prog, "TEAM_MIN_SIZE")
    assert (d.subject_type, d.team_id, d.evidence["people"], d.evidence["minimum"]) == ("team", four.pk, 4, 5)
    assert (d.period_start, d.period_end) == (four.start_date, four.end_date)


def test_a_replaced_member_keeps_the_rotation_whole():
    # given a rotation of 5 whose fifth member is replaced on July 1
    prog = program()
    p = pairing(prog)
    team = crew(p, 4)
    crew(p, 1, Y0, D(2023, 6, 30), leaders=0, team=team)
    crew(p, 1, D(2023, 7, 1), Y1, leaders=0, team=team)
    # then five are on site every day and the rotation is made up of (more than) five: nothing found
    assert evaluate(prog, "TEAM_MIN_SIZE") == []


def test_a_leader_kept_on_from_the_previous_rotation_counts_in_the_next_ones_composition():
    # given rotation 1 (Jan–Jun) of a leader deployed for the whole year and 4 members, and rotation 2
    # (Jul–Dec) of 4 new members: the leader stays on across the hand-over on one deployment
    prog = program()
    p = pairing(prog)
    first = crew(p, 1, Y0, Y1)
    crew(p, 4, Y0, D(2023, 6, 30), leaders=0, team=first)
    second = f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 7, 1), end_date=Y1)
    crew(p, 4, D(2023, 7, 1), Y1, leaders=0, team=second)
    # then both rotations are made up of five
    assert evaluate(prog, "TEAM_MIN_SIZE") == []
    # when the leader leaves the day before the hand-over, then rotation 2 is four (and so is every day)
    first.deployments.filter(role="leader").update(planned_end=D(2023, 6, 30))
    found = [d for d in evaluate(prog, "TEAM_MIN_SIZE") if d.subject_type == "team"]
    assert [(d.team_id, d.evidence["people"]) for d in found] == [(second.pk, 4)]


def test_composition_is_judged_once_the_rotation_has_started():
    prog = program()
    p = pairing(prog)
    f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 7, 1), end_date=Y1)
    drafts = evaluate(prog, "TEAM_MIN_SIZE", as_of=D(2023, 6, 30))
    assert not [d for d in drafts if d.subject_type == "team"]
    drafts = evaluate(prog, "TEAM_MIN_SIZE", as_of=D(2023, 7, 1))
    assert [d.evidence["people"] for d in drafts if d.subject_type == "team"] == [0]


def test_bozhou_about_ten_is_no_minimum_per_recipient():
    # given a Bozhou recipient (TCM) with 3 people: "about 10" is the batch, not a per-recipient minimum
    prog = program(preset="bozhou_2016")
    tcm = pairing(prog, recipient=f.RecipientFactory(province=prog.province, kind="tcm"))
    crew(tcm, 3)
    assert evaluate(prog, "TEAM_MIN_SIZE") == []


def test_hinggan_team_of_three():
    prog = program(preset="hinggan")
    ok, short = pairing(prog), pairing(prog)
    crew(ok, 3)
    crew(short, 2)
    assert {d.pairing_id for d in evaluate(prog, "TEAM_MIN_SIZE")} == {short.pk}


def test_days_with_nobody_are_a_gap_not_a_short_team():
    prog = program()
    p = pairing(prog)
    crew(p, 5, Y0, D(2023, 6, 30))
    assert evaluate(prog, "TEAM_MIN_SIZE") == []
    assert periods(evaluate(prog, "COVERAGE_GAP")) == [(D(2023, 7, 1), Y1)]


def test_with_coverage_gap_off_empty_days_count_as_short():
    prog = program(params={"coverage_gap": False})
    p = pairing(prog)
    crew(p, 5, Y0, D(2023, 6, 30))
    assert periods(evaluate(prog, "TEAM_MIN_SIZE")) == [(D(2023, 7, 1), Y1)]


def test_guangdong_team_exactly_five():
    # given the Guangdong preset (min 5 = max 5)
    prog = program(preset="guangdong_2019")
    p = pairing(prog)
    team = crew(p, 5)
    crew(p, 1, D(2023, 5, 1), D(2023, 5, 31), leaders=0, team=team)
    # then six on site in May exceeds the maximum, five is fine
    [d] = evaluate(prog, "TEAM_MAX_SIZE")
    assert (d.period_start, d.period_end, d.evidence["maximum"]) == (D(2023, 5, 1), D(2023, 5, 31), 5)
    assert evaluate(prog, "TEAM_MIN_SIZE") == []


def test_team_max_size_is_off_by_default():
    prog = program()
    p = pairing(prog)
    crew(p, 9)
    assert evaluate(prog, "TEAM_MAX_SIZE") == []


def test_a_gap_of_one_day_is_found_as_that_day():
    prog = program()
    p = pairing(prog)
    crew(p, 5, Y0, D(2023, 6, 30))
    crew(p, 5, D(2023, 7, 2), Y1)
    [d] = evaluate(prog, "COVERAGE_GAP")
    assert (d.period_start, d.period_end) == (D(2023, 7, 1), D(2023, 7, 1))
    assert d.severity == "critical" and "1" in d.message


def test_back_to_back_rotations_leave_no_gap():
    prog = program()
    p = pairing(prog)
    crew(p, 5, Y0, D(2023, 6, 30))
    crew(p, 5, D(2023, 7, 1), Y1)
    assert evaluate(prog, "COVERAGE_GAP") == []


def test_each_gap_is_its_own_finding():
    prog = program()
    p = pairing(prog)
    crew(p, 5, D(2023, 2, 1), D(2023, 5, 31))
    crew(p, 5, D(2023, 7, 1), D(2023, 11, 30))
    assert periods(evaluate(prog, "COVERAGE_GAP")) == [
        (Y0, D(2023, 1, 31)),
        (D(2023, 6, 1), D(2023, 6, 30)),
        (D(2023, 12, 1), Y1),
    ]


def test_exactly_one_leader_passes_none_or_two_fail():
    prog = program()
    p = pairing(prog)
    crew(p, 5, Y0, D(2023, 3, 31), leaders=1)
    crew(p, 5, D(2023, 4, 1), D(2023, 6, 30), leaders=0)
    crew(p, 5, D(2023, 7, 1), Y1, leaders=2)
    found = evaluate(prog, "ONE_LEADER")
    assert [(d.period_start, d.period_end, d.evidence["problem"]) for d in found] == [
        (D(2023, 4, 1), D(2023, 6, 30), "none"),
        (D(2023, 7, 1), Y1, "several"),
    ]


def test_no_leader_on_empty_days_is_not_a_leader_problem():
    prog = program()
    p = pairing(prog)
    crew(p, 5, Y0, D(2023, 6, 30))
    assert evaluate(prog, "ONE_LEADER") == []
