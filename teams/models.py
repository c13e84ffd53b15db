"""Staff, resident teams, deployments, rosters, attendance, visiting experts and monthly activity."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from core.identifiers import LicenceField, NationalIdField, licence_db_check, national_id_db_check
from core.jobs.choices import JobStatus
from core.jobs.models import Job
from core.privacy import mask_national_id, mask_phone
from pairings.models import Hospital, Pairing, TimeStamped
from teams.choices import (
    AttendanceSource,
    AttendanceStatus,
    DeploymentRole,
    Gender,
    LeaveStatus,
    Post,
    ReportStatus,
    RosterStatus,
    Title,
)

_PAIRING_SCOPE_PREFIX = "team__pairing__"


def _pairing_scope(prefix: str, *extra_hospital_paths: str) -> Scope:
    return Scope(
        province=f"{prefix}program__province",
        city=f"{prefix}recipient__city",
        county=f"{prefix}recipient__county",
        hospital=(f"{prefix}recipient", f"{prefix}supporters__hospital", *extra_hospital_paths),
    )


def _owned_scope(prefix: str, owner: str) -> Scope:
    """A record of one supporter's people inside a pairing: rosters, attendance, workload.

    The joint team's composition (deployments) is shared with every supporter of the pairing; the
    people's personal data and records belong to their employer (``owner``, the deploying supporter),
    the recipient and the commission — not to a co-supporter of the same pairing (SPEC §6).
    """
    return dataclasses.replace(_pairing_scope(prefix), hospital=(f"{prefix}recipient", owner))


def _person_records_scope() -> Scope:
    """A deployed person's day-to-day records (attendance, workload, leave): theirs and their leader's."""
    return dataclasses.replace(
        _owned_scope("deployment__team__pairing__", "deployment__supporter"),
        person="deployment__staff",
        team="deployment__team",
    )


@audited()
class Staff(TimeStamped):
    """A person a supporter may deploy. National ID and phone are stored in full and shown masked."""

    employer = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    # Stable keys for imports (never match by name alone); at least one is required. Stored normalised
    # (core.identifiers): a full-width copy of someone's ID must not become a second person.
    national_id = NationalIdField(_("身份证号"), unique=True, null=True, blank=True)
    licence_no = LicenceField(_("执业证书编号"), unique=True, null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    title = models.PositiveSmallIntegerField(_("职称"), choices=Title.choices)
    specialty = models.CharField(_("专业"), max_length=60, blank=True)
    department = models.CharField(_("科室"), max_length=60, blank=True)
    # Experience is kept as start dates so it can be measured at any deployment's start.
    clinical_since = models.DateField(_("从事临床工作起始"), null=True, blank=True)
    management_since = models.DateField(_("从事管理工作起始"), null=True, blank=True)
    # Years of any work (Bozhou: 工作满6年), not only clinical; unknown falls back to clinical_since.
    work_since = models.DateField(_("参加工作起始"), null=True, blank=True)

    SCOPE = Scope(
        province="employer__province",
        city="deployments__team__pairing__recipient__city",
        county="deployments__team__pairing__recipient__county",
        hospital=("employer", "deployments__team__pairing__recipient"),
        # The person themselves; a leader also the people of the teams they lead (names and work, with
        # personal data masked: a person's membership never carries can_see_personal_data).
        person="id",
        team="deployments__team",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = verbose_name
        ordering = ["employer", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_id__isnull=False) | Q(licence_no__isnull=False),
                name="staff_has_stable_key",
            ),
            national_id_db_check("national_id", name="staff_national_id_format"),
            licence_db_check("licence_no", name="staff_licence_no_format"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @staticmethod
    def years_between(since: dt.date | None, on: dt.date) -> float:
        if since is None:
            return 0.0
        return (on - since).days / 365.25


@audited()
class Team(TimeStamped):
    """帮扶队: one rotation (轮换批次) of the resident team of a pairing in a year."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="teams")
    year = models.PositiveSmallIntegerField(_("年度"))
    rotation = models.PositiveSmallIntegerField(_("批次"), default=1)
    name = models.CharField(_("名称"), max_length=120, blank=True)
    start_date = models.DateField(_("轮换开始"))
    end_date = models.DateField(_("轮换结束"))

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶队")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "year", "rotation"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year", "rotation"], name="team_unique_rotation"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="team_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.name or str(
            _("%(recipient)s %(year)s 第%(rotation)s批")
            % {"recipient": self.pairing.recipient, "year": self.year, "rotation": self.rotation}
        )


