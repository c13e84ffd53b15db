"""The deployed people's phone journey (issue 19) at 390×844: a member activates the account from the
coordinator's invitation, files the month's report and asks for a day of leave; the leader sees another
member's missing report and the leave and approves it; the recipient confirms the report and the leave;
the member's attendance rate of the month then excuses the day. No page scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from core.dates import is_working_day
from devtools import factories as f
from pairings.selectors.workdays import working_day_corrections
from teams.choices import DeploymentRole, LeaveStatus, ReportStatus
from teams.models import LeaveRequest, MonthlyActivity, Roster
from teams.selectors.attendance import monthly_attendance
from tests.teams.conftest import people  # noqa: F401  (the team with accounts)

PHONE = {"width": 390, "height": 844}
PASSWORD = "Phone-Pass-2026!"


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url


def _login(page, base, username, password=PASSWORD, landing="/"):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{base}{landing}")


@pytest.fixture
def xin(people):  # noqa: F811
    """A new member of the team on the filed roster, without an account yet; attendance imported for the
    month's working days except the day the journey asks leave for."""
    team = people.team
    dep = f.DeploymentFactory(team=team, role=DeploymentRole.MEMBER, planned_start=people.mei.planned_start,
                              planned_end=people.mei.planned_end)  # fmt: skip
    roster = Roster.objects.get(team=team, supporter=dep.supporter)
    f.RosterEntryFactory(roster=roster, staff=dep.staff)
    # The whole month's working days are recorded (a journey on the 1st still has a month to show).
    month = people.month
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    corrections = working_day_corrections(
        province_id=team.pairing.program.province_id, date_from=month, date_to=last
    )
    working = [month + dt.timedelta(days=i) for i in range((last - month).days + 1)]
    working = [d for d in working if is_working_day(d, corrections)]
    leave_day = working[0]
    for d in working[1:]:
        f.AttendanceFactory(deployment=dep, date=d, status="present")
    return dep, leave_day, len(working)


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_person_journey(page, live_server, login_as, screenshot, people, xin, viewport):  # noqa: F811
    dep, leave_day, workdays = xin
    base = live_server.url
    # the supporter's coordinator opens the account and hands over the link
    login_as(page, "charlie")
    page.goto(f"{base}/teams/accounts/")
    _fits(page)
    page.get_by_test_id(f"invite-{dep.staff_id}").click()
    link = page.get_by_test_id("invite-link").inner_text()
    username = page.get_by_test_id("invite-username").inner_text()
    screenshot(page, "person-invitation")
    # the member activates on the phone and lands on their workspace
    page.context.clear_cookies()
    page.goto(link)
    _fits(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("激活账号")
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="设置密码并登录").click()
    page.wait_for_url(f"{base}/me/")
    expect(page.get_by_test_id("my-deployment")).to_have_count(1)
    _fits(page)
    screenshot(page, "person-home")
    # files the month's report
    page.get_by_test_id("file-report").click()
    page.get_by_label("门诊人次").fill("86")
    page.get_by_label("手术台次").fill("4")
    page.get_by_label("本月工作").fill("门诊、教学查房")
    _fits(page)
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(f"{base}/me/")
    expect(page.get_by_test_id("my-report")).to_contain_text("尚未确认")
    # asks for a day of leave
    page.get_by_test_id("my-leave-link").click()
    page.get_by_label("开始日期").fill(leave_day.isoformat())
    page.get_by_label("结束日期").fill(leave_day.isoformat())
    page.get_by_label("事由").fill("病假")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("my-leave")).to_contain_text("待队长审批")
    _fits(page)
    screenshot(page, "person-leave")
    # the leader sees mu's missing report and the leave; approves the leave and reviews the report
    _login(page, base, "lin", landing="/me/")
    page.get_by_test_id("my-team").click()
    expect(page.get_by_test_id("missing-report")).to_contain_text([people.mu.staff.name])
    leave_row = page.get_by_test_id("team-leave").filter(has_text=dep.staff.name)
    expect(leave_row).to_contain_text("病假")
    _fits(page)
    screenshot(page, "person-leader-team")
    leave_row.get_by_role("button", name="同意", exact=True).click()
    page.get_by_test_id("to-review").filter(has_text=dep.staff.name).get_by_role(
        "button", name="已审阅"
    ).click()
    expect(page.get_by_test_id("to-review")).to_have_count(0)
    # the recipient confirms both
    login_as(page, "alice")
    page.goto(f"{base}/teams/reports/")
    _fits(page)
    page.get_by_test_id("to-confirm").filter(has_text=dep.staff.name).get_by_role(
        "button", name="确认", exact=True
    ).click()
    expect(page.get_by_test_id("to-confirm")).to_have_count(0)
    page.goto(f"{base}/teams/leave/")
    _fits(page)
    page.get_by_test_id("leave-to-decide").filter(has_text=dep.staff.name).get_by_role(
        "button", name="批准", exact=True
    ).click()
    expect(page.get_by_test_id("leave-to-decide")).to_have_count(0)
    assert MonthlyActivity.objects.get(deployment=dep).status == ReportStatus.CONFIRMED
    assert LeaveRequest.objects.get(deployment=dep).status == LeaveStatus.APPROVED
    # the month's attendance rate excuses the day: every other working day present → 100 %
    row = monthly_attendance(deployment_ids=[dep.pk], month_from=people.month, month_to=people.month)[0]
    assert row.excused == 1 and row.present == workdays - 1 and row.rate == 1.0
    _login(page, base, username, landing="/me/")
    expect(page.get_by_test_id("my-attendance-rate")).to_have_text("100%")
    expect(page.get_by_test_id("my-deployment")).to_contain_text("免计 1 天")
    expect(page.get_by_test_id("my-report")).not_to_contain_text("尚未确认")
    screenshot(page, "person-home-after")
    assert get_user_model().objects.get(username=username).person_account.activated_at is not None
