"""Roster workflow: draft → submitted → (city forwards) → filed/returned; permissions; versions and diff."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from devtools import factories as f
from pairings.choices import HospitalOrigin
from teams.choices import DeploymentRole, Post, RosterStatus, Title
from teams.models import Deployment, Roster
from teams.selectors.rosters import roster_deadlines, roster_diff, roster_queue
from teams.services import rosters as svc

START, END = dt.date(2023, 3, 1), dt.date(2023, 8, 31)


def _roster(world: Any, *, leader: bool = True, members: int = 1) -> Any:
    team = f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))
    roster = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    if leader:
        boss = f.StaffFactory(employer=world.supporter_a, title=Title.SENIOR)
        svc.roster_entry_add(
            user=world.users["charlie"],
            roster=roster,
            staff=boss,
            role=DeploymentRole.LEADER,
            post=Post.VICE_PRESIDENT,
            planned_start=START,
            planned_end=dt.date(2024, 2, 28),
        )
    for _i in range(members):
        svc.roster_entry_add(
            user=world.users["charlie"],
            roster=roster,
            staff=f.StaffFactory(employer=world.supporter_a),
            role=DeploymentRole.MEMBER,
            post=Post.PHYSICIAN,
            planned_start=START,
            planned_end=END,
        )
    return roster


def test_in_province_roster_is_filed_by_province_and_creates_deployments(world: Any) -> None:
    # given a submitted roster of an in-province supporter
    roster = _roster(world)
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    assert roster in roster_queue(user=world.users["province"])
    # when province staff file it
    svc.roster_file(user=world.users["province"], roster=roster)
    # then it is locked and the team's deployments follow it
    roster.refresh_from_db()
    assert roster.status == RosterStatus.FILED and roster.is_locked and roster.decided_at
    deps = Deployment.objects.filter(team=roster.team)
    assert deps.count() == 2 and set(deps.values_list("roster_id", flat=True)) == {roster.pk}
    with pytest.raises(svc.RosterError):
        svc.roster_entry_add(
            user=world.users["charlie"],
            roster=roster,
            staff=f.StaffFactory(employer=world.supporter_a),
            role=DeploymentRole.MEMBER,
            post=Post.PHYSICIAN,
            planned_start=START,
            planned_end=END,
        )


def test_out_of_province_roster_goes_through_the_city(world: Any) -> None:
    # given an out-of-province lead supporter (Tianjin) and its submitted roster
    world.supporter_a.origin, world.supporter_a.origin_region = HospitalOrigin.OTHER_PROVINCE, "天津市"
    world.supporter_a.save()
    roster = _roster(world)
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    # then the province cannot file it yet, and the wrong city cannot forward it
    with pytest.raises(PermissionDenied):
        svc.roster_file(user=world.users["province"], roster=roster)
    with pytest.raises(PermissionDenied):
        svc.roster_forward(user=world.users["city_b"], roster=roster)
    assert roster in roster_queue(user=world.users["city_a"])
    # (the province sees it waiting for the city: tests/teams/test_roster_queue.py)
    assert roster_queue(user=world.users["province"]).get(pk=roster.pk).awaiting_city
    # when the recipient's city forwards it, the province files it
    svc.roster_forward(user=world.users["city_a"], roster=roster)
    assert roster in roster_queue(user=world.users["province"])
    with pytest.raises(PermissionDenied):
        svc.roster_file(user=world.users["city_a"], roster=roster)
    svc.roster_file(user=world.users["province"], roster=roster)
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.FILED


def test_return_needs_a_comment_and_allows_resubmission(world: Any) -> None:
    roster = _roster(world)
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    with pytest.raises(svc.RosterError):
        svc.roster_return(user=world.users["province"], roster=roster, comment=" ")
    svc.roster_return(user=world.users["province"], roster=roster, comment="队长管理年限不足")
    roster.refresh_from_db()
    assert roster.status == RosterStatus.RETURNED and roster.comment == "队长管理年限不足"
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.SUBMITTED


@pytest.mark.parametrize("who", ["dana", "alice", "city_a", "county_a", "nobody"])
def test_others_cannot_edit_submit_or_file_and_nothing_changes(world: Any, who: str) -> None:
    roster = _roster(world)
    before = roster.entries.count()
    with pytest.raises(PermissionDenied):
        svc.roster_entry_add(
            user=world.users[who],
            roster=roster,
            staff=f.StaffFactory(employer=world.supporter_a),
            role=DeploymentRole.MEMBER,
            post=Post.PHYSICIAN,
            planned_start=START,
            planned_end=END,
        )
    with pytest.raises(PermissionDenied):
        svc.roster_submit(user=world.users[who], roster=roster)
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    with pytest.raises(PermissionDenied):
        svc.roster_file(user=world.users[who], roster=roster)
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SUBMITTED and roster.entries.count() == before
    assert not Deployment.objects.exists()


def test_submit_requires_exactly_one_leader_from_the_lead(world: Any) -> None:
    roster = _roster(world, leader=False)
    with pytest.raises(svc.RosterError, match="队长"):
        svc.roster_submit(user=world.users["charlie"], roster=roster)
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.DRAFT


def test_entry_checks_title_dates_and_overlaps(world: Any) -> None:
    roster = _roster(world, members=0)
    junior = f.StaffFactory(employer=world.supporter_a, title=Title.JUNIOR)
    with pytest.raises(svc.RosterError, match="职称"):
        svc.roster_entry_add(
            user=world.users["charlie"],
            roster=roster,
            staff=junior,
            role=DeploymentRole.MEMBER,
            post=Post.PHYSICIAN,
            planned_start=START,
            planned_end=END,
        )
    busy = f.StaffFactory(employer=world.supporter_a)
    f.DeploymentFactory(
        staff=busy,
        team=f.TeamFactory(pairing=world.pairing_a),
        planned_start=dt.date(2023, 6, 1),
        planned_end=dt.date(2023, 12, 31),
    )
    with pytest.raises(svc.RosterError, match="重叠"):
        svc.roster_entry_add(
            user=world.users["charlie"],
            roster=roster,
            staff=busy,
            role=DeploymentRole.MEMBER,
            post=Post.PHYSICIAN,
            planned_start=START,
            planned_end=END,
        )
    with pytest.raises(svc.RosterError, match="结束日期"):
        svc.roster_entry_add(
            user=world.users["charlie"],
            roster=roster,
            staff=f.StaffFactory(employer=world.supporter_a),
            role=DeploymentRole.MEMBER,
            post=Post.PHYSICIAN,
            planned_start=END,
            planned_end=START,
        )
    assert roster.entries.count() == 1


def test_change_after_filing_makes_a_new_version_with_a_diff(world: Any) -> None:
    # given a filed roster
    roster = _roster(world, members=2)
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    svc.roster_file(user=world.users["province"], roster=roster)
    # when the supporter starts a new version, drops one member and adds another
    new = svc.roster_new_version(user=world.users["charlie"], roster=roster)
    dropped = new.entries.filter(role=DeploymentRole.MEMBER).first()
    svc.roster_entry_remove(user=world.users["charlie"], entry=dropped)
    added = f.StaffFactory(employer=world.supporter_a)
    svc.roster_entry_add(
        user=world.users["charlie"],
        roster=new,
        staff=added,
        role=DeploymentRole.MEMBER,
        post=Post.PHYSICIAN,
        planned_start=START,
        planned_end=END,
    )
    # then the diff shows it, and filing again moves the deployments
    kinds = {(c.kind, c.staff.pk) for c in roster_diff(roster, new)}
    assert kinds == {("removed", dropped.staff_id), ("added", added.pk)}
    assert new.previous == roster and new.version == 2
    svc.roster_submit(user=world.users["charlie"], roster=new)
    svc.roster_file(user=world.users["province"], roster=new)
    staff_ids = set(Deployment.objects.filter(team=roster.team).values_list("staff_id", flat=True))
    assert added.pk in staff_ids and dropped.staff_id not in staff_ids


def test_deadline_warning_when_late(world: Any) -> None:
    roster = _roster(world)
    warnings = roster_deadlines(roster, today=dt.date(2023, 3, 10))
    assert [w.late for w in warnings] == [True, True]
    warnings = roster_deadlines(roster, today=dt.date(2022, 3, 1))
    assert [w.late for w in warnings] == [False, False]
