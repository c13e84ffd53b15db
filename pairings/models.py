"""Registry of places and hospitals, programs with their rule parameters, pairings and agreements."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from core.roles import Role
from pairings.choices import (
    AgreementItemKind,
    AgreementKind,
    AssistanceKind,
    HospitalGrade,
    HospitalKind,
    HospitalOrigin,
    HospitalRole,
    ItemStatus,
    PairingStatus,
    ProgramPreset,
    ProgramStatus,
)
from pairings.presets import PRESETS, RuleParams


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


@audited()
class Program(TimeStamped):
    """A pairing-assistance cycle (帮扶周期) of one province, with its own rule parameters.

    Audited: parameter, status and deadline changes show on the program page's history with their reason.
    """

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="programs")
    document = models.CharField(_("文件"), max_length=120, blank=True)
    preset = models.CharField(_("规则预设"), max_length=20, choices=ProgramPreset.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    agreement_deadline = models.DateField(_("三方协议签订截止"), null=True, blank=True)
    roster_deadline = models.DateField(_("人员名单备案截止"), null=True, blank=True)
    # Only the overrides of the preset; see presets.RuleParams for every parameter and its meaning.
    params = models.JSONField(_("规则参数"), default=dict, blank=True)
    # ``is_active`` is what the rule sweep and the lists read; ``programs.program_set_status`` keeps it equal
    # to ``status == active``, so no reader has to learn the new field (migration 0005 derived it).
    status = models.CharField(
        _("项目状态"), max_length=8, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    is_active = models.BooleanField(_("进行中"), default=True)

    SCOPE = Scope(
        province="province",
        city="province__cities",
        county="province__cities__counties",
        hospital_province="province",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶项目")
        verbose_name_plural = verbose_name
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="program_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        # Refused here, at save time, with the parameter named — never later inside a rule worker.
        if not isinstance(self.params, dict):
            raise ValidationError({"params": _("规则参数应为 JSON 对象")})
        try:
            self.rules_from(self.params)
        except ValidationError as exc:
            raise ValidationError(
                {"params": [m for msgs in exc.message_dict.values() for m in msgs]}
            ) from exc

    def rules_from(self, params: dict[str, object]) -> RuleParams:
        preset = PRESETS.get(self.preset)
        merged = {**(preset.params() if preset else {}), **(params or {})}
        return RuleParams.from_json(merged)

    @property
    def rules(self) -> RuleParams:
        """The effective parameters: preset values, then this program's overrides."""
        return self.rules_from(self.params)

    @property
    def years(self) -> list[int]:
        return list(range(self.start_date.year, self.end_date.year + 1))


