"""Head-count intervals: the shared day-level figures of rules, timeline, API and reports."""

import datetime as dt

import pytest

from devtools import factories as f
from teams.selectors.deployments import coverage_summaries, headcount_intervals

D = dt.date


@pytest.fixture
def pairing(db):
    program = f.ProgramFactory(start_date=D(2023, 1, 1), end_date=D(2023, 1, 31))
    return f.PairingFactory(program=program, service_start=D(2023, 1, 1), service_end=D(2023, 1, 31))


def test_intervals_cover_the_period_with_gaps_and_leaders(pairing, django_assert_num_queries):
    team = f.TeamFactory(pairing=pairing, start_date=D(2023, 1, 1), end_date=D(2023, 1, 31))
    f.DeploymentFactory(team=team, role="leader", planned_start=D(2023, 1, 1), planned_end=D(2023, 1, 10))
    f.DeploymentFactory(team=team, planned_start=D(2023, 1, 5), planned_end=D(2023, 1, 10))
    f.DeploymentFactory(team=team, planned_start=D(2023, 1, 20), planned_end=D(2023, 2, 28))

    with django_assert_num_queries(1):
        ivs = headcount_intervals(program_id=pairing.program_id)

    assert [(i.start, i.end, i.on_site, i.leaders) for i in ivs] == [
        (D(2023, 1, 1), D(2023, 1, 4), 1, 1),
        (D(2023, 1, 5), D(2023, 1, 10), 2, 1),
        (D(2023, 1, 11), D(2023, 1, 19), 0, 0),  # the gap
        (D(2023, 1, 20), D(2023, 1, 31), 1, 0),  # clipped at the service end
    ]
    summary = coverage_summaries(ivs, minimum_for={pairing.pk: 2})[pairing.pk]
    assert summary.period_days == 31
    assert summary.covered_days == 22
    assert summary.full_strength_days == 6
    assert summary.single_leader_days == 10
    assert summary.gaps == [(D(2023, 1, 11), D(2023, 1, 19))]


def test_a_pairing_without_deployments_is_one_gap(pairing):
    ivs = headcount_intervals(pairing_ids=[pairing.pk], date_from=D(2023, 1, 10), date_to=D(2023, 1, 12))
    assert [(i.start, i.end, i.on_site) for i in ivs] == [(D(2023, 1, 10), D(2023, 1, 12), 0)]


def test_actual_dates_override_planned(pairing):
    team = f.TeamFactory(pairing=pairing)
    f.DeploymentFactory(
        team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 1, 31), actual_end=D(2023, 1, 15)
    )
    ivs = headcount_intervals(pairing_ids=[pairing.pk])
    assert [(i.start, i.end, i.on_site) for i in ivs] == [
        (D(2023, 1, 1), D(2023, 1, 15), 1),
        (D(2023, 1, 16), D(2023, 1, 31), 0),
    ]


def test_deployments_outside_the_window_do_not_change_it(pairing):
    # given deployments ending the day before, starting the day after, and spanning the 10th … 12th
    team = f.TeamFactory(pairing=pairing)
    for start, end, role in [
        (D(2023, 1, 1), D(2023, 1, 9), "leader"),
        (D(2023, 1, 13), D(2023, 1, 20), "leader"),
        (D(2023, 1, 2), D(2023, 1, 11), "member"),
        (D(2023, 1, 5), D(2023, 1, 10), "leader"),
    ]:
        f.DeploymentFactory(team=team, role=role, planned_start=start, planned_end=end)
    ivs = headcount_intervals(pairing_ids=[pairing.pk], date_from=D(2023, 1, 10), date_to=D(2023, 1, 12))
    # then only the overlapping ones count, whatever the others did before or after
    assert [(i.start, i.end, i.on_site, i.leaders) for i in ivs] == [
        (D(2023, 1, 10), D(2023, 1, 10), 2, 1),
        (D(2023, 1, 11), D(2023, 1, 11), 1, 0),
        (D(2023, 1, 12), D(2023, 1, 12), 0, 0),
    ]
