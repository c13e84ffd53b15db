"""Journeys of the commission's follow-up in a real browser: a finding assigned for rectification, answered
by the hospital with a file and closed by the province; annual results published after the confirmation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from assessments.choices import AppraisalStatus, FindingStatus, RectificationStatus
from assessments.models import AnnualAppraisal, Finding, Rectification
from assessments.services.appraisals import annual_appraisal_compute
from assessments.services.findings import rules_check
from tests.assessments.rules_helpers import AS_OF

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_assign_answer_with_a_file_and_close(
    page, live_server, login_as, screenshot, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    rules_check(program=world.program, as_of=AS_OF)
    gap = Finding.objects.get(rule_code="COVERAGE_GAP", pairing=world.pairing_a)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    # the province assigns the finding to recipient A from the finding page
    login_as(page, "prov")
    page.goto(f"{live_server.url}/assessments/findings/{gap.pk}/")
    form = page.get_by_test_id("rectify-form")
    form.get_by_label("责任医院").select_option(label=world.recipient_a.name)
    form.get_by_label("整改期限").fill(due)
    form.get_by_label("整改要求").fill("30日内补齐派驻人员并提交排班表")
    screenshot(page, "rectification-assign")
    form.get_by_role("button", name="下达整改").click()
    expect(page.get_by_test_id("rect-status")).to_have_text("待整改")
    rect = Rectification.objects.get()

    # the recipient's coordinator finds it in the list and answers with a PDF
    login_as(page, "alice")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="限期整改").click()
    page.get_by_role("link", name=str(rect.pk), exact=True).click()
    page.get_by_label("整改情况").fill("已补派2名队员，排班表见附件")
    page.get_by_label("佐证材料（PDF、图片或 Office 文档）").set_input_files(
        files=[{"name": "排班表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_test_id("rect-status")).to_have_text("已答复待审核")
    expect(page.get_by_role("link", name="排班表.pdf")).to_be_visible()
    screenshot(page, "rectification-answered")

    # the province accepts: the rectification is closed and the finding is rectified
    login_as(page, "prov")
    page.goto(f"{live_server.url}/assessments/rectifications/{rect.pk}/")
    page.get_by_label("审核意见").fill("材料齐全，同意")
    page.get_by_role("button", name="通过（问题关闭）").click()
    expect(page.get_by_test_id("rect-status")).to_have_text("已通过")
    screenshot(page, "rectification-accepted")
    rect.refresh_from_db()
    gap.refresh_from_db()
    assert rect.status == RectificationStatus.ACCEPTED and gap.status == FindingStatus.RECTIFIED


def test_publish_annual_results_after_the_confirmation(page, live_server, login_as, screenshot, world):
    annual_appraisal_compute(user=world.users["province"], program=world.program, year=2023)
    login_as(page, "prov")
    page.goto(f"{live_server.url}/assessments/annual/?program={world.program.pk}&year=2023")
    page.get_by_role("link", name="发布本年度结果").click()
    summary = page.get_by_test_id("publish-summary")
    expect(summary).to_contain_text("将发布 2 个帮扶关系的年度考核结果")
    screenshot(page, "annual-publish-confirm")
    # the button does nothing until the officer ticks the confirmation
    page.get_by_role("button", name="确认发布").click()
    assert not AnnualAppraisal.objects.filter(status=AppraisalStatus.PUBLISHED).exists()
    page.get_by_label("我已核对以上摘要，确认发布").check()
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_text("已发布 2 条年度考核结果。")).to_be_visible()
    assert AnnualAppraisal.objects.filter(status=AppraisalStatus.PUBLISHED).count() == 2
