"""assessments models: reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    ReportKind,
)
from core.access import Scope, ScopedQuerySet
from core.jobs.models import Job
from pairings.models import City, County, Program


class ReportFile(Job):
    """A generated report: a job row (core.jobs) whose result file is ``file``."""

    kind = models.CharField(_("类型"), max_length=20, choices=ReportKind.choices)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="reports/%Y/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The report's area (issue 14 item 6): none for the whole province, a city, or a county (with its city,
    # so the city's staff see the county reports of their city too). The build reads only the area's pairings.
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("市州")
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("县（市、区）"),
    )

    # The province's staff (and dashboards, refused by the download view) see every report of the program;
    # city and county staff only the reports of their own area.
    SCOPE = Scope(province="program__province", city="city", county="county")
    objects = ScopedQuerySet.as_manager()
    # No PROTECTED_FILES: the file is served by report_download, which also refuses dashboards.

    class Meta(Job.Meta):
        verbose_name = _("报告")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=True) | Q(city__isnull=False), name="reportfile_county_has_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.program.code} {self.year or ''} #{self.pk}"

    def job_task_name(self) -> str:
        return "assessments.build_report"
