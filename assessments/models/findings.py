"""assessments models: findings."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.choices import (
    FindingStatus,
    RectificationStatus,
    RunTrigger,
    Severity,
    SubjectType,
)
from assessments.models.scopes import _pairing_scope
from assessments.rules.messages import render_message
from core.access import Scope, ScopedQuerySet, audited
from core.jobs.models import Job
from pairings.models import Agreement, County, Hospital, Pairing, Program, TimeStamped
from teams.models import Deployment, Staff, Team


class RuleRun(Job):
    """One execution of the rule engine over a program or a pairing (a job row, core.jobs, the UI shows)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rule_runs")
    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, null=True, blank=True, related_name="rule_runs"
    )
    trigger = models.CharField(
        _("触发方式"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(_("各规则统计"), default=dict, blank=True)

    SCOPE = Scope(
        province="program__province",
        city="pairing__recipient__city",
        county="pairing__recipient__county",
        hospital=("pairing__recipient", "pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta(Job.Meta):
        verbose_name = _("规则检查运行")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"RuleRun #{self.pk} {self.program.code} {self.status}"

    def job_task_name(self) -> str:
        if self.pairing_id:
            return "assessments.rules.run_pairing_rules"
        return "assessments.rules.run_program_rules"


# A rerun stamps last_seen / last_run on every finding that still holds: no audit event for that alone.
@audited(ignore_updates_of=("last_seen", "last_run", "updated_at"))
class Finding(TimeStamped):
    """A rule violation. The fingerprint is stable across runs so a rerun updates instead of duplicating.

    Indexes are few on purpose (issue 18): every run writes every finding it sees again (``last_seen``,
    ``last_run``), and each index is one more entry per row written. Nothing indexes ``last_run`` and a
    rerun leaves ``updated_at`` alone when nothing else changed, so that stamp is a HOT update (no index
    entries at all) into the room the fillfactor keeps free on each page (migration 0014). The program
    and pairing are served by the two composite indexes; the other references, NULL on most findings, by
    partial indexes (deleting a deployment or a team finds its findings without indexing the NULLs).
    """

    rule_code = models.CharField(_("规则"), max_length=32)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="findings", db_index=False)
    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    subject_type = models.CharField(_("对象类型"), max_length=12, choices=SubjectType.choices)
    subject_id = models.BigIntegerField(_("对象ID"))
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    county = models.ForeignKey(
        County, on_delete=models.CASCADE, null=True, blank=True, related_name="findings", db_index=False
    )
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    # The message as data (key = Chinese msgid, params JSON), rendered for the reader by ``text``; ``message``
    # keeps the Chinese rendering (admin search, and the only text of findings stored before keys existed).
    message = models.TextField(_("说明"))
    message_key = models.TextField(_("说明模板"), blank=True, default="")
    message_params = models.JSONField(_("说明参数"), default=dict, blank=True)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    # Unique by a constraint (below), not ``unique=True``: that would add a second, LIKE-pattern index.
    fingerprint = models.CharField(max_length=64)
    # A hash of what the finding says (everything the rule drafted but the fingerprint; the rule engine's
    # ``draft_digest``): a run rewrites a finding only when it differs, and merely stamps the others as seen.
    digest = models.CharField(max_length=32, blank=True, default="", editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    waived_at = models.DateTimeField(_("豁免时间"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    waive_reason = models.TextField(_("豁免理由"), blank=True)
    # Not indexed: stamped on every finding by every run (an index would make each stamp a full row write in
    # every index). Deleting a run (never done by the product) scans the findings once.
    last_run = models.ForeignKey(
        RuleRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    SCOPE = Scope(
        province="program__province",
        city="pairing__recipient__city",
        county="pairing__recipient__county",
        hospital=("pairing__recipient", "pairing__supporters__hospital"),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = verbose_name
        ordering = ["-last_seen"]
        indexes = [
            # Covering the indicators' open findings by rule and severity (issue 18): an index-only scan
            # instead of reading every finding's message and evidence. A rerun's stamps stay HOT updates.
            models.Index(
                fields=["program", "rule_code", "status"],
                include=["severity", "pairing", "period_start", "period_end"],
                name="finding_program_rule_status",
            ),
            models.Index(fields=["pairing", "status"], name="finding_pairing_status"),
            *(
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"finding_{name}")
                for name in ("team", "deployment", "staff", "agreement", "hospital", "county", "waived_by")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="finding_fingerprint_unique"),
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.WAIVED)
                | (~Q(waive_reason="") & Q(waived_at__isnull=False)),
                name="finding_waiver_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="finding_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.message[:60]}"

    @property
    def text(self) -> str:
        """The message in the active language (the stored text for findings without a key)."""
        return render_message(self.message_key, self.message_params, fallback=self.message)


@audited()
class Rectification(TimeStamped):
    """An order to fix one or several open findings of one pairing by a date (限期整改, SPEC §3 consequences).

    Commission staff assign it to the responsible hospital (the pairing's recipient or one of its supporters)
    with an instruction; that hospital's coordinator answers with text and evidence files; the commission
    accepts (the findings close as rectified) or sends it back with a comment, and the hospital answers again.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rectifications")
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="rectifications")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="rectifications")
    findings = models.ManyToManyField(Finding, related_name="rectifications")
    instruction = models.TextField(_("整改要求"))
    due_date = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.ASSIGNED
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(_("审核意见"), blank=True)

    SCOPE = _pairing_scope("pairing__")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("限期整改")
        verbose_name_plural = verbose_name
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="rectification_status_due")]

    def __str__(self) -> str:
        return f"Rectification #{self.pk} ({self.hospital_id}, {self.due_date})"

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date and not yet answered (an answer waiting for review is the commission's turn)."""
        waiting = self.status in (RectificationStatus.ASSIGNED, RectificationStatus.RETURNED)
        return waiting and self.due_date < today


@audited()
class RectificationAnswer(models.Model):
    """One answer of the responsible hospital (a rectification sent back gets another)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("整改情况"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"))

    class Meta:
        ordering = ["answered_at", "pk"]

    def __str__(self) -> str:
        return f"Answer #{self.pk} to rectification {self.rectification_id}"


class RectificationEvidence(models.Model):
    """An evidence file of an answer (PDF, image or office document; content-sniffed, size-limited)."""

    answer = models.ForeignKey(RectificationAnswer, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to="rectifications/%Y/")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveIntegerField(_("大小"))

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