@audited()
class Roster(TimeStamped):
    """派驻人员名单: a supporter's proposed people for a team; filed (备案) rosters are locked.

    A change after filing makes a new version (``previous`` points at the one it replaces).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rosters")
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="rosters")
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    forwarded_at = models.DateTimeField(_("市州上报时间"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("备案/退回时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("意见"), blank=True)

    SCOPE = _owned_scope(_PAIRING_SCOPE_PREFIX, "supporter")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("派驻名单")
        verbose_name_plural = verbose_name
        ordering = ["team", "supporter", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["team", "supporter", "version"], name="roster_unique_version"),
            models.CheckConstraint(
                condition=~Q(status=RosterStatus.FILED) | Q(decided_at__isnull=False),
                name="roster_filed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.supporter} · v{self.version}"

    @property
    def is_locked(self) -> bool:
        return self.status == RosterStatus.FILED


@audited()
class RosterEntry(models.Model):
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="entries")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="roster_entries")
    role = models.CharField(_("角色"), max_length=8, choices=DeploymentRole.choices)
    post = models.CharField(_("挂职岗位"), max_length=8, choices=Post.choices)
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划结束"))

    SCOPE = _owned_scope("roster__team__pairing__", "roster__supporter")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单人员")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["roster", "staff"], name="roster_entry_unique_staff"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="roster_entry_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()}"


class DateRange(Func):
    function = "daterange"
    output_field = DateRangeField()


@audited()
class Deployment(TimeStamped):
    """派驻: one person on one team for a date range, as leader or member, holding a post at the recipient.

    ``period`` is the actual range where known, else the planned one (inclusive). The database itself
    refuses a person on two deployments on the same day (NO_DOUBLE_DEPLOYMENT).
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployments")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="deployments")
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="deployments")
    roster = models.ForeignKey(
        Roster, on_delete=models.SET_NULL, null=True, blank=True, related_name="deployments"
    )
    role = models.CharField(_("角色"), max_length=8, choices=DeploymentRole.choices)
    post = models.CharField(_("挂职岗位"), max_length=8, choices=Post.choices)
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划结束"))
    actual_start = models.DateField(_("实际开始"), null=True, blank=True)
    actual_end = models.DateField(_("实际结束"), null=True, blank=True)
    # An actual end before the planned one is an early return (提前返回); its reason is required then.
    early_return_reason = models.CharField(_("提前返回原因"), max_length=200, blank=True)
    # Who this person replaces (替换): the replaced deployment ends the day before this one starts.
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replacements",
        verbose_name=_("替换"),
    )
    period = models.GeneratedField(
        expression=DateRange(
            Coalesce("actual_start", "planned_start"),
            # GREATEST keeps the range valid so the date-order check constraint reports a bad row by name.
            Greatest(Coalesce("actual_end", "planned_end"), Coalesce("actual_start", "planned_start")),
            Value("[]"),
        ),
        output_field=DateRangeField(),
        db_persist=True,
    )

    # The joint team's composition (who, role, post, dates) is shared with every supporter of the pairing.
    SCOPE = dataclasses.replace(_pairing_scope(_PAIRING_SCOPE_PREFIX), person="staff", team="team")
    # The person's records on this deployment (attendance, workload, monthly scores, spot checks, the
    # end-of-stint appraisal, the certificate) are the deploying supporter's, the recipient's and the
    # commission's: pages that list or open deployments for those records use this scope.
    RECORDS_SCOPE = dataclasses.replace(
        _owned_scope(_PAIRING_SCOPE_PREFIX, "supporter"), person="staff", team="team"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("派驻")
        verbose_name_plural = verbose_name
        ordering = ["team", "-role", "planned_start"]
        indexes = [models.Index(fields=["team", "planned_start"], name="deployment_team_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="deployment_planned_dates"
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="deployment_actual_dates",
            ),
            ExclusionConstraint(
                name="deployment_no_double_booking",
                expressions=[("staff", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                index_type="GIST",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.team}"

    @property
    def start(self) -> dt.date:
        return self.actual_start or self.planned_start

    @property
    def end(self) -> dt.date:
        return self.actual_end or self.planned_end


@audited()
class PersonAccount(TimeStamped):
    """A deployed person's log-in (issue 19): which ``Staff`` a user is. No self-registration.

    The supporter's coordinator invites a person on a roster; the person sets a password through a one-time
    activation link (``teams.services.accounts``). The account is deactivated a grace period after the end
    of the person's last deployment.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_account"
    )
    staff = models.OneToOneField(Staff, on_delete=models.PROTECT, related_name="account")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(_("邀请时间"), null=True, blank=True)
    activated_at = models.DateTimeField(_("激活时间"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    SCOPE = Scope(
        province="staff__employer__province",
        hospital=("staff__employer",),
        person="staff",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("派驻人员账号")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.staff} · {self.user}"


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


class ExpertVisitBatch(TimeStamped):
    """柔性帮扶: one batch of visiting experts from a supporter (counts batches and person-times)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="expert_visits")
    supporter = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="expert_visits")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    person_times = models.PositiveIntegerField(_("人次"))
    specialties = models.CharField(_("专业"), max_length=200, blank=True)
    activities = models.TextField(_("工作内容"), blank=True)

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("专家柔性帮扶批次")
        verbose_name_plural = verbose_name
        ordering = ["pairing", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="expert_visit_dates"),
            models.CheckConstraint(condition=Q(person_times__gte=1), name="expert_visit_person_times"),
        ]


class ActivityQuerySet(ScopedQuerySet["MonthlyActivity"]):
    def confirmed(self) -> ActivityQuerySet:
        """Figures the recipient confirmed: the only ones the assessment, reports and rules count."""
        return self.filter(status=ReportStatus.CONFIRMED)


class MonthlyActivity(TimeStamped):
    """Monthly activity figures of one deployed person (SPEC §2 step 5), and their monthly work report.

    One model for both (issue 19): the recipient's coordinator enters figures directly (confirmed at once),
    or the person files a work report (工作月报: the same figures and a narrative) that the team leader
    reviews and the recipient confirms. Only confirmed figures feed the assessment and the reports
    (``teams.selectors.activity.confirmed``); the rest is shown as the person's own statement.
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="activities")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    outpatient_visits = models.PositiveIntegerField(_("门诊人次"), default=0)
    surgeries = models.PositiveIntegerField(_("手术台次"), default=0)
    lectures = models.PositiveIntegerField(_("授课次数"), default=0)
    teaching_rounds = models.PositiveIntegerField(_("教学查房"), default=0)
    case_discussions = models.PositiveIntegerField(_("病例讨论"), default=0)
    remote_consultations = models.PositiveIntegerField(_("远程会诊"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.CONFIRMED
    )
    work_done = models.TextField(_("本月工作"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_plan = models.TextField(_("下月计划"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    SCOPE = _person_records_scope()
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度工作量")
        verbose_name_plural = verbose_name
        ordering = ["deployment", "month"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "month"], name="activity_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="activity_month_first_day"),
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


# --- Imports: DingTalk punches, identities and import jobs (issue 4) -----------------------------------


class ImportKind(models.TextChoices):
    ATTENDANCE = "attendance", _("钉钉考勤")
    ROSTER = "roster", _("派驻名单")
    ACTIVITY = "activity", _("月度工作量")
    PAIRINGS = "pairings", _("帮扶关系")


# Import jobs share the one job status vocabulary (core.jobs); the old name stays for readers of imports.
ImportStatus = JobStatus


def _hospital_scope(prefix: str = "") -> Scope:
    return Scope(
        province=f"{prefix}hospital__province",
        city=f"{prefix}hospital__city",
        county=f"{prefix}hospital__county",
        hospital=(f"{prefix}hospital",),
    )


class ImportJob(TimeStamped, Job):
    """One upload being imported: a job row (core.jobs) with counts and errors that the UI polls.

    Attendance imports run as jobs. The roster and workload uploads of the Excel pages are kept by the shared
    import framework (``core.imports.models.ImportUpload``) since it replaced their own wizards; the
    ``roster`` / ``activity`` / ``pairings`` kinds remain only for rows stored before (``run_after`` empty,
    so the dispatcher leaves them alone).
    The task that runs it is idempotent: punches are keyed, so a rerun after a crash inserts nothing twice.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="import_jobs")
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)

    # The uploaded file is the uploading hospital's working copy (full IDs and phones). The commission
    # supervises attendance imports (and may upload them itself); a roster upload stays the supporter's
    # until the roster is submitted, and dashboards never see jobs (issue 13 item 2).
    SCOPE = dataclasses.replace(_hospital_scope(), oversight=Q(kind=ImportKind.ATTENDANCE), dashboard=False)
    objects = ScopedQuerySet.as_manager()
    PROTECTED_FILES = ("file",)  # served by core.files after for_user

    class Meta(Job.Meta):
        verbose_name = _("导入任务")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def job_task_name(self) -> str:
        return "teams.tasks.run_import_job"


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

    ``key`` is md5(hospital, userid, punch time, check type): importing the same or an overlapping export
    again adds nothing. ``staff`` stays empty until the DingTalk user id is matched; such rows are the
    unmatched queue the coordinator resolves — never dropped.
    """

    key = models.UUIDField(unique=True)
    # No single-column indexes on hospital and staff: (hospital, userid) and (staff, work_date) below start
    # with them, and every index is maintained for each of a million imported punches.
    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, related_name="attendance_punches", db_index=False
    )
    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    userid = models.CharField(_("钉钉 UserId"), max_length=64)
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    department = models.CharField(_("部门"), max_length=80, blank=True)
    work_date = models.DateField(_("考勤日期"))
    punched_at = models.DateTimeField(_("打卡时间"), null=True, blank=True)
    kind = models.CharField(_("打卡类型"), max_length=8, choices=PunchKind.choices)
    result = models.CharField(_("打卡结果"), max_length=16, blank=True)
    location_result = models.CharField(_("位置结果"), max_length=16, blank=True)
    approval_ref = models.CharField(_("审批单"), max_length=64, blank=True)
    staff = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    SCOPE = _hospital_scope()
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("钉钉打卡记录")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["hospital", "userid"], name="punch_hospital_userid"),
            models.Index(fields=["staff", "work_date"], name="punch_staff_day"),
        ]

    def __str__(self) -> str:
        return f"{self.userid} {self.work_date} {self.kind}"


@audited()
class LeaderDesignation(TimeStamped):
    """The lead hospital's designation (确定) of a partner hospital's person as a team's leader (SPEC §3).

    With several supporters the lead hospital names the leader; a partner hospital's person is lawful when
    the lead designated them. A designation names a person for a team (batch), so the lead can designate
    the person the partner proposes on its roster before the roster is filed: the roster's "exactly one
    leader" check and LEADER_DESIGNATION both read it. The rule compares ``designated_by`` with the
    pairing's current lead, so a lead change asks for a new designation. One designated leader per team.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="leader_designations")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("队长"))
    designated_by = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    designated_on = models.DateField(_("确定日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    SCOPE = _pairing_scope(_PAIRING_SCOPE_PREFIX)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("队长确定")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["team"], name="one_designated_leader_per_team")]

    def __str__(self) -> str:
        return f"{self.team} · {self.staff.name} · {self.designated_by}"
