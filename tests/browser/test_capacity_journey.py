"""Journey of the recipient's capacity building in a real browser (issue 15): on a phone, the coordinator
opens the pairing's capacity page, records a chest-pain centre milestone with an evidence file and sees the
centre's progress change; the supporter reads it and downloads the file; county outcomes on a phone."""

from __future__ import annotations

from playwright.sync_api import expect

from assessments.models import CentreMilestone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PHONE = {"width": 390, "height": 844}


def test_recipient_records_a_chest_pain_milestone_with_evidence(
    page, live_server, login_as, screenshot, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page.set_viewport_size(PHONE)
    login_as(page, "alice")
    # from the pairing page to its capacity building
    page.goto(f"{live_server.url}/pairings/{world.pairing_a.pk}/")
    page.get_by_test_id("capacity-link").click()
    chest = page.get_by_test_id("centre-chest_pain")
    expect(chest.get_by_test_id("centre-status")).to_have_text("未启动")
    expect(chest.get_by_test_id("centre-percent")).to_have_text("0%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "capacity-before-phone")

    # the milestone form: centre, date, what was done, the evidence file
    form = page.get_by_test_id("form-milestone")
    form.get_by_label("中心").select_option(label="胸痛中心")
    form.get_by_label("日期").fill("2026-03-01")
    form.get_by_label("进展").fill("通过国家胸痛中心现场核查")
    form.get_by_label("佐证材料（PDF、图片或 Office 文档）").set_input_files(
        files=[{"name": "核查报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.get_by_role("button", name="保存").click()

    # the centre is now under construction, its bar moved, the milestone and its file are listed
    chest = page.get_by_test_id("centre-chest_pain")
    expect(chest.get_by_test_id("centre-status")).to_have_text("建设中")
    expect(chest.get_by_test_id("centre-percent")).to_have_text("50%")
    expect(chest.get_by_role("link", name="核查报告.pdf")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "capacity-after-phone")
    assert CentreMilestone.objects.get().evidence_name == "核查报告.pdf"

    # the supporter reads the page and downloads the evidence
    login_as(page, "charlie")
    page.goto(f"{live_server.url}/assessments/capacity/pairings/{world.pairing_a.pk}/")
    expect(page.get_by_test_id("form-milestone")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_test_id("centre-chest_pain").get_by_role("link", name="核查报告.pdf").click()
    assert download.value.suggested_filename == "核查报告.pdf"


def test_county_outcomes_page_on_a_phone(page, live_server, login_as, screenshot, world):
    page.set_viewport_size(PHONE)
    login_as(page, "county_a")
    page.goto(f"{live_server.url}/assessments/indicators/counties/?year=2025")
    form = page.get_by_test_id("county-outcome-form")
    form.get_by_label("县域内就诊率（%）").fill("91.5")
    form.get_by_label("县域内住院率（%）").fill("80")
    form.get_by_role("button", name="保存").click()
    card = page.get_by_test_id(f"county-{world.county_a.pk}")
    expect(card).to_contain_text("91.50%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "county-outcomes-phone")
