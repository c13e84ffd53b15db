"""Leader designation page and service (SPEC §3): the lead hospital designates a partner hospital's
proposed leader for a team; the roster's one-leader check reads it; revoke; audited; role matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from devtools import factories as f
from teams.models import LeaderDesignation
from teams.services import rosters as roster_svc
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(co_world: World) -> dict[str, Any]:
    """Pairing A: 兰大一院 (lead, charlie) and 天津医科大学总医院 (partner, erin); the partner proposes
    its own person as the batch's leader on its draft roster."""
    w = co_world
    partner = w.pairing_a.supporters.get(is_lead=False).hospital
    team = f.TeamFactory(pairing=w.pairing_a)
    partner_roster = f.RosterFactory(team=team, supporter=partner)
    proposed = f.RosterEntryFactory(roster=partner_roster, role="leader", post="副院长").staff
    lead_roster = f.RosterFactory(team=team, supporter=w.supporter_a)
    f.RosterEntryFactory(roster=lead_roster)  # a member; the lead names no leader of its own
    stranger = f.StaffFactory(employer=partner)  # partner staff not proposed as leader
    return {
        "team": team,
        "proposed": proposed,
        "stranger": stranger,
        "partner_roster": partner_roster,
        "lead_roster": lead_roster,
    }


def _url(team: Any, name: str = "teams:team_leader") -> str:
    return reverse(name, args=[team.pk])


def _post(client: Any, user: Any, team: Any, staff: Any) -> Any:
    client.force_login(user)
    return client.post(_url(team), {"staff": staff.pk, "designated_on": "2023-01-02", "note": "院务会"})


# Readers of pairing A's team see the page; only the lead's coordinator and the province get the form.
READS = {
    "province": (200, True),
    "city_a": (200, False),
    "county_a": (200, False),
    "charlie": (200, True),  # lead supporter
    "erin": (200, False),  # co-supporter of the same pairing
    "alice": (200, False),  # recipient
    "bob": (404, False),  # another recipient
    "dana": (404, False),  # supporter of another pairing
    "zoe": (404, False),  # another province
    "yan": (404, False),
}


@pytest.mark.parametrize("name", list(READS))
def test_role_matrix_reading_the_page(client: Any, co_world: World, setup: dict[str, Any], name: str) -> None:
    status, has_form = READS[name]
    client.force_login(co_world.users[name])
    resp = client.get(_url(setup["team"]))
    assert resp.status_code == status
    if status == 200:
        assert ('name="designated_on"' in resp.content.decode()) is has_form


@pytest.mark.parametrize("name", ["city_a", "county_a", "erin", "alice", "bob", "dana", "zoe", "yan"])
def test_refused_designations_and_revocations_change_nothing(
    client: Any, co_world: World, setup: dict[str, Any], name: str
) -> None:
    team = setup["team"]
    resp = _post(client, co_world.users[name], team, setup["proposed"])
    assert resp.status_code in (403, 404)
    assert not LeaderDesignation.objects.exists()
    # given a designation by the lead, a refused revocation leaves it in place
    client.force_login(co_world.users["charlie"])
    assert _post(client, co_world.users["charlie"], team, setup["proposed"]).status_code == 302
    client.force_login(co_world.users[name])
    assert client.post(_url(team, "teams:team_leader_revoke")).status_code in (403, 404)
    assert LeaderDesignation.objects.filter(team=team).count() == 1


def test_the_lead_designates_the_partners_proposed_leader_and_both_rosters_pass(
    client: Any, co_world: World, setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    team, proposed = setup["team"], setup["proposed"]
    # before: the partner's leader is undesignated, the lead's roster has no leader
    assert any("未经确定" in p for p in roster_svc.roster_problems(setup["partner_roster"]))
    assert any("有且仅有一名队长" in p for p in roster_svc.roster_problems(setup["lead_roster"]))
    with django_capture_on_commit_callbacks():
        resp = _post(client, co_world.users["charlie"], team, proposed)
    assert resp.status_code == 302
    d = LeaderDesignation.objects.get(team=team)
    assert (d.staff, d.designated_by, d.designated_on, d.recorded_by) == (
        proposed,
        co_world.supporter_a,
        dt.date(2023, 1, 2),
        co_world.users["charlie"],
    )
    assert roster_svc.roster_problems(setup["partner_roster"]) == []
    assert roster_svc.roster_problems(setup["lead_roster"]) == []
    page = client.get(_url(team)).content.decode()
    assert proposed.name in page and "撤销确定" in page
    # a lead roster naming its own leader as well now has two
    f.RosterEntryFactory(roster=setup["lead_roster"], role="leader", post="院长")
    assert any("现有 2 名" in p for p in roster_svc.roster_problems(setup["lead_roster"]))


def test_only_a_proposed_leader_of_the_partner_can_be_designated(
    client: Any, co_world: World, setup: dict[str, Any]
) -> None:
    resp = _post(client, co_world.users["charlie"], setup["team"], setup["stranger"])
    assert resp.status_code == 200
    assert "选择一个有效的选项" in resp.content.decode() or "Select a valid choice" in resp.content.decode()
    assert not LeaderDesignation.objects.exists()


def test_revoking_is_audited_and_the_partners_roster_fails_again(
    client: Any, co_world: World, setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    team = setup["team"]
    with django_capture_on_commit_callbacks():
        _post(client, co_world.users["charlie"], team, setup["proposed"])
        resp = client.post(_url(team, "teams:team_leader_revoke"))
    assert resp.status_code == 302
    assert not LeaderDesignation.objects.exists()
    labels = list(
        LeaderDesignation.pgh_event_model.objects.order_by("pgh_id").values_list("pgh_label", flat=True)
    )
    assert labels == ["insert", "delete"]
    assert any("未经确定" in p for p in roster_svc.roster_problems(setup["partner_roster"]))


def test_the_roster_page_links_to_the_designation_when_there_are_several_supporters(
    client: Any, co_world: World, setup: dict[str, Any]
) -> None:
    client.force_login(co_world.users["charlie"])
    page = client.get(reverse("teams:roster_detail", args=[setup["lead_roster"].pk])).content.decode()
    assert _url(setup["team"]) in page
