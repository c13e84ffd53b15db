"""teams models: rosters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet, audited
from pairings.models import Hospital, Pairing, TimeStamped
from teams.choices import (
    DeploymentRole,
    Post,
    RosterStatus,
)
from teams.models.scopes import _PAIRING_SCOPE_PREFIX, _owned_scope, _pairing_scope
from teams.models.staff import Staff


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
