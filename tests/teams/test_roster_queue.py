"""The province's roster queue: stages of out-of-province rosters, taking one over from the city, deadlines.

Issue 14 item 5: a roster waiting for a city with no user was invisible to the province; filed rosters showed
"已逾期".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from pghistory.models import Events

from core.roles import Role
from devtools import factories as f
from pairings.choices import HospitalOrigin
from teams.choices import DeploymentRole, Post, RosterStatus, Title
from teams.models import Roster
from teams.selectors.rosters import roster_deadlines, roster_queue
from teams.services import rosters as svc

START = dt.date(2023, 3, 1)


def _submitted(world: Any, *, other_province: bool = True) -> Roster:
    if other_province:
        world.supporter_a.origin, world.supporter_a.origin_region = HospitalOrigin.OTHER_PROVINCE, "天津市"
        world.supporter_a.save()
    team = f.TeamFactory(pairing=world.pairing_a, start_date=START)
    roster = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    svc.roster_entry_add(
        user=world.users["charlie"],
        roster=roster,
        staff=f.StaffFactory(employer=world.supporter_a, title=Title.SENIOR),
        role=DeploymentRole.LEADER,
        post=Post.VICE_PRESIDENT,
        planned_start=START,
        planned_end=dt.date(2024, 2, 28),
    )
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    return roster


def _other_province_staff() -> Any:
    return f.make_member("prov_b", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="99", name="外省"))


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_province_sees_the_stage_of_out_of_province_rosters(world: Any) -> None:
    # given an out-of-province roster submitted and not yet forwarded by the city
    roster = _submitted(world)
    # then the province's queue holds it as 待市州汇总, the city's too, another province's not
    row = roster_queue(user=world.users["province"]).get(pk=roster.pk)
    assert row.awaiting_city is True
    assert roster_queue(user=world.users["city_a"]).get(pk=roster.pk).awaiting_city is True
    assert not roster_queue(user=_other_province_staff()).filter(pk=roster.pk).exists()
    # when the city forwards it, the stage becomes 待省级备案
    svc.roster_forward(user=world.users["city_a"], roster=roster)
    assert roster_queue(user=world.users["province"]).get(pk=roster.pk).awaiting_city is False


def test_in_province_roster_waits_for_the_province(world: Any) -> None:
    roster = _submitted(world, other_province=False)
    assert roster_queue(user=world.users["province"]).get(pk=roster.pk).awaiting_city is False
    assert not svc.can_take_over(world.users["province"], roster)


def test_province_takes_a_roster_over_with_a_reason_and_files_it(world: Any) -> None:
    roster = _submitted(world)
    # a reason is required, and nothing changes without one
    with pytest.raises(svc.RosterError):
        svc.roster_take_over(user=world.users["province"], roster=roster, reason="  ")
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.SUBMITTED
    # when the province takes it over
    svc.roster_take_over(user=world.users["province"], roster=roster, reason="定西市尚未开通账号")
    # then it waits for the province's filing, attributed to the province with the reason
    roster.refresh_from_db()
    assert roster.status == RosterStatus.FORWARDED
    assert roster.forwarded_by == world.users["province"]
    assert "定西市尚未开通账号" in roster.comment
    event = Events.objects.tracks(roster).order_by("-pgh_created_at", "-pgh_id").first()
    assert event is not None and event.pgh_context["reason"] == "定西市尚未开通账号"
    assert event.pgh_context["user"] == world.users["province"].pk
    svc.roster_file(user=world.users["province"], roster=roster)
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.FILED


@pytest.mark.parametrize(
    "who", ["city_a", "city_b", "county_a", "charlie", "dana", "alice", "dashboard", "other"]
)
def test_only_the_province_may_take_over_and_refusals_change_nothing(world: Any, who: str) -> None:
    roster = _submitted(world)
    user = _other_province_staff() if who == "other" else world.users[who]
    with pytest.raises(PermissionDenied):
        svc.roster_take_over(user=user, roster=roster, reason="理由")
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SUBMITTED and roster.forwarded_by is None and roster.comment == ""


def test_take_over_refused_once_forwarded(world: Any) -> None:
    roster = _submitted(world)
    svc.roster_forward(user=world.users["city_a"], roster=roster)
    with pytest.raises(PermissionDenied):
        svc.roster_take_over(user=world.users["province"], roster=roster, reason="理由")
    assert Roster.objects.get(pk=roster.pk).forwarded_by == world.users["city_a"]


def test_queue_page_shows_stages_and_take_over_form(world: Any, django_assert_max_num_queries: Any) -> None:
    roster = _submitted(world)
    team_b = f.TeamFactory(pairing=world.pairing_b)
    f.RosterFactory(team=team_b, supporter=world.supporter_b, status=RosterStatus.SUBMITTED)
    client = _client(world.users["province"])
    with django_assert_max_num_queries(12):
        body = client.get(reverse("teams:roster_queue")).content.decode()
    assert "待市州汇总" in body and "待省级备案" in body
    detail = client.get(reverse("teams:roster_detail", args=[roster.pk])).content.decode()
    assert "接办理由" in detail
    assert (
        "接办理由"
        not in _client(world.users["city_a"])
        .get(reverse("teams:roster_detail", args=[roster.pk]))
        .content.decode()
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 302), ("city_a", 403), ("charlie", 403), ("alice", 403), ("county_a", 403), ("dana", 404)],
)
def test_take_over_page_action_role_matrix(world: Any, who: str, status: int) -> None:
    roster = _submitted(world)
    url = reverse("teams:roster_action", args=[roster.pk, "take_over"])
    resp = _client(world.users[who]).post(url, {"reason": "市州无账号"})
    assert resp.status_code == status
    expected = RosterStatus.FORWARDED if who == "province" else RosterStatus.SUBMITTED
    assert Roster.objects.get(pk=roster.pk).status == expected


def test_take_over_page_action_without_reason_says_why(world: Any) -> None:
    roster = _submitted(world)
    url = reverse("teams:roster_action", args=[roster.pk, "take_over"])
    resp = _client(world.users["province"]).post(url, {"reason": ""}, follow=True)
    assert "接办须填写理由" in resp.content.decode()
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.SUBMITTED


def test_filed_roster_is_never_overdue(world: Any) -> None:
    # given a roster submitted late (after the rotation started) and then filed
    roster = _submitted(world, other_province=False)
    Roster.objects.filter(pk=roster.pk).update(submitted_at=dt.datetime(2023, 3, 5, 9, tzinfo=dt.UTC))
    roster.refresh_from_db()
    svc.roster_file(user=world.users["province"], roster=roster)
    roster.refresh_from_db()
    warnings = roster_deadlines(roster, today=dt.date(2026, 11, 30))
    # then the late submission is recorded as such, not as overdue
    assert warnings and all(w.filed for w in warnings)
    assert [w.late for w in warnings][-1] is True
    body = _client(world.users["province"]).get(reverse("teams:roster_detail", args=[roster.pk])).content
    assert "已逾期" not in body.decode() and "逾期提交" in body.decode()


def test_later_versions_are_not_judged_against_the_rotation_start(world: Any) -> None:
    roster = _submitted(world, other_province=False)
    svc.roster_file(user=world.users["province"], roster=roster)
    v2 = svc.roster_new_version(user=world.users["charlie"], roster=roster)
    assert roster_deadlines(v2, today=dt.date(2023, 6, 1)) == []
