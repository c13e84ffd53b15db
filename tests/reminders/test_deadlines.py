"""The deadline calendar: computed per preset, holiday shifts, statuses at the boundaries, scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools import factories as f
from reminders.choices import DeadlineKind, DeadlineStatus
from reminders.selectors.deadlines import deadlines_for, working_day_on_or_after
from teams.choices import RosterStatus

WINDOW = {"first": dt.date(2026, 8, 1), "last": dt.date(2026, 12, 31)}


def _of(user: Any, kind: str, today: dt.date) -> list[Any]:
    return [d for d in deadlines_for(user, today=today, **WINDOW) if d.kind == kind]


def test_roster_due_the_day_before_the_rotation_starts_for_each_supporter(live: Any, today: dt.date) -> None:
    (item,) = _of(live.users["charlie"], DeadlineKind.ROSTER, today)
    # given the rotation starts 2026-09-25 (a Friday), the roster is due on Thursday 24th
    assert item.due == dt.date(2026, 9, 24)
    assert item.hospital_id == live.supporter_a.pk
    assert item.status == DeadlineStatus.DUE_SOON
    assert "名单" in item.title and "第2批" in item.title


def test_roster_status_due_today_tomorrow_overdue_and_done(live: Any) -> None:
    user = live.users["charlie"]
    due = dt.date(2026, 9, 24)
    assert _of(user, DeadlineKind.ROSTER, due - dt.timedelta(days=8))[0].status == DeadlineStatus.UPCOMING
    assert _of(user, DeadlineKind.ROSTER, due - dt.timedelta(days=7))[0].status == DeadlineStatus.DUE_SOON
    tomorrow = _of(user, DeadlineKind.ROSTER, due - dt.timedelta(days=1))[0]
    assert (tomorrow.status, (tomorrow.due - (due - dt.timedelta(days=1))).days) == (
        DeadlineStatus.DUE_SOON,
        1,
    )
    assert _of(user, DeadlineKind.ROSTER, due)[0].status == DeadlineStatus.DUE_SOON
    assert _of(user, DeadlineKind.ROSTER, due + dt.timedelta(days=1))[0].status == DeadlineStatus.OVERDUE
    # when the supporter submits, the item is done (a draft or a returned roster is not)
    roster = f.RosterFactory(team=live.team_a, status=RosterStatus.DRAFT)
    assert not _of(user, DeadlineKind.ROSTER, due)[0].done
    roster.status, roster.submitted_at = RosterStatus.SUBMITTED, dt.datetime(2026, 9, 22, tzinfo=dt.UTC)
    roster.save()
    item = _of(user, DeadlineKind.ROSTER, due)[0]
    assert (item.status, item.target_id) == (DeadlineStatus.DONE, roster.pk)


def test_program_roster_deadline_binds_the_first_rotation(live: Any, today: dt.date) -> None:
    program = live.program
    program.start_date, program.roster_deadline = dt.date(2026, 1, 1), dt.date(2026, 9, 10)
    program.save()
    live.team_a.rotation = 1
    live.team_a.save()
    (item,) = _of(live.users["charlie"], DeadlineKind.ROSTER, today)
    assert item.due == dt.date(2026, 9, 10)
    assert item.status == DeadlineStatus.OVERDUE


def test_end_appraisal_due_n_days_after_the_end_per_preset(live: Any, today: dt.date) -> None:
    dep = f.DeploymentFactory(
        team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 8, 31)
    )
    (item,) = _of(live.users["alice"], DeadlineKind.END_APPRAISAL, today)
    # Gansu default: 30 days after 2026-08-31 is Wednesday 2026-09-30
    assert item.due == dt.date(2026, 9, 30)
    assert item.hospital_id == live.recipient_a.pk  # the recipient writes it
    live.program.params = {"end_appraisal_days": 14}
    live.program.save()
    (item,) = _of(live.users["alice"], DeadlineKind.END_APPRAISAL, today)
    assert item.due == dt.date(2026, 9, 14)
    assert item.status == DeadlineStatus.OVERDUE
    f.EndOfStintAppraisalFactory(deployment=dep, signed_on=dt.date(2026, 9, 20))
    (item,) = _of(live.users["alice"], DeadlineKind.END_APPRAISAL, today)
    assert item.status == DeadlineStatus.DONE


def test_a_date_on_national_day_moves_to_the_first_working_day(live: Any, today: dt.date) -> None:
    # given an end on 2026-09-01 and 30 days, the rule sets 2026-10-01 (National Day, holiday to the 7th)
    f.DeploymentFactory(team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 9, 1))
    (item,) = _of(live.users["alice"], DeadlineKind.END_APPRAISAL, today)
    assert item.set_due == dt.date(2026, 10, 1)
    assert item.due == dt.date(2026, 10, 8)
    assert working_day_on_or_after(dt.date(2026, 9, 26)) == dt.date(2026, 9, 28)  # Saturday -> Monday
    assert working_day_on_or_after(dt.date(2026, 9, 30)) == dt.date(2026, 9, 30)


def test_disabled_holiday_shift_keeps_the_set_date(live: Any, today: dt.date, settings: Any) -> None:
    settings.REMINDERS_HOLIDAY_SHIFT = False
    f.DeploymentFactory(team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 9, 1))
    (item,) = _of(live.users["alice"], DeadlineKind.END_APPRAISAL, today)
    assert item.due == dt.date(2026, 10, 1)


def test_agreement_and_milestones(live: Any, today: dt.date) -> None:
    live.program.agreement_deadline = dt.date(2026, 9, 30)
    live.program.save()
    agreement = f.AgreementFactory(pairing=live.pairing_a, recipient_signed_on=None)
    agreement.items.create(kind="milestone", description="胸痛中心通过验收", due_date=dt.date(2026, 9, 22))
    charlie = live.users["charlie"]
    (signed,) = _of(charlie, DeadlineKind.AGREEMENT, today)
    assert (signed.due, signed.done) == (dt.date(2026, 9, 30), False)
    (milestone,) = _of(charlie, DeadlineKind.MILESTONE, today)
    assert milestone.status == DeadlineStatus.DUE_SOON and "胸痛中心" in milestone.title
    agreement.recipient_signed_on = dt.date(2026, 9, 21)
    agreement.save()
    assert _of(charlie, DeadlineKind.AGREEMENT, today)[0].status == DeadlineStatus.DONE


def test_each_user_sees_the_deadlines_of_what_they_may_see(live: Any, today: dt.date) -> None:
    f.DeploymentFactory(team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 8, 31))
    f.DeploymentFactory(team=live.team_b, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 8, 31))
    seen = {
        name: {(d.kind, d.pairing_id) for d in deadlines_for(live.users[name], today=today, **WINDOW)}
        for name in ("province", "city_a", "county_a", "alice", "bob", "charlie", "dana", "nobody")
    }
    a, b = live.pairing_a.pk, live.pairing_b.pk
    only_a = {("roster", a), ("end_appraisal", a), ("monthly", a)}
    only_b = {("roster", b), ("end_appraisal", b), ("monthly", b)}
    both = only_a | only_b
    assert seen["province"] == both
    assert seen["city_a"] == seen["county_a"] == seen["alice"] == seen["charlie"] == only_a
    assert seen["bob"] == seen["dana"] == only_b
    assert seen["nobody"] == set()


def test_one_union_query_whatever_the_number_of_items(live: Any, today: dt.date) -> None:
    for _ in range(5):
        f.DeploymentFactory(
            team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 8, 31)
        )
    user = live.users["province"]
    deadlines_for(user, today=today, **WINDOW)  # membership cached on the user
    with CaptureQueriesContext(connection) as ctx:
        items = deadlines_for(user, today=today, **WINDOW)
    assert len(items) == 9  # 1 roster, 6 appraisals, July's and August's monthly assessments
    # the programs' parameters, one UNION ALL, and (province staff) the annual results' and reports' years
    assert len(ctx.captured_queries) == 3
    assert "UNION ALL" in ctx.captured_queries[1]["sql"]


def test_monthly_assessments_due_on_the_programs_day_of_the_next_month(live: Any, today: dt.date) -> None:
    # given two people on site in August 2026 at recipient A, one already assessed
    first = f.DeploymentFactory(
        team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 8, 31)
    )
    f.DeploymentFactory(
        team=live.team_a, planned_start=dt.date(2026, 8, 20), planned_end=dt.date(2027, 2, 28)
    )
    f.MonthlyAssessmentFactory(deployment=first, month=dt.date(2026, 8, 1))
    alice = live.users["alice"]
    august = [d for d in _of(alice, DeadlineKind.MONTHLY_ASSESSMENT, today) if d.rotation == 8]
    (item,) = august
    # Gansu default: the 10th of the next month (a Thursday)
    assert (item.due, item.status, item.target_id) == (dt.date(2026, 9, 10), DeadlineStatus.OVERDUE, 1)
    assert "2026年8月" in item.title and item.hospital_id == live.recipient_a.pk
    # when the program sets the 25th, August is due on 2026-09-25: Mid-Autumn Festival, so Monday the 28th
    live.program.params = {"monthly_assessment_due_day": 25}
    live.program.save()
    (item,) = [d for d in _of(alice, DeadlineKind.MONTHLY_ASSESSMENT, today) if d.rotation == 8]
    assert (item.set_due, item.due, item.status) == (
        dt.date(2026, 9, 25),
        dt.date(2026, 9, 28),
        DeadlineStatus.DUE_SOON,
    )
    # bob (recipient B) sees nothing of A's
    assert _of(live.users["bob"], DeadlineKind.MONTHLY_ASSESSMENT, today) == []


def test_spot_checks_of_the_month_by_the_supporter_when_the_program_sets_them(
    live: Any, today: dt.date
) -> None:
    # given two of supporter A's people on site in September 2026
    first = f.DeploymentFactory(
        team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 9, 30)
    )
    second = f.DeploymentFactory(
        team=live.team_a, planned_start=dt.date(2026, 9, 1), planned_end=dt.date(2027, 2, 28)
    )
    charlie = live.users["charlie"]
    assert _of(charlie, DeadlineKind.SPOT_CHECKS, today) == []  # Gansu: the rule is off
    live.program.params = {"spot_checks_per_month": 2}
    live.program.save()
    for dep, n in ((first, 2), (second, 1)):
        for day in range(n):
            dep.spot_checks.create(checked_at=dt.datetime(2026, 9, 3 + day, 2, tzinfo=dt.UTC), reached=True)
    september = [d for d in _of(charlie, DeadlineKind.SPOT_CHECKS, today) if d.rotation == 9]
    (item,) = september
    assert (item.due, item.status, item.target_id) == (dt.date(2026, 9, 30), DeadlineStatus.UPCOMING, 1)
    assert item.hospital_id == live.supporter_a.pk and "在岗抽查" in item.title
    second.spot_checks.create(checked_at=dt.datetime(2026, 9, 10, 2, tzinfo=dt.UTC), reached=False)
    (item,) = [d for d in _of(charlie, DeadlineKind.SPOT_CHECKS, today) if d.rotation == 9]
    assert item.status == DeadlineStatus.DONE
    assert _of(live.users["bob"], DeadlineKind.SPOT_CHECKS, today) == []
