"""/api/v1/deadlines/ and /api/v1/notifications/: scoped, statuses, mark read, refused writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from devtools import factories as f
from reminders.models import Notification
from reminders.services.reminders import reminders_send_due


def _api(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.mark.parametrize(
    ("role", "pairings"),
    [
        ("province", {"a", "b"}),
        ("city_a", {"a"}),
        ("county_a", {"a"}),
        ("alice", {"a"}),
        ("bob", {"b"}),
        ("charlie", {"a"}),
        ("dana", {"b"}),
        ("dashboard", {"a", "b"}),
        ("nobody", set()),
    ],
)
def test_deadlines_are_scoped(live: Any, today: dt.date, role: str, pairings: set[str]) -> None:
    response = _api(live.users[role]).get("/api/v1/deadlines/")
    assert response.status_code == 200
    ids = {row["pairing_id"] for row in response.json()}
    expected = {{"a": live.pairing_a.pk, "b": live.pairing_b.pk}[p] for p in pairings}
    assert ids == expected
    for row in response.json():
        assert row["status"] == "due_soon" and row["due"] == "2026-09-24" and row["kind"] == "roster"


def test_deadline_filters_and_bad_input(live: Any, today: dt.date) -> None:
    c = _api(live.users["province"])
    assert c.get("/api/v1/deadlines/", {"status": "overdue"}).json() == []
    assert (
        len(
            c.get("/api/v1/deadlines/", {"kind": "roster", "start": "2026-09-24", "end": "2026-09-24"}).json()
        )
        == 2
    )
    bad = c.get("/api/v1/deadlines/", {"start": "2026-10-01", "end": "2026-09-01"})
    assert bad.status_code == 400 and "end" in bad.content.decode()
    assert c.get("/api/v1/deadlines/", {"kind": "lunch"}).status_code == 400


def test_deadlines_anonymous_is_refused(live: Any) -> None:
    assert APIClient().get("/api/v1/deadlines/").status_code in (401, 403)


def test_notifications_inbox_and_mark_read(live: Any, today: dt.date) -> None:
    reminders_send_due()
    charlie = _api(live.users["charlie"])
    rows = charlie.get("/api/v1/notifications/").json()["results"]
    assert len(rows) == 1 and "名单 3 天后截止" in rows[0]["title"] and rows[0]["is_read"] is False
    pk = rows[0]["id"]
    # another person can neither read nor mark it
    dana = _api(live.users["dana"])
    assert dana.get(f"/api/v1/notifications/{pk}/").status_code == 404
    assert dana.post(f"/api/v1/notifications/{pk}/read/").status_code == 404
    assert Notification.objects.get(pk=pk).read_at is None
    # the dashboard client is read-only
    assert _api(live.users["dashboard"]).post("/api/v1/notifications/read-all/").status_code in (403, 405)
    assert charlie.post(f"/api/v1/notifications/{pk}/read/").json()["is_read"] is True
    assert charlie.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []


def test_notification_list_query_count_does_not_grow(live: Any, today: dt.date) -> None:
    user = live.users["charlie"]
    Notification.objects.bulk_create(
        [Notification(user=user, item_key=f"x:{i}", title=f"消息{i}") for i in range(30)]
    )
    c = _api(user)
    c.get("/api/v1/notifications/")
    with CaptureQueriesContext(connection) as ctx:
        assert len(c.get("/api/v1/notifications/").json()["results"]) == 30
    assert len(ctx.captured_queries) <= 3


def test_deadline_list_query_count_does_not_grow(live: Any, today: dt.date) -> None:
    for _ in range(10):
        f.DeploymentFactory(
            team=live.team_a, planned_start=dt.date(2026, 3, 1), planned_end=dt.date(2026, 8, 31)
        )
    c = _api(live.users["province"])
    c.get("/api/v1/deadlines/")
    with CaptureQueriesContext(connection) as ctx:
        assert len(c.get("/api/v1/deadlines/").json()) == 14  # with two monthly assessments
    # session/user, membership, programs, the UNION, the annual appraisal's and report's done years
    assert len(ctx.captured_queries) <= 5
