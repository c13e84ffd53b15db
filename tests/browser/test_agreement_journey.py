"""Journey of an agreement in a real browser: the province enters it with its PDF and two items, one item
passes its due date, the rule run finds it, and the province sees it on the agreements page and in the
findings; the agreements page fits a phone."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Finding
from assessments.services.findings import rules_check
from pairings.models import Agreement


def _exact(label: str) -> re.Pattern[str]:
    """A form label as Django renders it (with its suffix colon), not a longer label that starts the same."""
    return re.compile(rf"^{label}[:：]?$")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add_item(page, kind: str, text: str, due: str) -> None:
    page.get_by_text("添加事项").click()
    form = page.get_by_test_id("item-form")
    form.get_by_label(_exact("类型")).select_option(label=kind)
    form.get_by_label(_exact("内容")).fill(text)
    form.get_by_label("责任科室").fill("普外科")
    form.get_by_label("完成时限").fill(due)
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_text("事项已添加。")).to_be_visible()


def test_enter_an_agreement_with_its_pdf_and_items_and_see_the_overdue_finding(
    page, live_server, login_as, screenshot, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # the province opens pairing A and enters the lead supporter's tripartite agreement with its scan
    login_as(page, "prov")
    page.goto(f"{live_server.url}/pairings/{world.pairing_a.pk}/")
    page.get_by_role("link", name="录入协议").click()
    form = page.get_by_test_id("agreement-form")
    form.get_by_label(_exact("支援医院")).select_option(label=world.supporter_a.name)
    form.get_by_label(_exact("类型")).select_option(value="tripartite")
    form.get_by_label(_exact("标题")).fill("榆中县对口帮扶三方协议")
    form.get_by_label("支援医院签署日期").fill("2022-03-20")
    form.get_by_label("县政府签署日期").fill("2022-03-25")
    form.get_by_label("受援医院签署日期").fill("2022-03-21")
    form.get_by_label("协议扫描件").set_input_files(
        files=[{"name": "三方协议.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot(page, "agreement-enter")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("协议已录入。")).to_be_visible()
    agreement = Agreement.objects.get()
    assert agreement.scan.read() == PDF
    expect(page.get_by_test_id("scan-link")).to_be_visible()

    # two items: one already past its due date, one due next year
    next_year = f"{timezone.localdate().year + 1}-06-30"
    _add_item(page, "技术", "开展腹腔镜胆囊切除术", "2023-01-31")
    _add_item(page, "节点", "建成胸痛中心", next_year)
    expect(page.get_by_text("已逾期")).to_have_count(1)
    screenshot(page, "agreement-items")

    # the rules run (synchronously, as the nightly sweep would) and find the overdue item
    rules_check(program=world.program, as_of=timezone.localdate())
    finding = Finding.objects.get(rule_code="AGREEMENT_ITEMS_OVERDUE")
    assert finding.pairing_id == world.pairing_a.pk and finding.status == "open"
    page.goto(f"{live_server.url}/assessments/findings/?rule_code=AGREEMENT_ITEMS_OVERDUE")
    expect(page.get_by_text("开展腹腔镜胆囊切除术")).to_be_visible()
    screenshot(page, "agreement-finding")

    # the agreements page counts it and lists it; on a phone it does not scroll sideways
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="协议").click()
    expect(page.get_by_test_id("agreement-counts")).to_contain_text("逾期事项 1")
    expect(page.get_by_role("link", name="开展腹腔镜胆囊切除术")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "agreement-overview-phone")
