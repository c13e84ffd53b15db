"""Issue 15, the supporter coordinator's journeys in a real browser.

1. On the demo: 兰大一院's coordinator amends the second batch's filed roster, whose leader stays on from the
   first batch — the new version names no leader of its own, shows the carried-over leader and submits; the
   province files it. (Before issue 15 it was refused: "须有且仅有一名队长（现有 0 名）".)
2. The coordinator records an expert-visit batch and sees the year's progress — on a 390 px phone screen
   without sideways scrolling.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.management import call_command
from playwright.sync_api import expect

from devtools.demo.users import demo_password
from teams.choices import RosterStatus
from teams.models import ExpertVisitBatch, Roster
from tests.browser.conftest import PHONE
from tests.browser.test_roster_journey import rechecks_run_at_once  # noqa: F401  (fixture)
from tests.teams.test_leader_carry_over import _second_batch_roster


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_supporter_amends_the_demo_second_batch_roster_and_the_province_files_it(
    page: Any,
    live_server: Any,
    login_as: Any,
    screenshot: Any,
    rechecks_run_at_once: None,  # noqa: F811
) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    roster = _second_batch_roster()
    password = demo_password()

    # the coordinator opens the filed roster and starts a new version
    login_as(page, "supporter_ldyy", password)
    page.goto(f"{live_server.url}/teams/rosters/{roster.pk}/")
    page.get_by_role("button", name="修改名单（新建版本，需重新备案）").click()
    new = Roster.objects.get(previous=roster)
    page.wait_for_url(f"{live_server.url}/teams/rosters/{new.pk}/")
    # the leader kept on from the first batch is shown and counts; no "现有 0 名" problem
    expect(page.get_by_text("上一批留任的队长")).to_be_visible()
    expect(page.get_by_text("现有 0 名")).to_have_count(0)
    screenshot(page, "supporter-roster-carried-leader")
    page.get_by_role("button", name="提交备案").click()
    expect(page.get_by_text("操作成功")).to_be_visible()
    assert Roster.objects.get(pk=new.pk).status == RosterStatus.SUBMITTED

    # the province files it
    login_as(page, "province", password)
    page.goto(f"{live_server.url}/teams/rosters/{new.pk}/")
    page.get_by_role("button", name="备案", exact=True).click()
    expect(page.get_by_text("操作成功")).to_be_visible()
    assert Roster.objects.get(pk=new.pk).status == RosterStatus.FILED


def test_supporter_records_an_expert_visit_batch_on_a_phone(
    page: Any, live_server: Any, login_as: Any, screenshot: Any, world: Any
) -> None:
    world.program.params = {"expert_visit_batches": 4, "expert_visit_person_times": 20}
    world.program.save()
    page.set_viewport_size(PHONE)
    login_as(page, "charlie")
    page.goto(f"{live_server.url}/teams/expert-visits/?year=2023")
    _no_sideways_scroll(page)
    page.get_by_label("受援医院").select_option(str(world.pairing_a.pk))
    page.get_by_label("开始日期").fill("2023-05-08")
    page.get_by_label("结束日期").fill("2023-05-10")
    page.get_by_label("人次").fill("10")
    page.get_by_label("专家及专业").fill("心内科 张三、李四")
    page.get_by_label("工作内容").fill("义诊、手术示教")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已记录专家柔性帮扶批次")).to_be_visible()
    expect(page.locator("#visit-progress progress")).to_have_attribute("value", "25")
    _no_sideways_scroll(page)
    screenshot(page, "supporter-expert-visit-phone")
    visit = ExpertVisitBatch.objects.get()
    assert (visit.start_date, visit.person_times) == (dt.date(2023, 5, 8), 10)
