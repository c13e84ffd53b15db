"""Recipient coordinator journeys (issue 15): an early return with a replacement changes the timeline;
a month's workload by Excel with a bad row (preview, error file, fix, confirm); pages at 390 px."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from devtools import factories as f
from teams.models import Deployment, MonthlyActivity
from teams.resources import ACTIVITY_HEADERS

D = dt.date


@pytest.fixture
def team_2023(world):
    """Pairing A in 2023: the leader 王建国 and the member 李芳, both planned January–December."""
    team = f.TeamFactory(pairing=world.pairing_a, year=2023, rotation=1, start_date=D(2023, 1, 1))
    leader = f.DeploymentFactory(
        team=team, role="leader", post="副院长", planned_start=D(2023, 1, 1), planned_end=D(2023, 12, 31),
        staff=f.StaffFactory(employer=world.supporter_a, name="王建国"),
    )  # fmt: skip
    member = f.DeploymentFactory(
        team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 12, 31),
        staff=f.StaffFactory(employer=world.supporter_a, name="李芳"),
    )  # fmt: skip
    f.StaffFactory(employer=world.supporter_a, name="赵磊")
    return leader, member


def _bars(page):
    bars = page.get_by_test_id("timeline").locator("g.tl-deployment")
    return {(b.get_attribute("data-start"), b.get_attribute("data-end")) for b in bars.all()}


def test_early_return_with_a_replacement_changes_the_timeline(
    page, live_server, login_as, screenshot, team_2023
):
    leader, member = team_2023
    login_as(page, "alice")
    page.goto(f"{live_server.url}/pairings/{member.team.pairing_id}/?year=2023")
    assert ("2023-01-01", "2023-12-31") in _bars(page)
    # when the coordinator opens 李芳's deployment and records 赵磊 replacing her from 1 May
    page.goto(f"{live_server.url}/teams/deployments/{member.pk}/")
    form = page.get_by_test_id("replace-form")
    form.locator("select[name=staff]").select_option(label="赵磊")
    form.get_by_label("替换人员到岗日期").fill("2023-05-01")
    form.get_by_label("替换原因").fill("家中有事，提前返回")
    form.get_by_role("button", name="登记替换").click()
    expect(page.get_by_test_id("stay")).to_contain_text("2023-04-30")
    expect(page.get_by_test_id("stay")).to_contain_text("赵磊")
    screenshot(page, "recipient-replacement")
    # then the pairing's timeline shows her stay ending 30 April and 赵磊's from 1 May
    page.get_by_role("link", name="查看帮扶关系与在岗时间线").click()
    expect(page.get_by_test_id("timeline").locator("g.tl-deployment")).to_have_count(3)
    bars = _bars(page)
    assert ("2023-01-01", "2023-04-30") in bars and ("2023-05-01", "2023-12-31") in bars
    assert Deployment.objects.get(staff__name="赵磊").replaces_id == member.pk


def _workbook(rows):
    wb = openpyxl.Workbook()
    wb.active.append(ACTIVITY_HEADERS)
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_workload_by_excel_with_a_bad_row(page, live_server, login_as, screenshot, team_2023, tmp_path):
    leader, member = team_2023
    login_as(page, "alice")
    page.goto(f"{live_server.url}/teams/activity/?month=2023-03")
    page.get_by_role("link", name="Excel 批量导入").click()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_workbook([[leader.staff.national_id, "", "2023-03", 120, 3, 1, 2, 1, 0],
                               [member.staff.national_id, "", "2023-03", "十", 0, 0, 0, 0, 0]]))  # fmt: skip
    page.get_by_label("文件 (.xlsx / .csv)").set_input_files(str(bad))
    page.get_by_role("button", name="上传并预览").click()
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("门诊人次 (D)：应为非负整数")
    expect(page.get_by_role("button", name="确认导入（全部成功或全部不导入）")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载带错误说明的文件").click()
    errors = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert "应为非负整数" in str(errors.cell(row=3, column=len(ACTIVITY_HEADERS) + 1).value)
    screenshot(page, "recipient-workload-errors")
    assert not MonthlyActivity.objects.exists()
    # the fixed file previews clean and is confirmed at once
    page.get_by_role("link", name="重新上传").click()
    good = tmp_path / "good.xlsx"
    good.write_bytes(_workbook([[leader.staff.national_id, "", "2023-03", 120, 3, 1, 2, 1, 0],
                                [member.staff.national_id, "", "2023-03", 10, 0, 0, 0, 0, 0]]))  # fmt: skip
    page.get_by_label("文件 (.xlsx / .csv)").set_input_files(str(good))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("button", name="确认导入（全部成功或全部不导入）").click()
    expect(page.get_by_test_id("activity")).to_contain_text("李芳")
    assert MonthlyActivity.objects.count() == 2


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}], ids=["phone"])
def test_recipient_pages_fit_a_phone(page, live_server, login_as, screenshot, team_2023, viewport):
    leader, member = team_2023
    MonthlyActivity.objects.create(deployment=member, month=D(2023, 3, 1), outpatient_visits=10)
    login_as(page, "alice")
    for name, path in [
        ("deployments", "/teams/deployments/"),
        ("deployment", f"/teams/deployments/{member.pk}/"),
        ("activity", "/teams/activity/?month=2023-03"),
        ("monthly", "/assessments/monthly/?month=2023-03"),
        ("monthly-form", f"/assessments/monthly/{member.pk}/?month=2023-03"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        screenshot(page, f"phone-recipient-{name}")
