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
