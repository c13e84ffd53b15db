"""Issue 6, the main journey in a real browser: a roster goes from an Excel upload to filing and a re-check.

The supporter's coordinator uploads a roster with one bad row, reads the error in the preview and in the
downloaded error file, fixes the row, re-uploads, confirms and submits; province staff file it from the
filing queue; the rule engine re-checks the pairing and the findings page lists the under-strength team.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from assessments.models import Finding, RuleRun
from config.celery_app import app as celery_app
from core.imports.spec import ERROR_HEADER
from devtools import factories as f
from teams.choices import RosterStatus
from teams.models import Deployment, Roster, Staff
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc

D = dt.date
HEADER = [h for h, _required, _help in ROSTER_HEADERS]
END_COLUMN = f"计划结束 ({chr(ord('A') + HEADER.index('计划结束'))})"  # "计划结束 (O)"


@pytest.fixture
def rechecks_run_at_once() -> Iterator[None]:
    """No Celery worker runs beside the live server: the recheck queued on filing runs in the request
    (as a worker would run it), and nothing is published to this worktree's Redis.
    """
    conf = celery_app.conf
    before = {key: conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    conf.update(**before)


@pytest.fixture
def team(world: Any) -> Any:
    """Pairing A's first rotation of 2023, still without a roster."""
    return f.TeamFactory(
        pairing=world.pairing_a, year=2023, rotation=1, start_date=D(2023, 3, 1), end_date=D(2024, 2, 29)
    )


def _row(world: Any, **values: Any) -> list[Any]:
    row = {
        "性别": "男",
        "手机号": "13800000000",
        "工作单位": world.supporter_a.name,
        "专业": "内科",
        "科室": "内科",
        "从事临床工作起始": D(2008, 7, 1),
        "从事管理工作起始": "",
        "执业证书编号": "",
        **values,
    }
    return [row.get(h, "") for h in HEADER]


