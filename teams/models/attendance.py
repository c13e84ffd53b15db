"""teams models: attendance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet, audited
from pairings.models import Hospital, TimeStamped
from teams.choices import (
    AttendanceSource,
    AttendanceStatus,
    LeaveStatus,
)
from teams.models.deployments import Deployment
from teams.models.imports import ImportJob
from teams.models.scopes import _hospital_scope, _person_records_scope
from teams.models.staff import Staff


@audited()
class AttendanceRecord(TimeStamped):
    """One day of one deployment: first punch = check-in, last = check-out (SPEC §2 step 5)."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="attendance")
    date = models.DateField(_("日期"))
    check_in = models.DateTimeField(_("上班打卡"), null=True, blank=True)
    check_out = models.DateTimeField(_("下班打卡"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=AttendanceStatus.choices)
    source = models.CharField(
        _("来源"), max_length=10, choices=AttendanceSource.choices, default=AttendanceSource.MANUAL
    )
    approval_ref = models.CharField(_("审批单号"), max_length=64, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    SCOPE = _person_records_scope()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = verbose_name
        ordering = ["deployment", "date"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "date"], name="attendance_one_per_day"),
        ]


@audited()
class LeaveRequest(TimeStamped):
    """请假 (issue 19): the person asks, the team leader approves, then the recipient's coordinator.

    Approved leave excuses its working days in the attendance rate (``teams.selectors.attendance``), as
    approved leave recorded in a DingTalk export does. A leader's own request goes straight to the recipient.
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="leave_requests")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=LeaveStatus.choices, default=LeaveStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leader_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leader_at = models.DateTimeField(_("队长审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("受援医院审批时间"), null=True, blank=True)
    note = models.CharField(_("审批意见"), max_length=200, blank=True)

    SCOPE = _person_records_scope()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = verbose_name
        ordering = ["deployment", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="leave_dates_ordered"),
        ]
        indexes = [models.Index(fields=["deployment", "status"], name="leave_deployment_status")]

    def __str__(self) -> str:
        return f"{self.deployment} · {self.start_date}–{self.end_date}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class DingTalkIdentity(TimeStamped):
    """Which staff member a DingTalk user id of a hospital's organisation is (钉钉 UserId ↔ 人员)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="dingtalk_identities")
    userid = models.CharField(_("钉钉 UserId"), max_length=64)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="dingtalk_identities")

    SCOPE = _hospital_scope()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("钉钉账号")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["hospital", "userid"], name="dingtalk_identity_unique_userid"),
        ]

    def __str__(self) -> str:
        return f"{self.userid} → {self.staff}"


class PunchKind(models.TextChoices):
    ON = "on", _("上班")
    OFF = "off", _("下班")
    LEAVE = "leave", _("请假")
    TRIP = "trip", _("出差")


class AttendancePunch(models.Model):
    """One raw DingTalk punch (原始记录) of a recipient's export, kept as imported.

    ``key`` is the punch time in whole seconds and the check type (epoch × 4 + type; no time: below every
    time's), unique with the hospital, 考勤日期 and userid: importing the same or an overlapping export again
    adds nothing. (It was an md5 of all five as a uuid until migration 0017, which recomputed every key.)
    ``staff`` stays empty until the DingTalk user id is matched; such rows are the unmatched queue the
    coordinator resolves — never dropped.

    Every index is maintained for each of a million imported punches, so there are only two besides the
    primary key: the punch is unique as (hospital, work_date, userid, key). Day first because an export lists
    a day of every person before the next day: a batch of an import fills one end of the index instead of a
    few leaves of every person, and a re-import finds a batch's days as one range of it (the import's
    anti-join, teams.services.attendance). A userid's punches (its assignment) are read from the hospital's
    range of it. And (staff, work_date) holds only matched punches (most of an export is other staff of the
    hospital), the only ones the derive step reads by staff.
    """

    key = models.BigIntegerField()
    # No single-column indexes on hospital and staff: the two indexes below start with them.
    # No foreign-key constraint on hospital and job: the server would check each of a million punches
    # against the same row. The import is their only writer and locks both rows (FOR KEY SHARE, the lock
    # those checks take) for its transaction, so neither can go while its punches are written; Django still
    # cascades a hospital's deletion and empties a deleted job's punches (on_delete).
    hospital = models.ForeignKey(
        Hospital,
        on_delete=models.CASCADE,
        related_name="attendance_punches",
        db_index=False,
        db_constraint=False,
    )
    # No index on job either (~0.4 CPU-seconds a million): read only to count a crashed job's punches on its
    # rerun (teams.services.jobs), from the hospital's range of the unique index. Jobs are never deleted.
    job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Compared bytewise ("C"): the unique index and the import's sort compare a million userids, and the
    # database's C.UTF-8 goes through strcoll for the same order (code points are UTF-8's byte order).
    userid = models.CharField(_("钉钉 UserId"), max_length=64, db_collation="C")
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    department = models.CharField(_("部门"), max_length=80, blank=True)
    work_date = models.DateField(_("考勤日期"))
    punched_at = models.DateTimeField(_("打卡时间"), null=True, blank=True)
    kind = models.CharField(_("打卡类型"), max_length=8, choices=PunchKind.choices)
    result = models.CharField(_("打卡结果"), max_length=16, blank=True)
    location_result = models.CharField(_("位置结果"), max_length=16, blank=True)
    approval_ref = models.CharField(_("审批单"), max_length=64, blank=True)
    # No foreign-key constraint on staff either: its per-row trigger cost ~1.8 CPU-seconds of a million-punch
    # import. A punch's staff is written only by the import, from the hospital's DingTalk identities whose
    # staff rows it locks FOR KEY SHARE (the lock the trigger would take) until its punches commit, and by
    # ``unmatched_assign``, in the transaction whose DingTalkIdentity row checks the same staff by its own
    # constraint. Django sets a deleted staff member's punches to NULL (on_delete).
    staff = models.ForeignKey(
        Staff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    SCOPE = _hospital_scope()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("钉钉打卡记录")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "work_date", "userid", "key"], name="punch_unique_day_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["staff", "work_date"], name="punch_staff_day", condition=Q(staff__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.userid} {self.work_date} {self.kind}"
