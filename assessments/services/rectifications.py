"""Rectification (限期整改): open findings assigned to a hospital by a date; answered; accepted or sent back.

Who may do what is decided here once (the ``may_*`` predicates) and used by pages, the API and the services:

* assign, accept, send back — commission staff of the province or of the pairing's city (``for_user`` scope);
* answer — the coordinator of the hospital the rectification is assigned to.

A refused write raises ``PermissionDenied`` and changes nothing; bad input raises ``ValidationError`` (by
field) and changes nothing — evidence files are all checked before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import FindingStatus, RectificationStatus
from assessments.evidence_files import MAX_FILES_PER_ANSWER, sniff_evidence
from assessments.models import Finding, Rectification, RectificationAnswer, RectificationEvidence
from core.access import User, is_global
from core.permissions import is_city_staff, is_province_staff, own_hospital_id
from core.roles import Role
from core.uploads import UploadError
from pairings.models import Hospital, Pairing, PairingSupporter

ANSWER_ROLES = frozenset({Role.SUPPORTER_COORDINATOR, Role.RECIPIENT_COORDINATOR})
ACTIVE = (RectificationStatus.ASSIGNED, RectificationStatus.ANSWERED, RectificationStatus.RETURNED)


# --- who may ------------------------------------------------------------------------------------------------


def may_assign_rectification(user: User, pairing: Pairing) -> bool:
    """Commission staff (province, or the pairing's city) who can see the pairing."""
    if not (is_province_staff(user) or is_city_staff(user)):
        return False
    return is_global(user) or Pairing.objects.for_user(user).filter(pk=pairing.pk).exists()


def may_decide_rectification(user: User, rectification: Rectification) -> bool:
    """Accept or send back: the same commission staff as may assign."""
    return may_assign_rectification(user, rectification.pairing)


def may_answer_rectification(user: User, rectification: Rectification) -> bool:
    """The coordinator of the responsible hospital."""
    own = {own_hospital_id(user, role) for role in ANSWER_ROLES} - {None}
    return rectification.hospital_id in own


def responsible_hospitals(pairing: Pairing) -> list[Hospital]:
    """Who may be made responsible: the pairing's recipient, then its supporters (lead first)."""
    supporters = [
        ps.hospital
        for ps in PairingSupporter.objects.filter(pairing=pairing)
        .select_related("hospital")
        .order_by("-is_lead")
    ]
    return [pairing.recipient, *supporters]


# --- writes -------------------------------------------------------------------------------------------------


def rectification_assign(
    *,
    user: User,
    findings: Sequence[Finding],
    hospital: Hospital,
    due_date: dt.date,
    instruction: str,
    today: dt.date | None = None,
) -> Rectification:
    """Order the responsible hospital to fix open findings of one pairing by ``due_date``."""
    today = today or timezone.localdate()
    if not findings:
        raise ValidationError({"findings": _("请至少选择一个问题。")})
    pairing_ids = {fd.pairing_id for fd in findings if fd.pairing_id is not None}
    if len(pairing_ids) != 1 or any(fd.pairing_id is None for fd in findings):
        raise ValidationError({"findings": _("一次整改的问题须属于同一帮扶关系。")})
    pairing = Pairing.objects.select_related("recipient", "program").get(pk=pairing_ids.pop())
    if not may_assign_rectification(user, pairing):
        raise PermissionDenied(_("只有省、市卫生健康委工作人员可以下达整改。"))
    instruction = (instruction or "").strip()
    errors: dict[str, str] = {}
    if not instruction:
        errors["instruction"] = _("请填写整改要求。")
    if due_date < today:
        errors["due_date"] = _("整改期限不能早于今天。")
    if hospital.pk not in {h.pk for h in responsible_hospitals(pairing)}:
        errors["hospital"] = _("整改责任医院须为该帮扶关系的受援医院或支援医院。")
    if errors:
        raise ValidationError(errors)
    ids = [fd.pk for fd in findings]
    with transaction.atomic():
        locked = list(Finding.objects.select_for_update().filter(pk__in=ids))
        not_open = [fd.pk for fd in locked if fd.status != FindingStatus.OPEN]
        if not_open or len(locked) != len(set(ids)):
            raise ValidationError({"findings": _("只能对未整改的问题下达整改。")})
        busy = Rectification.objects.filter(findings__in=ids, status__in=ACTIVE).exists()
        if busy:
            raise ValidationError({"findings": _("所选问题已在整改中。")})
        rectification = Rectification.objects.create(
            program_id=pairing.program_id,
            pairing=pairing,
            hospital=hospital,
            instruction=instruction,
            due_date=due_date,
            assigned_by=user,
        )
        rectification.findings.set(locked)
    return rectification


def rectification_answer(
    *, user: User, rectification: Rectification, text: str, files: Sequence[UploadedFile] = ()
) -> RectificationAnswer:
    """The responsible hospital answers with text and evidence files (all checked before any write)."""
    if not may_answer_rectification(user, rectification):
        raise PermissionDenied(_("只有整改责任医院的联络员可以答复。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写整改情况。")})
    if len(files) > MAX_FILES_PER_ANSWER:
        raise ValidationError({"files": _("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES_PER_ANSWER}})
    checked = []
    for f in files:
        try:
            kind, size = sniff_evidence(f, f.name or "")
        except UploadError as exc:
            raise ValidationError({"files": str(exc)}) from exc
        checked.append((f, kind, size))
    with transaction.atomic():
        locked = Rectification.objects.select_for_update().get(pk=rectification.pk)
        if locked.status not in (RectificationStatus.ASSIGNED, RectificationStatus.RETURNED):
            raise ValidationError(_("该整改当前不需要答复。"))
        answer = RectificationAnswer.objects.create(
            rectification=locked, text=text, answered_by=user, answered_at=timezone.now()
        )
        for f, kind, size in checked:
            f.seek(0)
            RectificationEvidence.objects.create(
                answer=answer, file=f, name=(f.name or "")[:200], kind=kind, size=size
            )
        locked.status = RectificationStatus.ANSWERED
        locked.save(update_fields=["status", "updated_at"])
    return answer


def _decide(user: User, rectification: Rectification) -> Rectification:
    if not may_decide_rectification(user, rectification):
        raise PermissionDenied(_("只有省、市卫生健康委工作人员可以审核整改。"))
    locked = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if locked.status != RectificationStatus.ANSWERED:
        raise ValidationError(_("只能审核已答复的整改。"))
    return locked


def rectification_accept(*, user: User, rectification: Rectification, comment: str = "") -> Rectification:
    """Accept the answer: the rectification is done; its findings close as rectified (reruns keep them so)."""
    now = timezone.now()
    with transaction.atomic():
        locked = _decide(user, rectification)
        locked.status = RectificationStatus.ACCEPTED
        locked.decided_at, locked.decided_by = now, user
        locked.decision_comment = (comment or "").strip()
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_comment", "updated_at"])
        # Finding.save() per row keeps the audit trail by trigger either way; one UPDATE is enough here.
        Finding.objects.filter(rectifications=locked, status=FindingStatus.OPEN).update(
            status=FindingStatus.RECTIFIED, resolved_at=now, updated_at=now
        )
    return locked


def rectification_send_back(*, user: User, rectification: Rectification, comment: str) -> Rectification:
    """Send the answer back with a comment; the hospital answers again (the due date stays)."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("退回须填写意见。")})
    with transaction.atomic():
        locked = _decide(user, rectification)
        locked.status = RectificationStatus.RETURNED
        locked.decided_at, locked.decided_by = timezone.now(), user
        locked.decision_comment = comment
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_comment", "updated_at"])
    return locked
