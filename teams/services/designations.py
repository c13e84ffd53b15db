"""Who designated a team leader from a partner hospital (SPEC §3, leader designation).

With several supporters the lead hospital designates (确定) the team leader; a partner hospital's person is
lawful when the lead designated them. A designation names a person for a team (batch): the partner proposes
the person as leader on its roster, the lead's coordinator designates them from its own roster page, and
the roster's "exactly one leader" check (teams/services/rosters.py) and LEADER_DESIGNATION read it. Recording
or revoking it announces the change (``core.events.pairing_changed``) so the rule engine re-checks the
pairing; the model is audited (pghistory), so who designated and who revoked stays on record.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.access import User
from core.events import pairing_changed
from core.permissions import is_province_staff, own_hospital_id
from core.roles import Role
from pairings.models import Pairing
from teams.choices import DeploymentRole
from teams.models import LeaderDesignation, Staff, Team


def may_designate_leader(user: User, pairing: Pairing) -> bool:
    """The lead hospital's coordinator designates; the province commission may record it on its behalf."""
    if is_province_staff(user, province_id=pairing.program.province_id):
        return True
    hospital_id = own_hospital_id(user, Role.SUPPORTER_COORDINATOR)
    return (
        hospital_id is not None and pairing.supporters.filter(hospital_id=hospital_id, is_lead=True).exists()
    )


def designation_candidates(team: Team) -> QuerySet[Staff]:
    """People a partner (non-lead) supporter proposes as this team's leader: a leader entry on one of its
    rosters of the team, or a leader deployment of the team. Only the lead (``may_designate_leader``) is
    shown them, and only name and title: the lead must see whom it designates, not the partner's directory.
    """
    partners = team.pairing.supporters.filter(is_lead=False).values("hospital_id")
    return (
        Staff.objects.filter(employer_id__in=partners)
        .filter(
            Q(roster_entries__roster__team=team, roster_entries__role=DeploymentRole.LEADER)
            | Q(deployments__team=team, deployments__role=DeploymentRole.LEADER)
        )
        .select_related("employer")
        .distinct()
        .order_by("name", "pk")
    )


@transaction.atomic
def leader_designate(
    *, user: User, team: Team, staff: Staff, designated_on: dt.date, note: str = ""
) -> LeaderDesignation:
    """Record that the pairing's current lead hospital designated ``staff`` (a partner's person) as the
    leader of ``team``; a new designation for the team replaces the previous one."""
    pairing = team.pairing
    if not may_designate_leader(user, pairing):
        raise PermissionDenied(_("只有牵头医院或省级卫健委可以记录队长的确定"))
    lead_row = pairing.supporters.select_related("hospital").filter(is_lead=True).first()
    if lead_row is None:
        raise ValidationError({"staff": _("本帮扶关系未设牵头医院，无需确定队长")})
    if not designation_candidates(team).filter(pk=staff.pk).exists():
        raise ValidationError({"staff": _("只能确定合作医院在本批名单中拟任队长（或已派驻为队长）的人员")})
    designation, _created = LeaderDesignation.objects.update_or_create(
        team=team,
        defaults={
            "staff": staff,
            "designated_by": lead_row.hospital,
            "designated_on": designated_on,
            "recorded_by": user,
            "note": note.strip()[:200],
        },
    )
    pairing_changed(pairing_id=pairing.pk, reason=f"leader of team {team.pk} designated")
    return designation


@transaction.atomic
def leader_designation_revoke(*, user: User, designation: LeaderDesignation) -> None:
    """Withdraw a designation (the audit trail keeps the deleted row and who revoked it)."""
    team = designation.team
    if not may_designate_leader(user, team.pairing):
        raise PermissionDenied(_("只有牵头医院或省级卫健委可以撤销队长的确定"))
    designation.delete()
    pairing_changed(pairing_id=team.pairing_id, reason=f"leader designation of team {team.pk} revoked")


def current_designation(team: Team) -> LeaderDesignation | None:
    """The team's designation by the pairing's *current* lead, if any (one by a former lead does not count,
    as in LEADER_DESIGNATION)."""
    return (
        LeaderDesignation.objects.filter(
            team=team,
            designated_by__pairings_supported__pairing_id=team.pairing_id,
            designated_by__pairings_supported__is_lead=True,
        )
        .select_related("staff", "designated_by")
        .first()
    )
