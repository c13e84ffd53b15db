"""A resident team with accounts for its people (issue 19): a leader, two members and a stranger.

Pairing A's 2026 team (supporter_a, charlie's hospital): 队长 lin, 队员 mei and mu, all on a filed roster
and invited by charlie; ``now`` is 2026-11 (the tests' clock is the real one, the team's dates cover it).
pairing B's member bo is a person of another team. Users: lin (team_leader), mei, mu, bo (deployed_person).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from devtools import factories as f
from teams.choices import DeploymentRole, RosterStatus
from teams.models import Roster
from teams.services.accounts import person_invite


@dataclasses.dataclass
class People:
    team: Any
    leader: Any
    mei: Any
    mu: Any
    bo: Any
    month: dt.date


def _account(world: Any, coordinator: Any, deployment: Any, username: str) -> Any:
    roster = Roster.objects.filter(team=deployment.team, supporter=deployment.supporter).first()
    roster = roster or f.RosterFactory(
        team=deployment.team,
        supporter=deployment.supporter,
        status=RosterStatus.FILED,
        decided_at=timezone.now(),
    )
    f.RosterEntryFactory(roster=roster, staff=deployment.staff, role=deployment.role)
    invitation = person_invite(user=coordinator, staff=deployment.staff)
    user = invitation.account.user
    user.username = username
    user.set_password("Phone-Pass-2026!")
    user.save()
    world.users[username] = user
    return deployment


@pytest.fixture
def people(co_world: Any) -> People:
    w = co_world
    today = timezone.localdate()
    start, end = today.replace(day=1) - dt.timedelta(days=150), today + dt.timedelta(days=120)
    team = f.TeamFactory(pairing=w.pairing_a, year=today.year, start_date=start, end_date=end)
    team_b = f.TeamFactory(pairing=w.pairing_b, year=today.year, start_date=start, end_date=end)

    def dep(t: Any, role: str = DeploymentRole.MEMBER) -> Any:
        return f.DeploymentFactory(team=t, role=role, planned_start=start, planned_end=end)

    charlie, dana = w.users["charlie"], w.users["dana"]
    leader = _account(w, charlie, dep(team, DeploymentRole.LEADER), "lin")
    mei = _account(w, charlie, dep(team), "mei")
    mu = _account(w, charlie, dep(team), "mu")
    bo = _account(w, dana, dep(team_b), "bo")
    return People(team, leader, mei, mu, bo, today.replace(day=1))
