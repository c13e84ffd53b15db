"""Training of recipient staff at supporters, on-site training sessions and remote services."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from core.identifiers import NationalIdField, national_id_db_check
from pairings.models import Hospital, Pairing, TimeStamped
from training.choices import RemoteServiceKind, StintKind, StintStatus


def _scope(prefix: str) -> Scope:
    return Scope(
        province=f"{prefix}program__province",
        city=f"{prefix}recipient__city",
        county=f"{prefix}recipient__county",
        hospital=(f"{prefix}recipient", f"{prefix}supporters__hospital"),
    )


@audited()
class TraineeStint(TimeStamped):
    """One recipient staff member trained (free) at a supporting hospital (进修 / 住培 / 短期培训)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="trainee_stints")
    host = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="hosted_trainees")
    trainee_name = models.CharField(_("学员姓名"), max_length=40)
    trainee_national_id = NationalIdField(_("身份证号"), blank=True)
    department = models.CharField(_("科室"), max_length=60, blank=True)
    specialty = models.CharField(_("进修专业"), max_length=60, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=StintKind.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    is_free = models.BooleanField(_("免费"), default=True)
    # TRAINING_QUOTA counts clinical backbone doctors or technicians (临床骨干医师或医技人员) where the
    # preset says so (``training_backbone_only``); the recipient unticks this for other staff.
    is_backbone = models.BooleanField(_("临床骨干医师或医技人员"), default=True)
    completed = models.BooleanField(_("已结业"), default=False)
    # Nomination by the recipient, acceptance by the host (issue 15). Rows from before default to accepted.
    status = models.CharField(
        _("状态"), max_length=12, choices=StintStatus.choices, default=StintStatus.ACCEPTED
    )
    nominated_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    nominated_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("接收/拒绝时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("未接收原因"), max_length=200, blank=True)

    SCOPE = _scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("进修培训")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="stint_dates_ordered"),
            national_id_db_check("trainee_national_id", name="trainee_national_id_format", allow_blank=True),
        ]

    def __str__(self) -> str:
        return f"{self.trainee_name} · {self.get_kind_display()}"


class OnSiteTraining(TimeStamped):
    """A training session held at the recipient by the resident team."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="onsite_trainings")
    date = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=200)
    trainer = models.CharField(_("授课人"), max_length=40, blank=True)
    attendees = models.PositiveIntegerField(_("参训人数"), default=0)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=0)

    SCOPE = _scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("现场培训")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "date"]


class RemoteService(TimeStamped):
    """Remote services delivered in a month (远程会诊、查房、病理、影像、教育)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="remote_services")
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="remote_services")
    month = models.DateField(_("月份"))
    kind = models.CharField(_("类型"), max_length=16, choices=RemoteServiceKind.choices)
    count = models.PositiveIntegerField(_("次数"))

    SCOPE = _scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("远程服务")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "month", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "supporter", "month", "kind"], name="remote_unique_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="remote_month_first_day"),
        ]
