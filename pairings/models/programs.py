"""pairings models: programs."""

from __future__ import annotations

import functools
import json

import pgtrigger
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from pairings.choices import (
    AssistanceKind,
    HospitalRole,
    PairingStatus,
    ProgramPreset,
    ProgramStatus,
)
from pairings.models.registry import Hospital, Province, TimeStamped
from pairings.presets import PRESETS, RuleParams


@functools.lru_cache(maxsize=512)
def _parsed_rules(preset: str, params_json: str) -> RuleParams:
    # RuleParams is frozen, so one parsed instance serves every Program row with the same preset and
    # overrides: a page listing 400 pairings read program.rules 400 times (a third of the commission
    # home page's time). A ValidationError is not cached.
    known = PRESETS.get(preset)
    return RuleParams.from_json({**(known.params() if known else {}), **json.loads(params_json)})


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
        try:
            key = json.dumps(params or {}, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError):  # not JSON (a form's raw input): parsed, and refused, uncached
            preset = PRESETS.get(self.preset)
            return RuleParams.from_json({**(preset.params() if preset else {}), **(params or {})})
        return _parsed_rules(self.preset, key)

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
