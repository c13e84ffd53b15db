"""基层帮扶工作经历证明 (SPEC §2 step 6): issued only to a person who passed the end-of-stint appraisal and
whose continuous stay met the minimum (LEADER_MIN_STAY / MEMBER_MIN_STAY). The stay is the one the rule
judges (``teams.selectors.stays``): a leader kept on across two rotations is judged on the whole stay.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Certificate, EndOfStintAppraisal
from pairings.models import Program
from teams.models import Deployment
from teams.selectors.deployments import deployment_span
from teams.selectors.stays import stays_of_deployments


@dataclasses.dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str  # "" | "no_appraisal" | "not_qualified" | "not_ended" | "stay_too_short"
    message: str
    min_months: int | None = None
    required_end: dt.date | None = None


REASONS = {
    "": _("符合条件，可出具证明。"),
    "no_appraisal": _("尚无期满书面考核意见，不出具证明。"),
    "not_qualified": _("期满考核不合格，不出具证明。"),
    "not_ended": _("派驻尚未期满，不出具证明。"),
    "stay_too_short": _("驻点时间未达到最低要求，不出具证明。"),
}


def certificate_eligibility(*, deployment: Deployment, today: dt.date | None = None) -> Eligibility:
    """Why a certificate is or is not issued for ``deployment``; reads the appraisal if any."""
    today = today or timezone.localdate()
    rules = deployment.team.pairing.program.rules
    _start, end = deployment_span(deployment)
    stay = stays_of_deployments(deployment_ids=[deployment.pk], rules=rules)[deployment.pk]
    months, required = stay.required_months, stay.required_end
    appraisal = EndOfStintAppraisal.objects.filter(deployment=deployment).first()
    reason = ""
    if appraisal is None:
        reason = "no_appraisal"
    elif not appraisal.qualified:
        reason = "not_qualified"
    elif end > today:
        reason = "not_ended"
    elif not stay.met:
        reason = "stay_too_short"
    return Eligibility(not reason, reason, str(REASONS[reason]), months, required)


def _next_number(program: Program) -> str:
    """GS2022-000123: the program code and a sequence per program. Called under a row lock on the program
    so two issues never take the same number."""
    prefix = f"{program.code}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def certificate_issue_if_eligible(
    *, appraisal: EndOfStintAppraisal, today: dt.date | None = None
) -> Certificate | None:
    """Issue the certificate once (idempotent); None when not eligible. Runs inside the caller's
    transaction; the verification code is unguessable (``secrets.token_urlsafe``)."""
    deployment = appraisal.deployment
    existing = Certificate.objects.filter(appraisal=appraisal).first()
    if existing is not None:
        return existing
    if not certificate_eligibility(deployment=deployment, today=today).eligible:
        return None
    today = today or timezone.localdate()
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=deployment.team.pairing.program_id)
        return Certificate.objects.create(
            appraisal=appraisal,
            number=_next_number(program),
            verification_code=secrets.token_urlsafe(18)[:24],
            issued_on=today,
        )


def certificate_is_valid(certificate: Certificate) -> bool:
    """Valid while the appraisal behind it still says qualified (a corrected appraisal revokes it)."""
    return bool(certificate.appraisal.qualified)


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the public page never shows a full name."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
