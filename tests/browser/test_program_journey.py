"""Issue 14 item 1 in a real browser: province staff create a program from the Guangdong preset and change one
parameter with a reason; the parameters page shows the override and the program page its history. Also on a
phone: the parameters page fits 390 px without sideways scrolling of the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from pairings.models import Program


def test_create_from_guangdong_preset_and_change_one_parameter(
    page: Any, live_server: Any, login_as: Any, screenshot: Any, world: Any
) -> None:
    login_as(page, "prov")
    page.goto(f"{live_server.url}/programs/")
    page.get_by_role("link", name="按预设新建项目").click()
    page.get_by_label("规则预设").select_option("guangdong_2019")
    page.get_by_label("项目代码").fill("GD2026")
    page.get_by_label("项目名称").fill("广东 2026 周期")
    page.get_by_label("开始日期").fill("2026-01-01")
    page.get_by_label("结束日期").fill("2028-12-31")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("广东 2026 周期")
    program = Program.objects.get(code="GD2026")
    assert program.preset == "guangdong_2019" and program.params == {}

    page.get_by_role("link", name=re.compile("规则参数")).click()
    row = page.locator("#param-team_max_size")
    expect(row).to_contain_text("粤府办")
    form = page.locator("#params-form")
    form.locator("[name=p_expert_visit_batches]").fill("6")
    form.get_by_label("修改理由").fill("省卫健委决定增加专家下沉批次")
    form.get_by_role("button", name="保存参数").click()
    expect(page.locator("#param-expert_visit_batches")).to_contain_text("本项目设定")
    screenshot(page, "program-parameters")
    program.refresh_from_db()
    assert program.params == {"expert_visit_batches": 6}

    page.goto(f"{live_server.url}/programs/{program.pk}/")
    expect(page.get_by_text("省卫健委决定增加专家下沉批次")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}])
def test_parameters_page_fits_a_phone(page: Any, live_server: Any, login_as: Any, world: Any) -> None:
    login_as(page, "prov")
    page.goto(f"{live_server.url}/programs/{world.program.pk}/parameters/")
    expect(page.locator("#param-team_min_size")).to_be_attached()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
