"""Platform tables shared by every app (Django looks for models here): the national holiday calendar;
the jobs layer's deferred tasks live in ``core.jobs.models``, the imports' stored uploads in
``core.imports.models``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.imports.models import ImportUpload
from core.jobs.models import DeferredTask

__all__ = ["DeferredTask", "HolidayDate", "ImportUpload"]


class HolidayDate(models.Model):
    """A national day that differs from Monday–Friday (``core.dates``): a public holiday on a weekday
    (``is_workday`` false) or an adjusted working weekend, 调休 (``is_workday`` true). Loaded from
    ``chinese-calendar`` by a migration and ``manage.py load_holidays``; a province's own corrections are
    ``pairings.ProvinceWorkday``."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("法定节假日与调休")
        verbose_name_plural = verbose_name
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
