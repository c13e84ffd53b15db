"""Issue 17 in a real browser: the supporter's coordinator sees "名单 3 天后截止" in the inbox (the header
counts it), follows it to the roster and the message is read; on a phone the inbox fits the width."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from devtools import factories as f
from reminders.services.reminders import reminders_send_due


def test_supporter_follows_the_roster_reminder_from_the_inbox(
    page: Any, live_server: Any, login_as: Any, screenshot: Any, world: Any, settings: Any
) -> None:
    # given a rotation of pairing A that starts in four days and charlie's draft roster for it
    settings.REMINDERS_HOLIDAY_SHIFT = False  # the journey runs on any day, holidays included
    today = timezone.localdate()
    program = world.program
    program.start_date, program.end_date = today - dt.timedelta(days=400), today + dt.timedelta(days=800)
    program.agreement_deadline = program.roster_deadline = None
    program.save()
    team = f.TeamFactory(
        pairing=world.pairing_a,
        year=today.year,
        rotation=7,
        start_date=today + dt.timedelta(days=4),
        end_date=today + dt.timedelta(days=200),
    )
    roster = f.RosterFactory(team=team)
    # when the hourly reminder task runs
    reminders_send_due()

    login_as(page, "charlie")
    badge = page.get_by_test_id("inbox-unread")
    expect(badge).to_contain_text("1")
    page.get_by_test_id("inbox-link").click()
    item = page.get_by_test_id("inbox").get_by_role("button", name=re.compile("名单 3 天后截止"))
    expect(item).to_be_visible()
    screenshot(page, "reminders-inbox")
    item.click()
    # then the roster page opens and the message is read
    expect(page).to_have_url(re.compile(rf"/teams/rosters/{roster.pk}/$"))
    expect(page.get_by_test_id("inbox-unread")).to_have_count(0)


def test_inbox_and_deadlines_fit_a_phone(page: Any, live_server: Any, login_as: Any, world: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login_as(page, "charlie")
    for path in ("/reminders/inbox/", "/reminders/", "/reminders/?month=2026-09", "/reminders/settings/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width}px)"
