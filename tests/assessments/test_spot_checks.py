"""Phone spot checks (在岗抽查) for any day of a month, people who have since left included (issue 15)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import SpotCheck
from devtools import factories as f

D = dt.date
LIST = reverse("assessments:spot_checks")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def deps(world: Any) -> dict[str, Any]:
    """Two people of supporter A in 2023: one left on 15 March, one stayed until June."""
    team = f.TeamFactory(pairing=world.pairing_a)
    gone = f.DeploymentFactory(
        team=team, staff__name="已离岗", planned_start=D(2023, 1, 1), planned_end=D(2023, 3, 15)
    )
    stays = f.DeploymentFactory(
        team=team, staff__name="仍在岗", planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30)
    )
    other = f.DeploymentFactory(
        team=f.TeamFactory(pairing=world.pairing_b), staff__name="他院人员",
        planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30),
    )  # fmt: skip
    return {"gone": gone, "stays": stays, "other": other}


def test_a_past_month_lists_everyone_deployed_then_with_their_checks(
    world: Any, deps: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    c = _client(world.users["charlie"])
    SpotCheck.objects.create(
        deployment=deps["gone"], checked_at=timezone.make_aware(dt.datetime(2023, 3, 2, 10)), reached=True
    )
    with django_assert_max_num_queries(12):
        resp = c.get(LIST, {"month": "2023-03"})
    rows = list(resp.context["on_site"])
    assert {d.staff.name for d in rows} == {"已离岗", "仍在岗"}
    assert {d.staff.name: d.checks_in_month for d in rows} == {"已离岗": 1, "仍在岗": 0}
    # a day after the first person left lists only the one still there
    rows = list(c.get(LIST, {"day": "2023-04-03"}).context["on_site"])
    assert [d.staff.name for d in rows] == ["仍在岗"]


def test_a_check_on_a_past_day_of_someone_since_gone_is_recorded_on_that_day(
    world: Any, deps: dict[str, Any]
) -> None:
    c = _client(world.users["charlie"])
    url = reverse("assessments:spot_check_entry", args=[deps["gone"].pk])
    page = c.get(url, {"day": "2023-03-10"})
    assert "2023-03-10T10:00" in page.content.decode()
    resp = c.post(url, {"checked_at": "2023-03-10T10:00", "reached": "on", "note": "在岗"})
    assert resp.status_code == 302 and resp["Location"].endswith("?month=2023-03")
    check = SpotCheck.objects.get()
    assert timezone.localtime(check.checked_at).date() == D(2023, 3, 10)


def test_a_day_outside_the_deployment_is_refused_with_the_reason(world: Any, deps: dict[str, Any]) -> None:
    url = reverse("assessments:spot_check_entry", args=[deps["gone"].pk])
    resp = _client(world.users["charlie"]).post(url, {"checked_at": "2023-04-10T10:00", "reached": "on"})
    assert resp.status_code == 200
    assert "不在该人员的派驻期内" in resp.content.decode()
    assert not SpotCheck.objects.exists()


@pytest.mark.parametrize(("who", "lists"), [("province", False), ("alice", False), ("dana", True)])
def test_role_matrix(world: Any, deps: dict[str, Any], who: str, lists: bool) -> None:
    c = _client(world.users[who])
    resp = c.get(LIST, {"month": "2023-03"})
    assert resp.status_code == 200
    on_site = resp.context["on_site"]
    assert (on_site is not None) is lists
    if lists:  # dana coordinates supporter B: only her own people
        assert [d.staff.name for d in on_site] == ["他院人员"]
    url = reverse("assessments:spot_check_entry", args=[deps["gone"].pk])
    assert c.post(url, {"checked_at": "2023-03-10T10:00", "reached": "on"}).status_code in (403, 404)
    assert not SpotCheck.objects.exists()