def _roster_file(tmp_path: Path, world: Any, *, member_end: dt.date, name: str) -> Path:
    """Two people, dates as real Excel date cells: a leader for a year and a member for six months."""
    leader = _row(
        world,
        姓名="王建国",
        身份证号="620102197501011118",
        职称="正高",
        从事管理工作起始=D(2012, 1, 1),
        角色="队长",
        挂职岗位="副院长",
        计划开始=D(2023, 3, 1),
        计划结束=D(2024, 2, 29),
    )
    member = _row(
        world,
        姓名="李芳",
        身份证号="62010219850101222X",
        性别="女",
        职称="中级",
        角色="队员",
        挂职岗位="医师",
        计划开始=D(2023, 3, 1),
        计划结束=member_end,
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    for values in (HEADER, leader, member):
        ws.append(values)
    path = tmp_path / name
    wb.save(path)
    return path


def test_roster_from_excel_upload_to_filing_and_recheck(
    page, live_server, login_as, screenshot, world, team, tmp_path, rechecks_run_at_once
):
    nav = page.get_by_role("navigation", name="主导航")
    main = page.locator("main")

    # --- the supporter's coordinator opens a roster for the team ---------------------------------------
    login_as(page, "charlie")
    nav.get_by_role("link", name="派驻名单").click()
    page.get_by_label("帮扶队（批次）").select_option(label=str(team))
    page.get_by_role("button", name="新建名单").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("派驻名单")
    expect(main).to_contain_text("名单为空")
    roster = Roster.objects.get(team=team, supporter=world.supporter_a)
    screenshot(page, "roster-journey-01-new-roster")

    # --- uploads an Excel roster whose member ends before she starts ----------------------------------
    page.get_by_role("link", name="上传名单").click()
    bad = _roster_file(tmp_path, world, member_end=D(2023, 2, 28), name="roster-bad.xlsx")
    page.get_by_label(re.compile("文件")).set_input_files(bad)
    page.get_by_role("button", name="上传并预览").click()

    # then the preview names the row, the column and the reason, and offers no confirm button
    expect(page.get_by_role("heading", level=1)).to_contain_text("上传名单：预览")
    expect(main).to_contain_text("新增 1 · 修改 0 · 未变 0 · 错误 1 · 移除 0")
    bad_row = main.locator("table tbody tr", has_text="李芳")
    expect(bad_row.locator("td").nth(0)).to_have_text("3")  # spreadsheet row 3 (header is row 1)
    expect(bad_row.locator("td").nth(1)).to_have_text("错误")
    expect(bad_row).to_contain_text(f"{END_COLUMN}：结束日期早于开始日期")
    expect(main.locator("table tbody tr", has_text="王建国").locator("td").nth(1)).to_have_text("新增")
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)
    screenshot(page, "roster-journey-02-preview-with-error")
    # and the preview saved nothing
    assert roster.entries.count() == 0
    assert not Staff.objects.filter(national_id__in=["620102197501011118", "62010219850101222X"]).exists()

    # --- downloads the error file: the rows back, with an error column naming the problem --------------
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载带错误说明的文件").click()
    download = download_info.value
    assert download.suggested_filename == "roster-errors.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*HEADER, ERROR_HEADER]
    by_name = {r[0]: r[-1] for r in rows[1:]}
    assert by_name["李芳"] == f"{END_COLUMN}：结束日期早于开始日期"
    assert not by_name["王建国"]  # the good row carries no error

    # --- fixes the row and uploads again: both rows new, no error ---------------------------------------
    page.get_by_role("link", name="重新上传").click()
    good = _roster_file(tmp_path, world, member_end=D(2023, 8, 31), name="roster-fixed.xlsx")
    page.get_by_label(re.compile("文件")).set_input_files(good)
    page.get_by_role("button", name="上传并预览").click()
    expect(main).to_contain_text("新增 2 · 修改 0 · 未变 0 · 错误 0 · 移除 0")
    expect(page.get_by_role("link", name="下载带错误说明的文件")).to_have_count(0)
    screenshot(page, "roster-journey-03-preview-clean")

    # --- confirms (one transaction) and submits ------------------------------------------------------
    page.get_by_role("button", name=re.compile("确认导入")).click()
    expect(page.get_by_role("status")).to_contain_text("名单已导入")
    entries = main.locator("table tbody tr")
    expect(entries).to_have_count(2)
    expect(entries.filter(has_text="王建国")).to_contain_text("2024-02-29")
    expect(entries.filter(has_text="李芳")).to_contain_text("2023-08-31")
    screenshot(page, "roster-journey-04-imported")
    page.get_by_role("button", name="提交备案").click()
    expect(main).to_contain_text("已提交")
    screenshot(page, "roster-journey-05-submitted")
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SUBMITTED and roster.entries.count() == 2
    # nothing is on site yet and nothing has been checked: the roster is only proposed
    assert not Deployment.objects.filter(team=team).exists()
    assert not RuleRun.objects.exists() and not Finding.objects.exists()

    # --- province staff file it from the filing queue ------------------------------------------------
    login_as(page, "prov")
    nav.get_by_role("link", name="备案审核").click()
    queued = main.locator("table tbody tr", has_text=world.recipient_a.name)
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text(world.supporter_a.name)
    expect(queued.locator("td").nth(4)).to_have_text("2")  # people on the roster
    screenshot(page, "roster-journey-06-filing-queue")
    queued.get_by_role("link", name=world.recipient_a.name).click()
    page.get_by_label("意见").fill("同意备案")
    page.get_by_role("button", name="备案", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("操作成功")
    expect(main).to_contain_text("已备案，名单已锁定")
    screenshot(page, "roster-journey-07-filed")
    roster.refresh_from_db()
    assert roster.status == RosterStatus.FILED
    assert {(d.staff.name, d.planned_start, d.planned_end) for d in Deployment.objects.filter(team=team)} == {
        ("王建国", D(2023, 3, 1), D(2024, 2, 29)),
        ("李芳", D(2023, 3, 1), D(2023, 8, 31)),
    }
    nav.get_by_role("link", name="备案审核").click()
    expect(main).to_contain_text("没有待处理的名单")

    # --- filing re-checked the pairing: one event run, after filing, for pairing A only -----------------
    run = RuleRun.objects.get()
    assert (run.pairing_id, run.trigger, run.status) == (world.pairing_a.pk, "event", "done"), run.error
    assert run.finished_at >= roster.decided_at

    # --- and the findings page lists the under-strength team of that pairing ---------------------------
    nav.get_by_role("link", name="问题清单").click()
    page.locator("#f-rule").select_option("TEAM_MIN_SIZE")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page).to_have_url(re.compile(r"rule_code=TEAM_MIN_SIZE"))
    # two findings: the days on site under strength, and (SPEC §3, revised) the rotation's composition
    expect(main.locator("table tbody tr")).to_have_count(2)
    found = main.locator("table tbody tr", has_text="在岗 1–2 人")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(world.recipient_a.name)
    expect(found).to_contain_text("2023-03-01 … 2024-02-29")
    expect(found).to_contain_text("在岗 1–2 人，最少应为 5 人")
    screenshot(page, "roster-journey-08-findings")
    finding = next(
        x for x in Finding.objects.filter(rule_code="TEAM_MIN_SIZE") if "在岗 1–2 人" in str(x.text)
    )
    assert (finding.pairing_id, finding.status, finding.last_run_id) == (world.pairing_a.pk, "open", run.pk)
    assert (finding.period_start, finding.period_end) == (D(2023, 3, 1), D(2024, 2, 29))
    found.get_by_role("link", name="帮扶队在岗人数不足").click()  # the rule by its title, not its code
    expect(main).to_contain_text("在岗 1–2 人")
    screenshot(page, "roster-journey-09-finding-detail")


