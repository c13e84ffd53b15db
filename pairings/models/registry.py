"""pairings models: registry."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet
from pairings.choices import (
    HospitalGrade,
    HospitalKind,
    HospitalOrigin,
    HospitalRole,
)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: the API's `updated_since` incremental sync filters on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Province(models.Model):
    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("省份"), max_length=50, unique=True)

    SCOPE = Scope(province="pk", city="cities", county="cities__counties", hospital_province="pk")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("省份")
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProvinceWorkday(models.Model):
    """A province's own working-day correction (``core.dates``): a day off or a working day that the
    national calendar (``core.HolidayDate``, from ``chinese-calendar``) does not have — a year the library
    does not know yet, or a local decision. It wins over the national calendar for that province."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="workdays")
    date = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("工作日"), help_text=_("勾选：当天上班（如调休）；不勾选：当天放假。"))
    name = models.CharField(_("说明"), max_length=60, blank=True)

    SCOPE = Scope(province="province", city="province__cities", county="province__cities__counties")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("本省工作日调整")
        verbose_name_plural = verbose_name
        ordering = ["province", "date"]
        constraints = [
            models.UniqueConstraint(fields=["province", "date"], name="province_workday_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.date} {self.name}"


class City(models.Model):
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="cities")
    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("市州"), max_length=50)

    SCOPE = Scope(province="province", city="pk", county="counties", hospital_province="province")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("市州")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="city_unique_name")]

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="counties")
    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("县/区"), max_length=50)
    population = models.PositiveIntegerField(_("常住人口"))
    government_name = models.CharField(_("县人民政府"), max_length=80, blank=True)

    SCOPE = Scope(province="city__province", city="city", county="pk", hospital_province="city__province")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("县区")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="county_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def government(self) -> str:
        return self.government_name or f"{self.name}人民政府"


class Hospital(TimeStamped):
    """A supporting (支援) or recipient (受援) hospital of the province's registry.

    ``province`` is the registry the hospital belongs to (out-of-province supporters are registered in the
    province they help); ``origin_region`` names where it really is (天津市, 山东省 …).
    """

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("医院名称"), max_length=120, unique=True)
    role = models.CharField(_("角色"), max_length=16, choices=HospitalRole.choices)
    kind = models.CharField(
        _("类别"), max_length=16, choices=HospitalKind.choices, default=HospitalKind.GENERAL
    )
    grade = models.CharField(
        _("等级"), max_length=16, choices=HospitalGrade.choices, default=HospitalGrade.UNGRADED
    )
    origin = models.CharField(
        _("来源"), max_length=16, choices=HospitalOrigin.choices, default=HospitalOrigin.IN_PROVINCE
    )
    origin_region = models.CharField(_("所在省市"), max_length=40, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="hospitals")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="hospitals", null=True, blank=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="hospitals", null=True, blank=True
    )
    is_residency_base = models.BooleanField(_("住培基地"), default=False)
    is_county_hospital = models.BooleanField(_("县级医院"), default=False)

    SCOPE = Scope(province="province", city="city", county="county", hospital_province="province")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("医院")
        verbose_name_plural = verbose_name
        ordering = ["code"]
        constraints = [
            # A recipient is a county-level hospital: it must sit in a county of the registry.
            models.CheckConstraint(
                condition=~Q(role=HospitalRole.RECIPIENT) | Q(county__isnull=False),
                name="hospital_recipient_has_county",
            ),
            models.CheckConstraint(
                condition=~Q(origin=HospitalOrigin.OTHER_PROVINCE) | ~Q(origin_region=""),
                name="hospital_other_province_has_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_tcm(self) -> bool:
        return self.kind == HospitalKind.TCM
