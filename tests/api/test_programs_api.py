"""/api/v1/programs/: province staff create from a preset and change parameters and status (issue 14 item 1).

Validated as on the pages (same services); everyone else is refused and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.audit import history_for
from core.roles import Role
from devtools import factories as f
from pairings.models import Program
from pairings.presets import RuleParams
from tests.api.conftest import client_for, token_client

NEW = {
    "preset": "guangdong_2019",
    "code": "GD-API",
    "name": "广东 2026",
    "start_date": "2026-01-01",
    "end_date": "2028-12-31",
}


def test_province_staff_create_from_a_preset_and_change_a_parameter(world: Any) -> None:
    client = client_for(world.users["province"])
    resp = client.post(reverse("api:program-list"), NEW, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert (
        body["preset"] == "guangdong_2019"
        and body["status"] == "draft"
        and body["rules"]["team_max_size"] == 5
    )
    url = reverse("api:program-parameters", args=[body["id"]])
    rows = client.get(url).json()
    assert {r["name"] for r in rows} == RuleParams.field_names()
    assert next(r for r in rows if r["name"] == "team_max_size")["source"] == "preset"
    resp = client.post(url, {"values": {"expert_visit_batches": 6}, "reason": "增加批次"}, format="json")
    assert resp.status_code == 200 and resp.json()["rules"]["expert_visit_batches"] == 6
    program = Program.objects.get(pk=body["id"])
    assert program.params == {"expert_visit_batches": 6}
    assert history_for(program)[-1].reason == "增加批次"
    resp = client.post(
        reverse("api:program-set-status", args=[program.pk]), {"status": "active", "reason": "启动"}
    )
    assert resp.status_code == 200 and resp.json()["is_active"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"values": {"no_such_rule": 1}, "reason": "r"}, "no_such_rule"),  # the message names the parameter
        ({"values": {"team_min_size": 6}}, "reason"),
        ({"values": {"team_min_size": 6}, "reason": " "}, "reason"),
    ],
)
def test_bad_parameter_changes_say_why_and_write_nothing(world: Any, payload: Any, field: str) -> None:
    url = reverse("api:program-parameters", args=[world.program.pk])
    resp = client_for(world.users["province"]).post(url, payload, format="json")
    assert resp.status_code == 400
    assert field in str(resp.json()), resp.json()
    world.program.refresh_from_db()
    assert world.program.params == {}


def test_create_with_bad_dates_or_unknown_preset_is_refused(world: Any) -> None:
    client = client_for(world.users["province"])
    before = Program.objects.count()
    assert (
        client.post(reverse("api:program-list"), {**NEW, "preset": "mars"}, format="json").status_code == 400
    )
    bad = {**NEW, "end_date": "2020-01-01"}
    assert client.post(reverse("api:program-list"), bad, format="json").status_code == 400
    assert Program.objects.count() == before


@pytest.mark.parametrize("who", ["city_a", "county_a", "charlie", "alice", "dashboard", "token", "other"])
def test_others_cannot_write_programs_and_nothing_changes(world: Any, dashboard_token: Any, who: str) -> None:
    if who == "token":
        client = token_client(dashboard_token[1])
    elif who == "other":
        client = client_for(
            f.make_member("p99", Role.PROVINCE_STAFF, province=f.ProvinceFactory(code="99", name="外省"))
        )
    else:
        client = client_for(world.users[who])
    before = Program.objects.filter(province=world.province).count()
    # another province's staff create in their own province only; everyone else is refused
    created = client.post(reverse("api:program-list"), NEW, format="json")
    assert created.status_code == (201 if who == "other" else 403)
    url = reverse("api:program-parameters", args=[world.program.pk])
    resp = client.post(url, {"values": {"team_min_size": 9}, "reason": "r"}, format="json")
    assert resp.status_code in (403, 404)
    resp = client.post(
        reverse("api:program-set-status", args=[world.program.pk]), {"status": "ended", "reason": "r"}
    )
    assert resp.status_code in (403, 404)
    world.program.refresh_from_db()
    assert world.program.params == {} and world.program.is_active
    assert Program.objects.filter(province=world.province).count() == before
