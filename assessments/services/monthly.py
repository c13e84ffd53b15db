"""Monthly assessment (月考核) of a deployed person by the recipient (SPEC §2 step 5, §3 MONTHLY_SCORE).

``monthly_outcome`` is the one computation of pass/fail, subsidy and deduction. Two entry points use it:
``monthly_assessment_create`` here (hospital systems post a total score through the API) and
``appraisals.monthly_assessment_upsert`` (the web form scores the program's items one by one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessments.models import MonthlyAssessment
from core.access import User, get_membership
from core.dates import month_overlaps
from core.roles import Role
from pairings.presets import RuleParams
from teams.models import Deployment


def monthly_outcome(*, rules: RuleParams, score: Decimal) -> tuple[bool, int, int]:
    """(passed, subsidy, deduction) for a score under a program's MONTHLY_SCORE parameters.

    ``monthly_pass_score`` None means the rule is off: every score passes and nothing is deducted. A fail
    deducts ``monthly_deduction`` from ``monthly_subsidy`` (never more than the subsidy itself).
    """
    subsidy = rules.monthly_subsidy
    if rules.monthly_pass_score is None:
        return True, subsidy, 0
    passed = score >= rules.monthly_pass_score
    deduction = 0 if passed else min(rules.monthly_deduction, subsidy)
    return passed, subsidy, deduction


def monthly_assessment_create(
    *,
    user: User,
    deployment: Deployment,
    month: dt.date,
    score: Decimal,
    items: dict[str, Any] | None = None,
    comment: str = "",
) -> MonthlyAssessment:
    """Record one month's assessment of a person deployed to the user's own (recipient) hospital.

    Only the recipient's coordinator assesses (SPEC §6). Pass/fail and the deduction follow the program's
    ``monthly_pass_score`` / ``monthly_deduction`` / ``monthly_subsidy``.
    """
    membership = get_membership(user)
    if membership is None or membership.role != Role.RECIPIENT_COORDINATOR:
        raise PermissionDenied(_("只有受援医院联络员可以录入月考核。"))
    scoped = (
        Deployment.objects.for_user(user)
        .select_related("team__pairing__program", "team__pairing__recipient")
        .filter(pk=deployment.pk)
        .first()
    )
    if scoped is None or scoped.team.pairing.recipient_id != membership.hospital_id:
        raise ValidationError({"deployment": _("派驻记录不存在。")})
    deployment = scoped
    errors: dict[str, str] = {}
    if month.day != 1:
        errors["month"] = _("月份须为该月第一天。")
    elif not month_overlaps(month, deployment.start, deployment.end):
        errors["month"] = _("该月不在派驻期内。")
    if not Decimal(0) <= score <= Decimal(100):
        errors["score"] = _("得分须在 0 到 100 之间。")
    if errors:
        raise ValidationError(errors)
    passed, subsidy, deduction = monthly_outcome(rules=deployment.team.pairing.program.rules, score=score)
    try:
        # The unique (deployment, month) constraint decides between concurrent submissions.
        with transaction.atomic():
            return MonthlyAssessment.objects.create(
                deployment=deployment,
                month=month,
                score=score,
                items=items or {},
                passed=passed,
                subsidy_cny=subsidy,
                deduction_cny=deduction,
                comment=comment,
                assessed_by=user,
            )
    except IntegrityError as exc:
        raise ValidationError({"month": _("该月已考核。")}) from exc
