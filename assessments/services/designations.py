"""Who leads a pairing and who designated its team leader (SPEC §3, leader designation).

Both writes change what LEADER_DESIGNATION finds, so both ask for a recheck of the pairing in the same
transaction (the rule run starts after commit; a rolled-back write leaves none behind).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pairings.access import get_membership, is_global
from pairings.choices import Role
from pairings.models import Hospital, Pairing
from pairings.services import pairing_set_lead
from teams.choices import DeploymentRole
from teams.models import Deployment, LeaderDesignation

from .findings import request_pairing_recheck


def may_designate_leader(user: Any, pairing: Pairing) -> bool:
    """The lead hospital's coordinator designates; the province commission may record it on its behalf."""
    if is_global(user):
        return True
    m = get_membership(user)
    if m is None:
        return False
    if m.role == Role.PROVINCE_STAFF:
        return m.province_id == pairing.program.province_id
    if m.role == Role.SUPPORTER_COORDINATOR:
        return (
            m.hospital_id is not None
            and pairing.supporters.filter(hospital_id=m.hospital_id, is_lead=True).exists()
        )
    return False


@transaction.atomic
def pairing_lead_change(*, user: Any, pairing: Pairing, lead: Hospital) -> None:
    """Move the lead to another supporter and re-check the pairing: its leader designations now answer to
    the new lead (the entry point for views and the API; ``pairings.services.pairing_set_lead`` is the
    registry's own write)."""
    pairing_set_lead(user=user, pairing=pairing, lead=lead)
    request_pairing_recheck(pairing_id=pairing.pk, reason=f"lead changed to hospital {lead.pk}")


@transaction.atomic
def leader_designate(
    *, user: Any, deployment: Deployment, designated_on: dt.date, note: str = ""
) -> LeaderDesignation:
    """Record that the pairing's lead hospital designated (确定) this leader from a partner hospital."""
    pairing = deployment.team.pairing
    if not may_designate_leader(user, pairing):
        raise PermissionDenied(_("只有牵头医院或省级卫健委可以记录队长的确定"))
    if deployment.role != DeploymentRole.LEADER:
        raise ValidationError({"deployment": _("只能为队长记录确定")})
    lead = pairing.supporters.select_related("hospital").get(is_lead=True).hospital
    designation, _created = LeaderDesignation.objects.update_or_create(
        deployment=deployment,
        defaults={
            "designated_by": lead,
            "designated_on": designated_on,
            "recorded_by": user if getattr(user, "is_authenticated", False) else None,
            "note": note,
        },
    )
    request_pairing_recheck(pairing_id=pairing.pk, reason=f"leader of deployment {deployment.pk} designated")
    return designation
