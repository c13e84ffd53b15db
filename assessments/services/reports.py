"""Report jobs (SPEC §2 step 8): a ``ReportFile`` row with status and progress, built by a Celery task.

``report_request`` creates the row and enqueues the build after commit; ``report_build`` is what the task
(and ``manage.py build_report --sync``) runs. A rerun of the same row rebuilds the same file in place:
never a second row, never a second file.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import JobStatus, ReportKind
from assessments.models import ReportFile
from assessments.reports.area import ReportArea
from assessments.reports.official_docx import build_provincial_docx
from assessments.reports.provincial import build_provincial_pdf
from assessments.reports.workbook import build_annual_workbook, build_evaluation_workbook
from core import events
from core.access import User
from core.jobs.services import job_execute, job_start
from core.permissions import is_city_staff, is_county_staff, is_province_staff
from pairings.models import City, County, Program

EXTENSIONS = {
    ReportKind.ANNUAL_WORKBOOK: "xlsx",
    ReportKind.PROVINCIAL_REPORT: "pdf",
    ReportKind.PROVINCIAL_DOCX: "docx",
    ReportKind.EVALUATION: "xlsx",
}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# The kinds an area (city or county) report can be: the provincial report's builders, narrowed to the area's
# pairings. The workbooks stay whole-program (province staff only).
AREA_KINDS = frozenset({ReportKind.PROVINCIAL_REPORT, ReportKind.PROVINCIAL_DOCX})


def can_request_reports(
    user: User, program: Program, *, city: City | None = None, county: County | None = None
) -> bool:
    """Who may build a report of ``program`` for an area (SPEC §6: the province reads the whole province,
    a city its city and the counties in it, a county its county). ``county`` implies its city."""
    if county is not None:
        city = county.city
    if city is not None and city.province_id != program.province_id:
        return False
    if is_province_staff(user, province_id=program.province_id):
        return True
    if city is None:
        return False
    if county is None:
        return is_city_staff(user, city_id=city.pk)
    return is_city_staff(user, city_id=city.pk) or is_county_staff(user, county_id=county.pk)


def report_request(
    *,
    user: User,
    program: Program,
    kind: str,
    year: int | None,
    city: City | None = None,
    county: County | None = None,
) -> ReportFile:
    """Queue a report build; the Celery task is sent once the row is committed (jobs layer).

    With ``city`` or ``county`` the report covers only that area's pairings (``AREA_KINDS``)."""
    if county is not None:
        city = county.city
    if not can_request_reports(user, program, city=city, county=county):
        raise PermissionDenied(_("您不能生成该地区的报告。"))
    if kind not in ReportKind.values:
        raise ValidationError(_("未知的报告类型。"))
    if city is not None and kind not in AREA_KINDS:
        raise ValidationError(_("市州、县区报告只能生成年度工作报告（PDF 或 Word）。"))
    if kind != ReportKind.EVALUATION and year is None:
        raise ValidationError(_("请选择年度。"))
    if year is not None and year not in program.years:
        raise ValidationError(_("年度不在项目周期内。"))
    with transaction.atomic():
        return job_start(
            job=ReportFile(program=program, kind=kind, year=year, requested_by=user, city=city, county=county)
        )


def _set(report_id: int, **fields: Any) -> None:
    # Outside any long transaction: the polling page sees progress as it happens.
    ReportFile.objects.filter(pk=report_id).update(**fields)


def report_build(*, report_id: int, task_id: str = "") -> ReportFile:
    """Build the file of ``report_id`` through ``job_execute`` (idempotent: a finished or running report
    is left alone). Success stores the file and marks the row done; failure marks it failed with the
    error and re-raises so the task is marked failed too."""
    report, _ran = job_execute(model=ReportFile, pk=report_id, run=_build, task_id=task_id)
    if report is None:
        raise ReportFile.DoesNotExist(report_id)
    return report


def _area(report: ReportFile) -> ReportArea | None:
    if report.county is not None:
        return ReportArea.of_county(report.county)
    if report.city is not None:
        return ReportArea.of_city(report.city)
    return None


def _build(report: ReportFile) -> None:

    report_id = report.pk
    _set(report_id, progress=0)
    ext = EXTENSIONS[ReportKind(report.kind)]
    name = f"{report.program.code}-{report.year or 'all'}-{report.kind}-{report.pk}.{ext}"

    def progress(pct: int) -> None:
        _set(report_id, progress=min(max(int(pct), 0), 99))

    fd, tmp = tempfile.mkstemp(suffix=f".{ext}")
    os.close(fd)
    try:
        if report.year is not None and report.year not in report.program.years:
            raise ValidationError(_("年度不在项目周期内。"))
        if report.kind != ReportKind.EVALUATION and report.year is None:
            raise ValidationError(_("请选择年度。"))
        if report.city_id is not None and report.kind not in AREA_KINDS:
            raise ValidationError(_("市州、县区报告只能生成年度工作报告（PDF 或 Word）。"))
        if report.kind == ReportKind.ANNUAL_WORKBOOK:
            assert report.year is not None
            build_annual_workbook(program=report.program, year=report.year, out=tmp, progress=progress)
        elif report.kind == ReportKind.PROVINCIAL_REPORT:
            assert report.year is not None
            build_provincial_pdf(
                program=report.program, year=report.year, out=tmp, progress=progress, area=_area(report)
            )
        elif report.kind == ReportKind.PROVINCIAL_DOCX:
            assert report.year is not None
            build_provincial_docx(
                program=report.program, year=report.year, out=tmp, progress=progress, area=_area(report)
            )
        else:
            build_evaluation_workbook(program=report.program, year=report.year, out=tmp, progress=progress)
        with transaction.atomic():
            report = ReportFile.objects.select_for_update().get(pk=report_id)
            if report.file:
                report.file.delete(save=False)  # a rerun replaces the file, never adds one
            with open(tmp, "rb") as fh:
                report.file.save(name, File(fh), save=False)
            report.status = JobStatus.DONE
            report.progress = 100
            report.finished_at = timezone.now()
            report.save(update_fields=["file", "status", "progress", "finished_at"])
            events.notice(events.REPORT_READY, object_ids=[report.pk])
    finally:
        os.unlink(tmp)
