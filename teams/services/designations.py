"""Who designated a team leader from a partner hospital (SPEC §3, leader designation).

With several supporters the lead hospital designates (确定) the team leader; a partner hospital's person is
lawful when the lead designated them. The designation changes what LEADER_DESIGNATION finds, so recording
it announces the change (``core.events.pairing_changed``) and the rule engine re-checks the pairing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.access import User
from core.events import pairing_changed
from core.permissions import is_province_staff, own_hospital_id
from core.roles import Role
from pairings.models import Pairing
from teams.choices import DeploymentRole
from teams.models import Deployment, LeaderDesignation


def may_designate_leader(user: User, pairing: Pairing) -> bool:
    """The lead hospital's coordinator designates; the province commission may record it on its behalf."""
    if is_province_staff(user, province_id=pairing.program.province_id):
        return True
    hospital_id = own_hospital_id(user, Role.SUPPORTER_COORDINATOR)
    return (
        hospital_id is not None and pairing.supporters.filter(hospital_id=hospital_id, is_lead=True).exists()
    )


@transaction.atomic
def leader_designate(
    *, user: User, deployment: Deployment, designated_on: dt.date, note: str = ""
) -> LeaderDesignation:
    """Record that the pairing's current lead hospital designated this team leader."""
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
            "recorded_by": user,
            "note": note,
        },
    )
    pairing_changed(pairing_id=pairing.pk, reason=f"leader of deployment {deployment.pk} designated")
    return designation
