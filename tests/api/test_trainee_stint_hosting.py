"""/api/v1/trainee-stints/: the host accepts, declines and records through the page's services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from devtools import factories as f
from tests.api.conftest import client_for, token_client
from training.choices import StintStatus
from training.models import TraineeStint


@pytest.fixture
def stint(world: Any) -> TraineeStint:
    return f.TraineeStintFactory(pairing=world.pairing_a, status=StintStatus.NOMINATED)


def _url(stint: TraineeStint, action: str = "") -> str:
    if action:
        return reverse(f"api:trainee-stint-{action}", args=[stint.pk])
    return reverse("api:trainee-stint-detail", args=[stint.pk])


def test_host_accepts_and_records(world: Any, stint: TraineeStint) -> None:
    c = client_for(world.users["charlie"])
    resp = c.post(_url(stint, "accept"))
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    resp = c.patch(_url(stint), {"end_date": "2023-09-30", "completed": True}, format="json")
    assert resp.status_code == 200, resp.content
    stint.refresh_from_db()
    assert (stint.end_date, stint.completed, stint.start_date) == (
        dt.date(2023, 9, 30),
        True,
        dt.date(2023, 3, 1),
    )


def test_record_before_acceptance_and_bad_dates_are_400s_that_write_nothing(
    world: Any, stint: TraineeStint
) -> None:
    c = client_for(world.users["charlie"])
    assert c.patch(_url(stint), {"completed": True}, format="json").status_code == 400
    c.post(_url(stint, "accept"))
    resp = c.patch(_url(stint), {"end_date": "2023-01-01"}, format="json")
    assert resp.status_code == 400 and "end_date" in str(resp.json())
    stint.refresh_from_db()
    assert (stint.end_date, stint.completed) == (dt.date(2023, 8, 31), False)


def test_decline_needs_a_reason(world: Any, stint: TraineeStint) -> None:
    c = client_for(world.users["charlie"])
    assert c.post(_url(stint, "decline"), {}, format="json").status_code == 400
    assert c.post(_url(stint, "decline"), {"reason": "满员"}, format="json").status_code == 200
    stint.refresh_from_db()
    assert stint.status == StintStatus.DECLINED


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 403), ("city_a", 403), ("alice", 403), ("dana", 404), ("bob", 404), ("nobody", 404)],
)
def test_role_matrix_refusals_change_nothing(world: Any, stint: TraineeStint, who: str, status: int) -> None:
    c = client_for(world.users[who])
    assert c.post(_url(stint, "accept")).status_code == status
    assert c.post(_url(stint, "decline"), {"reason": "x"}, format="json").status_code == status
    assert c.patch(_url(stint), {"completed": True}, format="json").status_code == status
    stint.refresh_from_db()
    assert stint.status == StintStatus.NOMINATED and not stint.completed


def test_anonymous_and_tokens(
    world: Any, stint: TraineeStint, dashboard_token: Any, other_province_token: str
) -> None:
    assert client_for(None).post(_url(stint, "accept")).status_code in (401, 403)
    _c, token = dashboard_token
    assert token_client(token).post(_url(stint, "accept")).status_code == 403
    assert token_client(other_province_token).post(_url(stint, "accept")).status_code in (403, 404)
    stint.refresh_from_db()
    assert stint.status == StintStatus.NOMINATED
