"""Issue 14 item 2 in a real browser: the province officer loads the pairing list (附件1) from Excel — one bad
row → the preview names it → the error file carries it → the fixed file is confirmed all at once; the page
fits a 390 px phone without sideways scrolling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from core.imports.spec import ERROR_HEADER
from pairings.models import Hospital, Pairing, PairingSupporter

HOSPITALS = ["机构代码", "医院名称", "角色", "类别", "等级", "来源", "所在省市", "市州", "县区", "住培基地"]
PAIRS = ["受援医院", "支援医院", "牵头", "帮扶开始", "帮扶结束"]


def _workbook(tmp_path: Path, name: str, *, end: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "医院"
    ws.append(HOSPITALS)
    ws.append(["TJ901", "天津市第九医院", "支援", "综合", "三级甲等", "省外", "天津市", "兰州市", "", "是"])
    ws.append(["R901", "榆中县妇幼保健院", "受援", "综合", "二级", "省内", "", "兰州市", "榆中县", "否"])
    pairs = wb.create_sheet("对口帮扶关系")
    pairs.append(PAIRS)
    pairs.append(["R901", "天津市第九医院", "是", "2022-01-01", end])
    path = tmp_path / name
    wb.save(path)
    return path


def test_pairing_list_bad_row_error_file_fix_confirm(
    page: Any, live_server: Any, login_as: Any, screenshot: Any, world: Any, tmp_path: Path
) -> None:
    main = page.locator("main")
    login_as(page, "prov")
    page.goto(f"{live_server.url}/programs/{world.program.pk}/")
    card = page.get_by_test_id("pairing-list-import")
    card.get_by_role("link", name="上传帮扶关系").click()

    # --- uploads a list whose pairing ends before it starts -----------------------------------------------
    page.get_by_label(re.compile("文件")).set_input_files(_workbook(tmp_path, "bad.xlsx", end="2021-12-31"))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("预览")
    bad = main.locator("table tbody tr", has_text="天津市第九医院").last
    expect(bad.locator("td").nth(0)).to_have_text("2")
    expect(bad.locator("td").nth(1)).to_have_text("错误")
    expect(bad).to_contain_text("帮扶结束 (E)：帮扶结束早于帮扶开始")
    expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)
    assert not Hospital.objects.filter(code__in=["TJ901", "R901"]).exists()
    screenshot(page, "pairing-list-01-preview-with-error")

    # the preview fits a phone
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    # --- downloads the error file ------------------------------------------------------------------------
    with page.expect_download() as info:
        page.get_by_role("link", name="下载带错误说明的文件").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "pairing-list-errors.xlsx"
    wb = openpyxl.load_workbook(saved)
    rows = list(wb["对口帮扶关系"].iter_rows(values_only=True))
    assert list(rows[0]) == [*PAIRS, ERROR_HEADER] and rows[1][-1] == "帮扶结束 (E)：帮扶结束早于帮扶开始"

    # --- fixes it, uploads again and confirms ------------------------------------------------------------
    page.get_by_role("link", name="重新上传").click()
    page.get_by_label(re.compile("文件")).set_input_files(_workbook(tmp_path, "fixed.xlsx", end="2025-12-31"))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("link", name="下载带错误说明的文件")).to_have_count(0)
    screenshot(page, "pairing-list-02-preview-clean")
    page.get_by_role("button", name=re.compile("确认导入")).click()
    expect(page.get_by_role("status")).to_contain_text("已导入")
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.program.name)
    pairing = Pairing.objects.get(program=world.program, recipient__code="R901")
    assert PairingSupporter.objects.get(pairing=pairing, is_lead=True).hospital.code == "TJ901"


pytestmark = pytest.mark.django_db(transaction=True)
