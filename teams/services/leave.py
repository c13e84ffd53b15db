"""请假 (issue 19): the person asks; the team leader approves first, then the recipient's coordinator.

Approved leave is what excuses a working day in the attendance rate (``teams.selectors.attendance``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User
from core.permissions import is_recipient_coordinator, person_staff_id
from teams.choices import DeploymentRole, LeaveStatus
from teams.models import Deployment, LeaveRequest
from teams.selectors.people import leads_team

# A request longer than this is not leave but an interruption of the stay (the roster's business).
MAX_LEAVE_DAYS = 31


def leave_request(
    *, user: User, deployment: Deployment, start_date: dt.date, end_date: dt.date, reason: str
) -> LeaveRequest:
    """The person asks for leave inside their stay; a leader's own request goes to the recipient directly."""
    if person_staff_id(user) != deployment.staff_id:
        raise PermissionDenied(_("只能为本人申请请假。"))
    if end_date < start_date:
        raise ValidationError({"end_date": _("结束日期早于开始日期。")})
    if (end_date - start_date).days + 1 > MAX_LEAVE_DAYS:
        raise ValidationError({"end_date": _("一次请假不超过 %(n)d 天。") % {"n": MAX_LEAVE_DAYS}})
    if not (deployment.start <= start_date and end_date <= deployment.end):
        raise ValidationError({"start_date": _("请假日期不在派驻期内。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写事由。")})
    with transaction.atomic():
        # Lock the deployment so two requests filed at once cannot both pass the overlap check.
        Deployment.objects.select_for_update().filter(pk=deployment.pk).first()
        overlap = (
            LeaveRequest.objects.filter(
                deployment=deployment, start_date__lte=end_date, end_date__gte=start_date
            )
            .exclude(status=LeaveStatus.REFUSED)
            .exists()
        )
        if overlap:
            raise ValidationError({"start_date": _("与已有的请假申请日期重叠。")})
        leader = deployment.role == DeploymentRole.LEADER
        return LeaveRequest.objects.create(
            deployment=deployment,
            start_date=start_date,
            end_date=end_date,
            reason=reason.strip(),
            requested_by=user,
            status=LeaveStatus.LEADER_APPROVED if leader else LeaveStatus.REQUESTED,
        )


def _decide(user: User, leave: LeaveRequest) -> str:
    """Which step ``user`` may take on ``leave``: "leader" or "recipient"; PermissionDenied otherwise."""
    deployment = leave.deployment
    if leave.status == LeaveStatus.REQUESTED:
        if deployment.staff_id != person_staff_id(user) and leads_team(user, deployment.team_id):
            return "leader"
        raise PermissionDenied(_("请假申请须先由本队队长审批。"))
    if leave.status == LeaveStatus.LEADER_APPROVED:
        if is_recipient_coordinator(user, hospital_id=deployment.team.pairing.recipient_id):
            return "recipient"
        raise PermissionDenied(_("请假申请须由受援医院联络员审批。"))
    raise ValidationError(_("该请假申请已审批完毕。"))


def leave_approve(*, user: User, leave: LeaveRequest) -> LeaveRequest:
    """The next approval: the leader's (then it waits for the recipient) or the recipient's (approved)."""
    with transaction.atomic():
        leave = (
            LeaveRequest.objects.select_for_update()
            .select_related("deployment__team__pairing")
            .get(pk=leave.pk)
        )
        step = _decide(user, leave)
        now = timezone.now()
        if step == "leader":
            leave.status, leave.leader_by, leave.leader_at = LeaveStatus.LEADER_APPROVED, user, now
        else:
            leave.status, leave.decided_by, leave.decided_at = LeaveStatus.APPROVED, user, now
        leave.save(
            update_fields=["status", "leader_by", "leader_at", "decided_by", "decided_at", "updated_at"]
        )
    return leave


def leave_refuse(*, user: User, leave: LeaveRequest, note: str = "") -> LeaveRequest:
    """Whoever's step it is may refuse instead, with a note."""
    with transaction.atomic():
        leave = (
            LeaveRequest.objects.select_for_update()
            .select_related("deployment__team__pairing")
            .get(pk=leave.pk)
        )
        step = _decide(user, leave)
        now = timezone.now()
        if step == "leader":
            leave.leader_by, leave.leader_at = user, now
        else:
            leave.decided_by, leave.decided_at = user, now
        leave.status, leave.note = LeaveStatus.REFUSED, note.strip()[:200]
        leave.save()
    return leave
