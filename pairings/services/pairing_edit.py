"""Editing a pairing on its page (issue 14 item 2): supporters, lead, kind of assistance, status.

Province staff only, with a reason kept in the audit trail. A change of supporters or of the lead changes who
answers for the pairing's rules, so it announces ``core.events.pairing_changed`` (the rule engine re-checks
the pairing after commit).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import events
from core.access import User
from core.audit import audit_context
from core.permissions import is_province_staff
from pairings.choices import AssistanceKind, HospitalRole, PairingStatus
from pairings.models import Hospital, Pairing, PairingSupporter


def pairing_update(
    *,
    user: User,
    pairing: Pairing,
    supporters: Sequence[Hospital],
    lead: Hospital,
    kind: str,
    status: str,
    reason: str,
) -> Pairing:
    """Set the pairing's supporters (one of them the lead), kind and status; all or nothing.

    A supporter taken off keeps its past rosters and deployments (they point at the hospital); it simply no
    longer answers for the pairing from now on.
    """
    if not is_province_staff(user, province_id=pairing.program.province_id):
        raise PermissionDenied(_("只有本省卫健委工作人员可以修改帮扶关系。"))
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("请填写修改理由。")
    if not supporters:
        errors["supporters"] = _("至少需要一家支援医院。")
    elif any(h.role != HospitalRole.SUPPORTER for h in supporters):
        errors["supporters"] = _("所选医院须为支援医院。")
    elif lead not in supporters:
        errors["lead"] = _("牵头医院须为所选支援医院之一。")
    if kind not in AssistanceKind.values:
        errors["kind"] = _("未知的帮扶方式。")
    if status not in PairingStatus.values:
        errors["status"] = _("未知的状态。")
    if errors:
        raise ValidationError(errors)
    current = {ps.hospital_id: ps for ps in pairing.supporters.all()}
    wanted = {h.pk for h in supporters}
    old_lead = next((hid for hid, ps in current.items() if ps.is_lead), None)
    with transaction.atomic(), audit_context(actor=user, source="service:pairing_update", reason=reason):
        gone = [ps.pk for hid, ps in current.items() if hid not in wanted]
        if gone:
            PairingSupporter.objects.filter(pk__in=gone).delete()
        # The lead flag moves in two statements: the unique "one lead" index is not deferrable.
        pairing.supporters.filter(is_lead=True).exclude(hospital=lead).update(is_lead=False)
        PairingSupporter.objects.bulk_create(
            [
                PairingSupporter(pairing=pairing, hospital_id=hid, is_lead=False)
                for hid in wanted
                if hid not in current
            ]
        )
        pairing.supporters.filter(hospital=lead).update(is_lead=True)
        pairing.kind, pairing.status = kind, status
        pairing.save(update_fields=["kind", "status", "updated_at"])
        if old_lead != lead.pk or gone or wanted - set(current):
            events.pairing_changed(
                pairing_id=pairing.pk, reason=f"pairing {pairing.pk} supporters/lead edited"
            )
    return pairing
