"""Home-page reads of each role: the right figures, scoped, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Finding
from devtools import factories as f
from teams.choices import RosterStatus
from training.selectors.quota import quota_progress
from web.selectors import dashboard as dash

D = dt.date
AS_OF = D(2023, 7, 10)


def finding(pairing, rule_code, severity="major", status="open"):
    now = timezone.now()
    return Finding.objects.create(
        rule_code=rule_code,
        severity=severity,
        program=pairing.program,
        pairing=pairing,
        subject_type="pairing",
        subject_id=pairing.pk,
        message="测试",
        fingerprint=f"{rule_code}-{pairing.pk}-{severity}-{status}-{now.timestamp()}",
        status=status,
        first_seen=now,
        last_seen=now,
    )


@pytest.fixture
def july(world):
    """Pairing A staffed all July by a leader + member; pairing B staffed only from 16 July (a gap)."""
    team_a = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=1, start_date=D(2023, 1, 1))
    leader = f.DeploymentFactory(
        team=team_a, role="leader", planned_start=D(2023, 1, 1), planned_end=D(2023, 12, 31)
    )
    member = f.DeploymentFactory(team=team_a, planned_start=D(2023, 6, 1), planned_end=D(2023, 12, 31))
    team_b = f.TeamFactory(pairing=world.pairing_b, year=2023, rotation=1, start_date=D(2023, 7, 16))
    f.DeploymentFactory(team=team_b, planned_start=D(2023, 7, 16), planned_end=D(2023, 12, 31))
    return leader, member


def test_findings_are_counted_by_rule_and_severity_within_scope(world):
    finding(world.pairing_a, "TEAM_MIN_SIZE", "critical")
    finding(world.pairing_a, "TEAM_MIN_SIZE", "major")
    finding(world.pairing_b, "TEAM_MIN_SIZE", "major")
    finding(world.pairing_b, "COVERAGE_GAP", "minor")
    finding(world.pairing_b, "COVERAGE_GAP", "minor", status="resolved")

    rows = dash.open_findings_by_rule(user=world.users["province"])
    assert [(r.rule_code, r.critical, r.major, r.minor) for r in rows] == [
        ("TEAM_MIN_SIZE", 1, 2, 0),
        ("COVERAGE_GAP", 0, 0, 1),
    ]
    # city A sees only its own pairing's findings
    rows = dash.open_findings_by_rule(user=world.users["city_a"])
    assert [(r.rule_code, r.total) for r in rows] == [("TEAM_MIN_SIZE", 2)]


def test_coverage_overview_uses_the_shared_intervals(world, july):
    cov = dash.coverage_overview(user=world.users["province"], as_of=AS_OF)
    assert (cov.month_start, cov.month_end) == (D(2023, 7, 1), D(2023, 7, 31))
    assert cov.pairings == 2
    assert cov.period_days == 62
    assert cov.covered_days == 31 + 16  # B is covered 16–31 July
    assert cov.with_gaps_count == 1
    assert [(p.pk, days) for p, days in cov.with_gaps] == [(world.pairing_b.pk, 15)]
    # both are below TEAM_MIN_SIZE (5) every day
    assert cov.under_strength_count == 2 and cov.full_strength_days == 0


def test_training_quota_counts_free_stints_of_at_least_the_minimum_length(world):
    # given ≥ 3 trainees per pairing per year, each stint ≥ 6 months where the program sets it (Mianyang)
    world.program.params = {"training_min_months": 6}
    world.program.save()
    a = world.pairing_a
    f.TraineeStintFactory(pairing=a, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31))  # 6 months: counts
    f.TraineeStintFactory(pairing=a, start_date=D(2023, 3, 1), end_date=D(2023, 8, 30))  # a day short
    f.TraineeStintFactory(pairing=a, start_date=D(2023, 4, 1), end_date=D(2023, 12, 31), is_free=False)
    f.TraineeStintFactory(pairing=a, start_date=D(2022, 4, 1), end_date=D(2022, 12, 31))  # last year
    for _ in range(3):
        f.TraineeStintFactory(pairing=world.pairing_b, start_date=D(2023, 1, 1), end_date=D(2023, 6, 30))

    training = dash.training_overview(user=world.users["province"], year=2023)
    assert (training.pairings, training.met, training.trained, training.required) == (2, 1, 4, 6)
    assert [(r.pairing.pk, r.trained, r.quota) for r in training.behind] == [(world.pairing_a.pk, 1, 3)]
    # under Gansu's own rule (no minimum stint length) the stint a day short counts too
    world.program.params = {}
    world.program.save()
    training = dash.training_overview(user=world.users["province"], year=2023)
    assert [(r.pairing.pk, r.trained, r.quota) for r in training.behind] == [(world.pairing_a.pk, 2, 3)]


def test_rosters_awaiting_filing_are_listed_in_scope(world):
    team = f.TeamFactory(pairing=world.pairing_a)
    submitted = f.RosterFactory(team=team, status=RosterStatus.SUBMITTED, submitted_at=timezone.now())
    f.RosterEntryFactory(roster=submitted)
    f.RosterFactory(team=f.TeamFactory(pairing=world.pairing_b), status=RosterStatus.FORWARDED)
    f.RosterFactory(team=team, supporter=world.supporter_a, version=2, status=RosterStatus.DRAFT)

    province = dash.commission_dashboard(user=world.users["province"], as_of=AS_OF)
    assert province.rosters_awaiting_count == 2
    city_a = dash.commission_dashboard(user=world.users["city_a"], as_of=AS_OF)
    assert [r.pk for r in city_a.rosters_awaiting] == [submitted.pk]
    assert city_a.rosters_awaiting[0].entry_count == 1


def test_supporter_sees_rosters_to_submit_and_deadlines(world):
    program = world.pairing_a.program
    program.roster_deadline = D(2023, 8, 1)
    program.save()
    coming = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=2, start_date=D(2023, 9, 1))
    filed = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=3, start_date=D(2023, 10, 1))
    f.RosterFactory(team=filed, status=RosterStatus.FILED, decided_at=timezone.now())
    f.TeamFactory(pairing=world.pairing_b, year=2023, rotation=2, start_date=D(2023, 9, 1))  # not charlie's

    board = dash.supporter_dashboard(user=world.users["charlie"], as_of=AS_OF)
    assert {t.pk for t in board.teams} == {coming.pk, filed.pk}
    assert [t.pk for t in board.to_submit] == [coming.pk]
    assert [d.date for d in board.deadlines] == [D(2023, 8, 1), D(2023, 9, 1), D(2023, 10, 1)]


def test_recipient_sees_who_is_on_site_assessments_due_and_attendance(world, july):
    leader, member = july
    f.MonthlyAssessmentFactory(deployment=leader, month=D(2023, 6, 1))
    f.AttendanceFactory(deployment=leader, date=D(2023, 7, 10), status="present")
    f.AttendanceFactory(deployment=member, date=D(2023, 7, 10), status="late")

    board = dash.recipient_dashboard(user=world.users["alice"], as_of=AS_OF)
    assert [d.pk for d in board.on_site] == [leader.pk, member.pk]  # the leader first
    assert board.month_start == D(2023, 6, 1)
    assert [d.pk for d in board.assessments_due] == [member.pk]
    today = board.attendance[0]
    assert today.date == AS_OF and today.on_site == 2 and today.recorded == 2 and today.missing == 0
    assert today.counts == {"present": 1, "late": 1}
    yesterday = board.attendance[1]
    # Sunday 2023-07-09 is a day off: nobody is 无记录 (missing); Friday the 7th was a working day
    assert (yesterday.on_site, yesterday.workday, yesterday.missing) == (2, False, 0)
    friday = board.attendance[3]
    assert (friday.date, friday.workday, friday.missing) == (D(2023, 7, 7), True, 2)
    # bob (recipient B) sees none of pairing A's people
    assert dash.recipient_dashboard(user=world.users["bob"], as_of=AS_OF).on_site == []


@pytest.mark.parametrize("user", ["province", "charlie", "alice"])
def test_home_query_count_does_not_grow_with_data(client, world, july, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users[user])
    url = reverse("home") + "?as_of=2023-07-10"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    # given many more teams, deployments, findings, stints and rosters in both pairings
    for pairing in (world.pairing_a, world.pairing_b):
        for rotation in range(2, 5):
            # (from 18 July on: pairing B keeps its gap, so the same reads run before and after)
            start = D(2023, 7, 16 + rotation)
            team = f.TeamFactory(pairing=pairing, year=2023, rotation=rotation, start_date=start)
            f.DeploymentFactory(team=team, planned_start=start, planned_end=D(2023, 9, 30))
            f.RosterFactory(team=team, status=RosterStatus.SUBMITTED, submitted_at=timezone.now())
            finding(pairing, f"RULE_{rotation}")
            f.TraineeStintFactory(pairing=pairing)
    assert count() == few


def test_training_overview_agrees_with_the_quota_definition(world):
    """The dashboard counts what TRAINING_QUOTA counts (training/selectors/quota.py): a stint the host has not
    accepted, or of a trainee who is not clinical backbone where the preset asks it, does not count; a
    partial service year asks a pro-rated quota."""
    world.program.params = {"training_backbone_only": True, "training_prorate": True}
    world.program.save()
    a, b = world.pairing_a, world.pairing_b
    f.TraineeStintFactory(pairing=a, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31))
    f.TraineeStintFactory(pairing=a, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31), status="nominated")
    f.TraineeStintFactory(pairing=a, start_date=D(2023, 3, 1), end_date=D(2023, 8, 31), is_backbone=False)
    b.service_start = D(2023, 7, 1)  # half a year of service in 2023: ceil(3 × 184/365) = 2 asked
    b.save()
    f.TraineeStintFactory(pairing=b, start_date=D(2023, 7, 1), end_date=D(2023, 12, 31))

    training = dash.training_overview(user=world.users["province"], year=2023)
    progress = quota_progress(pairings=[a, b], as_of=D(2024, 1, 1))
    expected = {p: next(q for q in rows if q.year == 2023) for p, rows in progress.items()}
    assert (expected[a.pk].trained, expected[a.pk].required) == (1, 3)
    assert (expected[b.pk].trained, expected[b.pk].required) == (1, 2)
    assert (training.pairings, training.met, training.trained, training.required) == (2, 0, 2, 5)
    assert sorted((r.pairing.pk, r.trained, r.quota) for r in training.behind) == sorted(
        [(a.pk, 1, 3), (b.pk, 1, 2)]
    )
