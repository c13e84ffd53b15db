"""Day-level team rules: TEAM_MIN_SIZE, TEAM_MAX_SIZE, COVERAGE_GAP, ONE_LEADER (reported as intervals)."""

from __future__ import annotations

import pytest

from devtools import factories as f
from tests.assessments.rules_helpers import D, evaluate, pairing, periods, program

pytestmark = pytest.mark.django_db

Y0, Y1 = D(2023, 1, 1), D(2023, 12, 31)


def crew(p, n, start=Y0, end=Y1, leaders=1):
    """n people on site from start to end, the first ``leaders`` of them leaders."""
    team = f.TeamFactory(pairing=p, year=start.year, start_date=start, end_date=end)
    for i in range(n):
        f.DeploymentFactory(
            team=team, role="leader" if i < leaders else "member", post="副院长" if i < leaders else "医师",
            planned_start=start, planned_end=end,
        )  # fmt: skip
    return team


def test_team_of_exactly_the_minimum_passes():
    prog = program()
    p = pairing(prog)
    crew(p, 5)
    assert evaluate(prog, "TEAM_MIN_SIZE") == []


def test_team_one_short_is_reported_as_one_interval_with_figures():
    # given 5 on site all year except 4 from March 1 to 17
    prog = program()
    p = pairing(prog)
    crew(p, 4)
    crew(p, 1, Y0, D(2023, 2, 28), leaders=0)
    crew(p, 1, D(2023, 3, 18), Y1, leaders=0)
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
    crew(p, 3)  # 3 all year
    crew(p, 1, Y0, D(2023, 6, 30), leaders=0)  # 4 in H1, 3 in H2: both short
    [d] = evaluate(prog, "TEAM_MIN_SIZE")
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
    # then only the general one is short
    assert [d.pairing_id for d in evaluate(prog, "TEAM_MIN_SIZE")] == [general.pk]


def test_tcm_recipient_with_two_on_site_is_short():
    prog = program()
    tcm = pairing(prog, recipient=f.RecipientFactory(province=prog.province, kind="tcm"))
    crew(tcm, 2)
    [d] = evaluate(prog, "TEAM_MIN_SIZE")
    assert d.evidence["minimum"] == 3 and d.evidence["tcm"] is True


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
    crew(p, 5)
    crew(p, 1, D(2023, 5, 1), D(2023, 5, 31), leaders=0)
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
