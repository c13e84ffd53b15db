"""pairings models: agreements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from pairings.choices import (
    AgreementItemKind,
    AgreementKind,
    ItemStatus,
)
from pairings.models.programs import Pairing
from pairings.models.registry import Hospital, TimeStamped


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
