"""The provincial Word report: built as a report job, downloaded from the reports page, and it opens."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from assessments.choices import ReportKind
from assessments.models import ReportFile
from assessments.services.reports import report_build


def test_the_word_report_downloads_and_opens(
    page, live_server, login_as, screenshot, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # given a built Word report (the task body run synchronously, as the worker would)
    report = ReportFile.objects.create(
        program=world.program,
        kind=ReportKind.PROVINCIAL_DOCX,
        year=2023,
        requested_by=world.users["province"],
    )
    report_build(report_id=report.pk)
    # when province staff download it from the reports page
    login_as(page, "prov")
    page.goto(f"{live_server.url}/assessments/reports/")
    screenshot(page, "report-list-word")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载").first.click()
    path = Path(info.value.path())
    # then it is a Word document that opens, with the title and the first heading
    assert info.value.suggested_filename.endswith(".docx")
    doc = Document(str(path))
    assert doc.paragraphs[0].text.startswith("关于2023年度")
    assert any(p.style.name == "Heading 1" and p.text == "一、总体情况" for p in doc.paragraphs)


def test_a_county_user_builds_and_downloads_its_report(
    page, live_server, login_as, screenshot, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # given county staff on the reports page, on a phone-sized screen or a desk alike
    login_as(page, "county_a")
    page.goto(f"{live_server.url}/assessments/reports/")
    form = page.locator("form.card").first
    # when they ask for the county's Word report of 2023
    form.get_by_label("范围").select_option(label=world.county_a.name)
    form.get_by_label("报告类型").select_option(value=ReportKind.PROVINCIAL_DOCX)
    form.locator("select[name=year]").select_option("2023")
    form.get_by_role("button", name="生成").click()
    report = ReportFile.objects.get()
    assert report.county == world.county_a
    report_build(report_id=report.pk)  # the worker's part, run here synchronously
    page.goto(f"{live_server.url}/assessments/reports/")
    screenshot(page, "report-list-county")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载").first.click()
    # then the Word file is the county's: its title, headings and a figure of its one pairing
    doc = Document(str(Path(info.value.path())))
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    assert texts[0] == f"关于2023年度{world.county_a.name}{world.program.name}对口帮扶工作情况的报告"
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:2] == [
        "一、总体情况",
        "二、年度考核结果",
    ]
    assert any("全年共有帮扶关系1个" in t for t in texts)
    assert texts[-2] == f"{world.county_a.name}卫生健康局"