@audited()
class Pairing(TimeStamped):
    """对口帮扶关系: one recipient, one or more supporters of which exactly one leads when several."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="pairings")
    recipient = models.ForeignKey(
        Hospital,
        on_delete=models.PROTECT,
        related_name="pairings_received",
        limit_choices_to={"role": HospitalRole.RECIPIENT},
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PairingStatus.choices, default=PairingStatus.ACTIVE
    )
    service_start = models.DateField(_("帮扶开始"))
    service_end = models.DateField(_("帮扶结束"))
    kind = models.CharField(
        _("帮扶方式"), max_length=12, choices=AssistanceKind.choices, default=AssistanceKind.TEAM
    )
    note = models.TextField(_("备注"), blank=True)

    SCOPE = Scope(
        province="program__province",
        city="recipient__city",
        county="recipient__county",
        hospital=("recipient", "supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶关系")
        verbose_name_plural = verbose_name
        ordering = ["program", "recipient__code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "recipient"], name="pairing_one_per_recipient"),
            models.CheckConstraint(
                condition=Q(service_end__gte=F("service_start")), name="pairing_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.program.code}"


@audited()
class PairingSupporter(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="supporters")
    hospital = models.ForeignKey(
        Hospital,
        on_delete=models.PROTECT,
        related_name="pairings_supported",
        limit_choices_to={"role": HospitalRole.SUPPORTER},
    )
    is_lead = models.BooleanField(_("牵头医院"), default=False)

    SCOPE = Scope(
        province="pairing__program__province",
        city="pairing__recipient__city",
        county="pairing__recipient__county",
        hospital=("pairing__recipient", "pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("支援医院")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["pairing", "hospital"], name="pairing_supporter_unique"),
            models.UniqueConstraint(fields=["pairing"], condition=Q(is_lead=True), name="pairing_one_lead"),
        ]
        triggers = [
            # At most one lead is a unique index; "exactly one" is a cross-row fact checked at commit, so a
            # service can move the lead from one row to another inside one transaction.
            pgtrigger.Trigger(
                name="pairing_exactly_one_lead",
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.After,
                timing=pgtrigger.Deferred,
                func="""
                DECLARE pid bigint; leads int; total int;
                BEGIN
                  pid := COALESCE(NEW.pairing_id, OLD.pairing_id);
                  SELECT count(*), count(*) FILTER (WHERE is_lead) INTO total, leads
                    FROM pairings_pairingsupporter WHERE pairing_id = pid;
                  IF total > 0 AND leads <> 1 THEN
                    RAISE EXCEPTION 'pairing % must have exactly one lead supporter (has %)', pid, leads
                      USING ERRCODE = '23514';
                  END IF;
                  RETURN NULL;
                END;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital}{' (牵头)' if self.is_lead else ''}"


