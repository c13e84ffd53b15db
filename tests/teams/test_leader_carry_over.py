"""A leader kept on site across two batches is the second batch's leader too (issue 15, SPEC §3a).

Reproduced on the demo: before the fix, a new version of the second batch's roster of a lead supporter
could not be submitted ("牵头医院的名单须有且仅有一名队长（现有 0 名）") and adding the leader failed
with "与已有派驻重叠".
The demo is built once for the module; each test runs in its own transaction and is rolled back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from devtools.demo import builder, reset, users
from pairings.models import PairingSupporter
from teams.choices import DeploymentRole, RosterStatus
from teams.models import Deployment, Roster
from teams.selectors.rosters import carried_over_leaders
from teams.services import rosters as svc


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)
        call_command("seed_demo", stdout=io.StringIO())
        yield
        reset.delete_provinces(list(builder.DEMO_PROVINCES), users.DEMO_USERNAMES)


def _second_batch_roster(supporter_code: str = "S6201001") -> Roster:
    """The filed roster of the lead supporter's second batch in a pairing whose first leader stays on."""
    leads = PairingSupporter.objects.filter(hospital__code=supporter_code, is_lead=True).values("pairing_id")
    for roster in (
        Roster.objects.filter(
            supporter__code=supporter_code, team__pairing_id__in=leads, status=RosterStatus.FILED
        )
        .select_related("team__pairing", "supporter")
        .order_by("team__pairing_id", "team__start_date")
    ):
        first = roster.team.pairing.teams.order_by("start_date").first()
        second = roster.team.pairing.teams.order_by("start_date")[1:2].get()
        if roster.team_id == second.pk and first is not None:
            return roster
    raise AssertionError("no second-batch roster of a lead supporter in the demo")


@pytest.mark.django_db
def test_demo_second_batch_roster_can_be_amended_with_the_carried_over_leader(demo: None) -> None:
    # Given the demo's second-batch roster of 兰大一院 (lead), with no leader of its own
    coordinator = get_user_model().objects.get(username="supporter_ldyy")
    province = get_user_model().objects.get(username="province")
    roster = _second_batch_roster()
    assert not roster.entries.filter(role=DeploymentRole.LEADER).exists()
    carried = list(carried_over_leaders(roster))
    assert len(carried) == 1 and carried[0].team.start_date < roster.team.start_date
    leader = carried[0]

    # When the coordinator starts a new version and tries to list the leader again
    new = svc.roster_new_version(user=coordinator, roster=roster)
    with pytest.raises(svc.RosterError, match="作为上一批队长仍在岗"):
        svc.roster_entry_add(
            user=coordinator,
            roster=new,
            staff=leader.staff,
            role=DeploymentRole.LEADER,
            post=leader.post,
            planned_start=new.team.start_date,
            planned_end=new.team.end_date,
        )

    # Then the roster needs no leader of its own: it submits, and the province files it
    assert svc.roster_problems(new) == []
    svc.roster_submit(user=coordinator, roster=new)
    svc.roster_file(user=province, roster=new)
    new.refresh_from_db()
    assert new.status == RosterStatus.FILED
    # The leader's one deployment (one stay) is untouched.
    leader_after = Deployment.objects.get(pk=leader.pk)
    assert (leader_after.team_id, leader_after.period) == (leader.team_id, leader.period)


@pytest.mark.django_db
def test_a_lead_roster_with_neither_own_nor_carried_over_leader_is_refused(demo: None) -> None:
    coordinator = get_user_model().objects.get(username="supporter_ldyy")
    roster = Roster.objects.filter(
        supporter__code="S6201001",
        status=RosterStatus.FILED,
        entries__role=DeploymentRole.LEADER,
        team__pairing__supporters__hospital__code="S6201001",
        team__pairing__supporters__is_lead=True,
    ).first()
    assert roster is not None and not carried_over_leaders(roster).exists()
    new = svc.roster_new_version(user=coordinator, roster=roster)
    new.entries.filter(role=DeploymentRole.LEADER).delete()
    assert any("有且仅有一名队长（现有 0 名）" in p for p in svc.roster_problems(new))
