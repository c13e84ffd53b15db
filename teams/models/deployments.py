"""teams models: deployments."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet, audited
from pairings.models import Hospital, TimeStamped
from teams.choices import (
    DeploymentRole,
    Post,
)
from teams.models.rosters import Roster, Team
from teams.models.scopes import _PAIRING_SCOPE_PREFIX, _owned_scope, _pairing_scope
from teams.models.staff import Staff


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