@audited()
class Agreement(TimeStamped):
    """三方协议 (supporter, county government, recipient) or 年度补充协议 of one year."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("类型"), max_length=16, choices=AgreementKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="agreements_signed")
    supporter_signed_on = models.DateField(_("支援医院签署日期"), null=True, blank=True)
    government_signed_on = models.DateField(_("县政府签署日期"), null=True, blank=True)
    recipient_signed_on = models.DateField(_("受援医院签署日期"), null=True, blank=True)
    filed_on = models.DateField(_("报备日期"), null=True, blank=True)
    goals = models.TextField(_("帮扶目标"), blank=True)
    scan = models.FileField(_("协议扫描件 (PDF)"), upload_to="agreements/%Y/", blank=True)

    SCOPE = Scope(
        province="pairing__program__province",
        city="pairing__recipient__city",
        county="pairing__recipient__county",
        hospital=("pairing__recipient", "pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()
    PROTECTED_FILES = ("scan",)  # served by core.files after for_user

    class Meta:
        verbose_name = _("协议")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "kind", "year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=AgreementKind.TRIPARTITE, year__isnull=True)
                | Q(kind=AgreementKind.ANNUAL, year__isnull=False),
                name="agreement_year_iff_annual",
            ),
            models.UniqueConstraint(
                fields=["pairing", "supporter"],
                condition=Q(kind=AgreementKind.TRIPARTITE),
                name="agreement_one_tripartite",
            ),
            models.UniqueConstraint(
                fields=["pairing", "supporter", "year"],
                condition=Q(kind=AgreementKind.ANNUAL),
                name="agreement_one_annual_per_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def signed_on(self):  # type: ignore[no-untyped-def]
        """The date the last of the three parties signed; None until all have."""
        dates = [self.supporter_signed_on, self.government_signed_on, self.recipient_signed_on]
        return None if any(d is None for d in dates) else max(dates)  # type: ignore[type-var]


@audited()
class AgreementItem(TimeStamped):
    """A trackable goal, milestone, task or project of an agreement (年度目标、节点、任务、项目)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("类型"), max_length=16, choices=AgreementItemKind.choices)
    description = models.TextField(_("内容"))
    responsible_department = models.CharField(_("责任科室"), max_length=80, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(
        _("进展"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.PLANNED
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    SCOPE = Scope(
        province="agreement__pairing__program__province",
        city="agreement__pairing__recipient__city",
        county="agreement__pairing__recipient__county",
        hospital=("agreement__pairing__recipient", "agreement__pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("协议事项")
        verbose_name_plural = verbose_name
        ordering = ["agreement", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.DONE) | Q(completed_on__isnull=False),
                name="agreement_item_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]


@audited()
class AgreementItemUpdate(TimeStamped):
    """A hospital's report on an item: the new status, a note and optional evidence (进展报告).

    Kept as rows, not overwritten, so the commission sees the history of what each hospital reported.
    """

    item = models.ForeignKey(AgreementItem, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("进展"), max_length=16, choices=ItemStatus.choices)
    note = models.TextField(_("说明"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="agreements/evidence/%Y/", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE = Scope(
        province="item__agreement__pairing__program__province",
        city="item__agreement__pairing__recipient__city",
        county="item__agreement__pairing__recipient__county",
        hospital=("item__agreement__pairing__recipient", "item__agreement__pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()
    PROTECTED_FILES = ("evidence",)  # served by core.files after for_user, never from MEDIA_ROOT

    class Meta:
        verbose_name = _("协议事项进展")
        verbose_name_plural = verbose_name
        ordering = ["item", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.status}"


@audited()
class Membership(TimeStamped):
    """A user's place in an organisation with one role (SPEC §6); drives ``for_user`` scoping."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, null=True, blank=True)
    # Only roles that must see full national ID and phone numbers get this (commission staff by default).
    can_see_personal_data = models.BooleanField(_("可查看完整个人信息"), default=False)
    is_active = models.BooleanField(default=True)

    SCOPE = Scope(province="province", city="city", county="county", hospital=("hospital",))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = verbose_name
        constraints = [
            # Each role names exactly the one organisation it belongs to.
            models.CheckConstraint(
                condition=(
                    Q(
                        role=Role.PROVINCE_STAFF,
                        province__isnull=False,
                        city__isnull=True,
                        county__isnull=True,
                        hospital__isnull=True,
                    )
                    | Q(role=Role.CITY_STAFF, city__isnull=False, county__isnull=True, hospital__isnull=True)
                    | Q(role=Role.COUNTY_STAFF, county__isnull=False, hospital__isnull=True)
                    | Q(
                        role__in=[Role.SUPPORTER_COORDINATOR, Role.RECIPIENT_COORDINATOR],
                        hospital__isnull=False,
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=True,
                    )
                    # A deployed person or team leader belongs to the hospital that employs them.
                    | Q(
                        role__in=[Role.DEPLOYED_PERSON, Role.TEAM_LEADER],
                        hospital__isnull=False,
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=True,
                    )
                    | (
                        Q(role=Role.DASHBOARD, hospital__isnull=True, county__isnull=True)
                        & (Q(province__isnull=False) | Q(city__isnull=False))
                    )
                ),
                name="membership_role_matches_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def organisation(self) -> object:
        return self.hospital or self.county or self.city or self.province


class ApiClient(models.Model):
    """A read-only dashboard client of the REST API (数据看板), scoped to a province or one of its cities.

    Only a SHA-256 hash of the token is stored; the token is shown once when the client is created. Each
    client owns a dedicated user with a ``dashboard`` membership, so ``for_user`` scopes it like any user.
    ``province`` is always set (a city client's is its city's province) so province staff see both kinds.
    """

    name = models.CharField(_("名称"), max_length=80)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="api_clients")
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="api_clients"
    )
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    prefix = models.CharField(_("令牌前缀"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    SCOPE = Scope(province="province", city="city")
    objects = ScopedQuerySet.as_manager()
    # Not a column: the data generation read with the token (api_client_authenticate), for the answer cache.
    data_generation: int | None = None

    class Meta:
        verbose_name = _("API 客户端")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# Security/reliability area: the users' audit trail (see pairings/ops_models.py).
import pairings.ops_models  # noqa: E402,F401
