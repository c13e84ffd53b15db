"""Main journeys in a real browser: each role's home, the pairing list, the coverage timeline, English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from devtools import factories as f

D = dt.date


@pytest.fixture
def planted_gap(world):
    """Pairing A in 2023: leader + member from January, nobody on site 1–15 July, a member from 16 July."""
    team = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=1, start_date=D(2023, 1, 1))
    f.DeploymentFactory(
        team=team,
        role="leader",
        post="副院长",
        planned_start=D(2023, 1, 1),
        planned_end=D(2023, 6, 30),
        staff=f.StaffFactory(employer=world.supporter_a, name="王建国"),
    )
    f.DeploymentFactory(
        team=team,
        planned_start=D(2023, 1, 1),
        planned_end=D(2023, 6, 30),
        staff=f.StaffFactory(employer=world.supporter_a, name="李芳"),
    )
    f.DeploymentFactory(
        team=team,
        planned_start=D(2023, 7, 16),
        planned_end=D(2023, 12, 31),
        staff=f.StaffFactory(employer=world.supporter_a, name="赵磊"),
    )
    return world.pairing_a


@pytest.mark.parametrize(
    ("username", "kind", "heading"),
    [
        ("prov", "commission", "项目总览"),
        ("city_a", "commission", "项目总览"),
        ("county_a", "commission", "项目总览"),
        ("charlie", "supporter", "支援医院工作台"),
        ("alice", "recipient", "受援医院工作台"),
    ],
)
def test_each_role_lands_on_its_home_page(
    page, live_server, login_as, screenshot, world, username, kind, heading
):
    # when the user signs in through the log-in form
    login_as(page, username)
    # then the home page of its role shows, with its role badge
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(f'[data-kind="{kind}"]')).to_be_visible()
    expect(page.get_by_test_id("role-badge")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    screenshot(page, f"home-{username}")


def test_login_page_and_wrong_password(page, live_server, screenshot, world):
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("not-her-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")


def test_pairing_list_filters_by_city_and_searches(page, live_server, login_as, screenshot, world):
    login_as(page, "prov")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="帮扶关系").click()
    rows = page.locator('[data-testid="pairing-table"] tbody tr')
    expect(rows).to_have_count(2)
    # when the officer picks city B, htmx swaps the results and the URL records the filter
    page.get_by_label("市州").select_option(label="天水市")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("秦安县人民医院")
    expect(page).to_have_url(re.compile(rf"city={world.city_b.pk}"))
    screenshot(page, "pairings-filtered-by-city")
    # when the filter is cleared and the search typed, only the matching pairing stays
    page.get_by_role("link", name="清除").click()
    expect(rows).to_have_count(2)
    page.get_by_label("搜索").fill("榆中")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("榆中县第一人民医院")


def test_pairing_detail_shows_the_planted_gap(page, live_server, login_as, screenshot, planted_gap):
    login_as(page, "prov")
    page.goto(f"{live_server.url}/pairings/{planted_gap.pk}/?year=2023")
    timeline = page.get_by_test_id("timeline")
    # the gap is drawn with its dates, and listed in words beside the chart
    gap = timeline.locator("g.tl-gap")
    expect(gap).to_have_count(1)
    expect(gap).to_have_attribute("data-start", "2023-07-01")
    expect(gap).to_have_attribute("data-end", "2023-07-15")
    expect(page.get_by_test_id("timeline-summary")).to_contain_text("2023-07-01 – 2023-07-15")
    # the leader has a bar of its own colour and a label
    leader = timeline.locator("g.tl-leader")
    expect(leader).to_have_count(1)
    expect(leader).to_contain_text("队长 王建国")
    # the year selector reloads another year
    page.get_by_label("年度", exact=True).select_option("2024")
    expect(page).to_have_url(re.compile(r"year=2024"))
    expect(page.get_by_test_id("timeline").locator("g.tl-gap")).to_have_count(1)  # 2024: no team, one gap
    page.goto(f"{live_server.url}/pairings/{planted_gap.pk}/?year=2023")
    screenshot(page, "pairing-detail-gap")


def test_switching_to_english_changes_the_ui_language(page, live_server, login_as, screenshot, world):
    login_as(page, "prov")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="帮扶关系")).to_be_visible()
    # when the user picks English
    page.get_by_test_id("lang-en").click()
    # then the page reloads in English, and stays English on the next page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Program overview")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Pairings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pairings")
    screenshot(page, "pairings-english")
    # and back to Chinese
    page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}], ids=["phone"])
def test_phone_layout_folds_the_navigation(page, live_server, login_as, screenshot, planted_gap, viewport):
    login_as(page, "prov")
    toggle = page.get_by_role("button", name=re.compile("菜单"))
    nav_link = page.get_by_role("navigation", name="主导航").get_by_role("link", name="帮扶关系")
    # the nav hides behind a button on a phone, and the button opens it
    expect(toggle).to_be_visible()
    expect(nav_link).to_be_hidden()
    screenshot(page, "phone-home")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_visible()
    nav_link.click()
    screenshot(page, "phone-pairings")
    page.goto(f"{live_server.url}/pairings/{planted_gap.pk}/?year=2023")
    # nothing is wider than the screen: wide tables and the timeline scroll inside their own boxes
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "phone-pairing-detail")


def test_keyboard_user_can_skip_to_content(page, live_server, login_as, world):
    login_as(page, "alice")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_registry_and_main_pages_screenshots(page, live_server, login_as, screenshot, planted_gap, world):
    # given open findings, a roster awaiting filing and trainees, the commission home draws its charts
    from django.utils import timezone

    from tests.web.test_selectors_dashboard import finding

    planted = [("TEAM_MIN_SIZE", "critical"), ("TEAM_MIN_SIZE", "major"), ("COVERAGE_GAP", "major")]
    for rule, severity in planted:
        finding(planted_gap, rule, severity)
    finding(world.pairing_b, "ROSTER_FILED", "minor")
    team = f.TeamFactory(pairing=world.pairing_b, year=2023, rotation=1, start_date=D(2023, 7, 1))
    f.RosterFactory(team=team, status="submitted", submitted_at=timezone.now())
    f.TraineeStintFactory(pairing=world.pairing_b, start_date=D(2023, 1, 1), end_date=D(2023, 6, 30))
    login_as(page, "prov")
    page.goto(f"{live_server.url}/?as_of=2023-07-10")
    expect(page.get_by_test_id("findings-table").locator("tbody tr")).to_have_count(3)
    expect(page.locator("svg.donut")).to_have_count(2)
    screenshot(page, "home-commission")
    login_as(page, "alice")
    page.goto(f"{live_server.url}/?as_of=2023-07-10")
    expect(page.get_by_test_id("on-site").locator("tbody tr")).to_have_count(0)  # the July gap
    page.goto(f"{live_server.url}/?as_of=2023-05-10")
    expect(page.get_by_test_id("on-site").locator("tbody tr")).to_have_count(2)
    screenshot(page, "home-recipient")
    login_as(page, "prov")
    page.goto(f"{live_server.url}/pairings/hospitals/")
    expect(page.get_by_test_id("hospital-table").locator("tbody tr")).to_have_count(4)
    screenshot(page, "hospitals")


def test_commission_adjusts_the_annual_scorecard(page, live_server, login_as, screenshot, world):
    from assessments.models import Scorecard

    login_as(page, "prov")
    page.goto(f"{live_server.url}/assessments/annual/?program={world.program.pk}&year=2023")
    page.get_by_role("link", name="评分表（指标权重与等次分数线）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("年度考核评分表")
    # a weight that breaks the total of 100 is refused with the reason, and nothing is saved
    page.get_by_label("出勤率").fill("30")
    page.get_by_role("button", name="保存评分表").click()
    expect(page.get_by_test_id("scorecard-errors")).to_contain_text("权重合计应为 100，现为 115")
    screenshot(page, "scorecard-error")
    assert not Scorecard.objects.exists()
    # moving 15 points from 出勤率's raise to 全年派驻覆盖 keeps 100 and saves
    page.get_by_label("全年派驻覆盖").fill("0")
    page.get_by_label("远程服务与带教工作量").fill("0")
    page.get_by_role("button", name="保存评分表").click()
    expect(page.locator(".messages")).to_contain_text("评分表已保存")
    expect(page.get_by_label("出勤率")).to_have_value("30")
    screenshot(page, "scorecard-saved")
    weights = {i["code"]: i["weight"] for i in Scorecard.objects.get(program=world.program).indicators}
    assert (weights["attendance"], weights["coverage"], weights["services"]) == (30, 0, 0)
