"""Pages: the deadline calendar (role matrix, month view, Excel), inbox, settings, iCalendar feed."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core import events
from devtools import factories as f
from reminders.models import CalendarToken, Notification, ReminderPreference
from reminders.services.calendar import calendar_token_create
from reminders.services.reminders import reminders_send_due
from teams.services.rosters import roster_return

ROLES = ("province", "city_a", "county_a", "alice", "bob", "charlie", "dana")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("role", ROLES)
def test_deadline_page_lists_only_what_the_role_may_see(live: Any, today: dt.date, role: str) -> None:
    response = _client(live.users[role]).get(reverse("reminders:deadlines"))
    assert response.status_code == 200
    body = response.content.decode()
    sees_a = role in ("province", "city_a", "county_a", "alice", "charlie")
    sees_b = role in ("province", "bob", "dana")
    assert (live.recipient_a.name in body) is sees_a
    assert (live.recipient_b.name in body) is sees_b


def test_deadline_page_needs_a_login(live: Any) -> None:
    response = Client().get(reverse("reminders:deadlines"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_month_view_and_filters(live: Any, today: dt.date) -> None:
    c = _client(live.users["charlie"])
    body = c.get(reverse("reminders:deadlines"), {"month": "2026-09", "kind": "roster"}).content.decode()
    assert "month-view" in body and "派驻名单提交：" in body
    assert (
        "派驻名单提交：" not in c.get(reverse("reminders:deadlines"), {"month": "2026-10"}).content.decode()
    )
    bad = c.get(reverse("reminders:deadlines"), {"month": "九月"})
    assert bad.status_code == 200 and "月份格式应为 YYYY-MM" in bad.content.decode()


def test_excel_export_applies_the_scope_and_escapes_cells(live: Any, today: dt.date) -> None:
    live.recipient_a.name = "=HYPERLINK(1)"
    live.recipient_a.save()
    response = _client(live.users["charlie"]).get(reverse("reminders:deadline_export"), {"kind": "roster"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "截止日期" and len(rows) == 2
    assert rows[1][4] == "'=HYPERLINK(1)"


def test_inbox_unread_count_open_marks_read_and_goes_to_the_roster(live: Any, today: dt.date) -> None:
    reminders_send_due()
    c = _client(live.users["charlie"])
    page = c.get(reverse("reminders:inbox")).content.decode()
    assert 'data-testid="inbox-unread">1' in page and "名单 3 天后截止" in page
    note = Notification.objects.get(user=live.users["charlie"])
    response = c.post(reverse("reminders:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("teams:roster_list")
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="inbox-unread"' not in c.get(reverse("reminders:inbox")).content.decode()


def test_another_persons_message_is_404_and_stays_unread(live: Any, today: dt.date) -> None:
    reminders_send_due()
    note = Notification.objects.get(user=live.users["charlie"])
    for name in ("dana", "alice", "province"):
        response = _client(live.users[name]).post(reverse("reminders:notification_open", args=[note.pk]))
        assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_settings_save_channels(live: Any) -> None:
    c = _client(live.users["charlie"])
    response = c.post(reverse("reminders:settings"), {"action": "save", "daily_digest": "on"})
    assert response.status_code == 302
    pref = ReminderPreference.objects.get(user=live.users["charlie"])
    assert (pref.email, pref.daily_digest) == (False, True)


def test_calendar_feed_parses_back_and_a_revoked_token_is_404(live: Any, today: dt.date) -> None:
    c = _client(live.users["charlie"])
    page = c.post(reverse("reminders:settings"), {"action": "feed"}).content.decode()
    assert 'data-testid="feed-url"' in page
    token = page.split("/reminders/calendar/")[1].split(".ics")[0]
    anonymous = Client()
    response = anonymous.get(reverse("reminders:calendar_feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events_ = [e for e in cal.walk("VEVENT")]
    assert [e.decoded("dtstart") for e in events_] == [dt.date(2026, 9, 24)]
    assert live.recipient_a.name in str(events_[0]["summary"])
    assert live.recipient_b.name not in response.content.decode()
    # a new feed revokes the old one; revoking leaves none
    new = calendar_token_create(user=live.users["charlie"])
    assert anonymous.get(reverse("reminders:calendar_feed", args=[token])).status_code == 404
    assert anonymous.get(reverse("reminders:calendar_feed", args=[new])).status_code == 200
    c.post(reverse("reminders:settings"), {"action": "revoke"})
    assert anonymous.get(reverse("reminders:calendar_feed", args=[new])).status_code == 404
    assert anonymous.get(reverse("reminders:calendar_feed", args=["not-a-token"])).status_code == 404
    assert CalendarToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_roster_returned_tells_the_supporter_with_the_comment(live: Any, today: dt.date) -> None:
    roster = f.RosterFactory(
        team=live.team_a, status="submitted", submitted_at=dt.datetime(2026, 9, 20, tzinfo=dt.UTC)
    )
    roster_return(user=live.users["province"], roster=roster, comment="队长管理年限不足，请更换。")
    (note,) = Notification.objects.filter(user=live.users["charlie"])
    assert "派驻名单被退回" in note.title and "队长管理年限不足" in note.body
    assert note.url == reverse("teams:roster_detail", args=[roster.pk])
    assert not Notification.objects.filter(user=live.users["province"]).exists()  # who returned it
    assert not Notification.objects.filter(user=live.users["dana"]).exists()


def test_unknown_notice_is_refused(live: Any) -> None:
    with pytest.raises(ValueError):
        events.notice("roster_eaten", object_ids=[1])