@pytest.fixture
def submitted_roster(world: Any, team: Any) -> Any:
    """Charlie's roster for the team, a leader and a member, submitted for filing."""
    charlie = world.users["charlie"]
    roster = svc.roster_create(user=charlie, team=team, supporter=world.supporter_a)
    for name, role, post, end in (
        ("王建国", "leader", "副院长", D(2024, 2, 29)),
        ("李芳", "member", "医师", D(2023, 8, 31)),
    ):
        staff = f.StaffFactory(employer=world.supporter_a, name=name)
        svc.roster_entry_add(
            user=charlie,
            roster=roster,
            staff=staff,
            role=role,
            post=post,
            planned_start=D(2023, 3, 1),
            planned_end=end,
        )
    return svc.roster_submit(user=charlie, roster=roster)


def test_commission_returns_a_roster_with_a_comment(
    page, live_server, login_as, screenshot, world, submitted_roster
):
    main = page.locator("main")
    # given a submitted roster in the province's filing queue
    login_as(page, "prov")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="备案审核").click()
    page.locator("table tbody tr", has_text=world.recipient_a.name).get_by_role(
        "link", name=world.recipient_a.name
    ).click()

    # when province staff return it without a comment, then it is refused and nothing changes
    page.get_by_role("button", name="退回", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("退回须填写意见")
    submitted_roster.refresh_from_db()
    assert (submitted_roster.status, submitted_roster.comment, submitted_roster.decided_at) == (
        RosterStatus.SUBMITTED,
        "",
        None,
    )

    # when they return it with a comment, then it leaves the queue with the comment, and nothing is deployed
    page.get_by_label("意见").fill("队员人数不足 5 人，请补充")
    page.get_by_role("button", name="退回", exact=True).click()
    expect(main).to_contain_text("已退回")
    expect(main).to_contain_text("队员人数不足 5 人，请补充")
    screenshot(page, "roster-return-01-returned")
    submitted_roster.refresh_from_db()
    assert submitted_roster.status == RosterStatus.RETURNED
    assert not Deployment.objects.exists() and not RuleRun.objects.exists()

    # and the coordinator finds it editable again, with the comment, but cannot open the filing queue
    login_as(page, "charlie")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="派驻名单").click()
    row = main.locator("table tbody tr", has_text=world.recipient_a.name)
    expect(row).to_contain_text("已退回")
    row.get_by_role("link", name=world.recipient_a.name).click()
    expect(main).to_contain_text("队员人数不足 5 人，请补充")
    expect(page.get_by_role("link", name="上传名单")).to_be_visible()
    expect(page.get_by_role("button", name="提交备案")).to_be_visible()
    screenshot(page, "roster-return-02-coordinator-sees-comment")
    response = page.goto(f"{live_server.url}/teams/rosters/queue/")
    assert response is not None and response.status == 404
