"""Roster submission and filing (派驻人员名单备案, SPEC §2 step 4).

draft/returned --submit--> submitted --(out-of-province supporter: city forwards)--> forwarded --file--> filed
A filed roster is locked; a change makes a new version (``previous``) that must be filed again. Filing writes
the team's Deployments from the entries and asks the rule engine to re-check the pairing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events, permissions
from core.access import User
from core.audit import audit_context
from pairings.choices import HospitalOrigin
from pairings.models import Hospital, PairingSupporter
from teams.choices import DeploymentRole, RosterStatus, Title
from teams.models import Deployment, Roster, RosterEntry, Staff, Team
from teams.selectors.rosters import carried_over_leaders
from teams.services.designations import current_designation

log = logging.getLogger(__name__)

EDITABLE = frozenset({RosterStatus.DRAFT, RosterStatus.RETURNED})


class RosterError(Exception):
    """A roster action the rules do not allow; the message is shown to the user."""


# --- who may do what -----------------------------------------------------------------------------------


def is_supporter_coordinator(user: User, supporter: Hospital | int) -> bool:
    sid = supporter if isinstance(supporter, int) else supporter.pk
    return permissions.is_supporter_coordinator(user, hospital_id=sid)


def needs_city(roster: Roster) -> bool:
    """Out-of-province supporters' rosters go to the recipient's city first (市州汇总后统一报省)."""
    return roster.supporter.origin == HospitalOrigin.OTHER_PROVINCE


def can_forward(user: User, roster: Roster) -> bool:
    if not needs_city(roster) or roster.status != RosterStatus.SUBMITTED:
        return False
    return permissions.is_city_staff(user, city_id=roster.team.pairing.recipient.city_id)


def can_take_over(user: User, roster: Roster) -> bool:
    """Province staff may forward an out-of-province roster in the city's place (e.g. a city with no user)."""
    if not needs_city(roster) or roster.status != RosterStatus.SUBMITTED:
        return False
    return permissions.is_province_staff(user, province_id=roster.team.pairing.program.province_id)


def can_decide(user: User, roster: Roster) -> bool:
    """Only province staff file or return (city staff forward, never file)."""
    ready = RosterStatus.FORWARDED if needs_city(roster) else RosterStatus.SUBMITTED
    if roster.status != ready:
        return False
    return permissions.is_province_staff(user, province_id=roster.team.pairing.program.province_id)


def _require_editor(user: User, roster: Roster) -> None:
    if not is_supporter_coordinator(user, roster.supporter_id):
        raise PermissionDenied(_("只有支援医院联络员可以编辑本院的派驻名单。"))
    if roster.status not in EDITABLE:
        raise RosterError(_("名单状态为“%(s)s”，不能修改。") % {"s": roster.get_status_display()})


# --- validation shared by the form, the Excel import and submission --------------------------------------


def entry_problems(
    *,
    roster: Roster,
    staff: Staff | None,
    title: int | None,
    role: str,
    planned_start: dt.date | None,
    planned_end: dt.date | None,
    exclude_entry_id: int | None = None,
    check_roster: bool = True,
    deployments: Mapping[int, list[Deployment]] | None = None,
) -> list[tuple[str, str]]:
    """(field, message) problems of one entry: dates, title minimum, overlapping deployments.

    MEMBER_MIN_TITLE comes from the program (RuleParams.member_min_title). ``deployments``: the people's
    other deployments from ``other_deployments`` (an import checks every row with one query); without it,
    one query for this person.
    """
    problems: list[tuple[str, str]] = []
    if planned_start and planned_end and planned_end < planned_start:
        problems.append(("planned_end", _("结束日期早于开始日期")))
    min_title = roster.team.pairing.program.rules.member_min_title
    if role == DeploymentRole.MEMBER and min_title and title is not None and title < min_title:
        problems.append(("title", _("职称低于要求（队员至少 %(t)s）") % {"t": Title(min_title).label}))
    if staff is not None and staff.pk and planned_start and planned_end and planned_end >= planned_start:
        if deployments is not None:
            clash = next(
                (
                    d
                    for d in deployments.get(staff.pk, ())
                    if d.start <= planned_end and max(d.start, d.end) >= planned_start
                ),
                None,
            )
        else:
            clash = (
                Deployment.objects.filter(
                    staff=staff, period__overlap=DateRange(planned_start, planned_end, "[]")
                )
                .exclude(team=roster.team, supporter=roster.supporter)
                .select_related("team")
                .first()
            )
        if clash is not None and _is_carried_over_leader(roster, clash):
            problems.append(
                (
                    "staff",
                    _("%(n)s 作为上一批队长仍在岗（至 %(e)s），已计入本批队长，无需列入本批名单。")
                    % {"n": staff.name, "e": clash.end},
                )
            )
        elif clash is not None:
            problems.append(
                (
                    "planned_start",
                    _("与已有派驻重叠：%(t)s %(s)s–%(e)s")
                    % {"t": clash.team, "s": clash.start, "e": clash.end},
                )
            )
        if not check_roster:
            return problems
        others = roster.entries.filter(
            staff=staff, planned_start__lte=planned_end, planned_end__gte=planned_start
        )
        if exclude_entry_id is not None:
            others = others.exclude(pk=exclude_entry_id)
        if others.exists():
            problems.append(("staff", _("该人员已在名单中")))
    return problems


def other_deployments(*, roster: Roster, staff_ids: Iterable[int]) -> dict[int, list[Deployment]]:
    """Each person's deployments outside this roster's team and supporter, by staff id, in the model's
    ordering (the order ``entry_problems`` takes the first clash in): one query for a whole import."""
    out: dict[int, list[Deployment]] = {}
    rows = (
        Deployment.objects.filter(staff_id__in=list(staff_ids))
        .exclude(team=roster.team, supporter=roster.supporter)
        .select_related("team")
    )
    for d in rows:
        out.setdefault(d.staff_id, []).append(d)
    return out


def _is_carried_over_leader(roster: Roster, clash: Deployment) -> bool:
    return (
        clash.role == DeploymentRole.LEADER
        and clash.supporter_id == roster.supporter_id
        and clash.team.pairing_id == roster.team.pairing_id
        and clash.team.start_date < roster.team.start_date
    )


def roster_problems(roster: Roster) -> list[str]:
    """Whole-roster checks before submission: not empty; the lead supporter names exactly one leader.

    A leader of an earlier batch still on site (``carried_over_leaders``) is this batch's leader too, so a
    roster without a leader of its own passes; one with its own leader is the hand-over to the next leader.
    """
    problems = []
    entries = list(roster.entries.select_related("staff"))
    if not entries:
        problems.append(_("名单为空。"))
    leaders = sum(1 for e in entries if e.role == DeploymentRole.LEADER)
    is_lead = PairingSupporter.objects.filter(
        pairing_id=roster.team.pairing_id, hospital_id=roster.supporter_id, is_lead=True
    ).exists()
    # A partner hospital's person designated by the lead (SPEC §3) is the team's leader too.
    designated = current_designation(roster.team)
    if is_lead and leaders == 0 and carried_over_leaders(roster).exists():
        leaders_here = 1
    else:
        leaders_here = leaders + (1 if designated is not None else 0)
    if is_lead and leaders_here != 1:
        problems.append(_("牵头医院的名单须有且仅有一名队长（现有 %(n)d 名）。") % {"n": leaders_here})
    undesignated = [
        e
        for e in entries
        if e.role == DeploymentRole.LEADER and (designated is None or designated.staff_id != e.staff_id)
    ]
    if not is_lead and undesignated:
        problems.append(
            _("队长由牵头医院派出；合作医院人员任队长须经牵头医院确定（%(names)s 未经确定）。")
            % {"names": "、".join(e.staff.name for e in undesignated)}
        )
    return problems


# --- actions ---------------------------------------------------------------------------------------------


def roster_create(*, user: User, team: Team, supporter: Hospital) -> Roster:
    """Start a draft roster of ``supporter`` for ``team`` (version 1)."""
    if not is_supporter_coordinator(user, supporter):
        raise PermissionDenied(_("只有支援医院联络员可以创建本院的派驻名单。"))
    if not PairingSupporter.objects.filter(pairing_id=team.pairing_id, hospital=supporter).exists():
        raise RosterError(_("该医院不是本帮扶关系的支援医院。"))
    with transaction.atomic():
        if Roster.objects.filter(team=team, supporter=supporter).exists():
            raise RosterError(_("该批次已有名单；修改已备案的名单请创建新版本。"))
        return Roster.objects.create(team=team, supporter=supporter)


def roster_entry_add(
    *,
    user: User,
    roster: Roster,
    staff: Staff,
    role: str,
    post: str,
    planned_start: dt.date,
    planned_end: dt.date,
) -> RosterEntry:
    """Add one person to an editable roster (checks MEMBER_MIN_TITLE and overlapping deployments)."""
    _require_editor(user, roster)
    if staff.employer_id != roster.supporter_id:
        raise RosterError(_("人员不属于本院。"))
    problems = entry_problems(
        roster=roster,
        staff=staff,
        title=staff.title,
        role=role,
        planned_start=planned_start,
        planned_end=planned_end,
    )
    if problems:
        raise RosterError("；".join(m for _f, m in problems))
    with transaction.atomic():
        return RosterEntry.objects.create(
            roster=roster,
            staff=staff,
            role=role,
            post=post,
            planned_start=planned_start,
            planned_end=planned_end,
        )


def roster_entry_remove(*, user: User, entry: RosterEntry) -> None:
    _require_editor(user, entry.roster)
    with transaction.atomic():
        entry.delete()


def roster_submit(*, user: User, roster: Roster) -> Roster:
    """Submit for filing; out-of-province supporters' rosters go to the recipient's city first."""
    _require_editor(user, roster)
    problems = roster_problems(roster)
    if problems:
        raise RosterError(" ".join(problems))
    with transaction.atomic():
        roster.status = RosterStatus.SUBMITTED
        roster.submitted_at = timezone.now()
        roster.submitted_by = user
        roster.comment = ""
        roster.save(update_fields=["status", "submitted_at", "submitted_by", "comment", "updated_at"])
    return roster


def roster_forward(*, user: User, roster: Roster, comment: str = "") -> Roster:
    """City staff forward an out-of-province supporter's roster of their city to the province."""
    if not can_forward(user, roster):
        raise PermissionDenied(_("只有受援医院所在市州可以汇总上报省外支援医院的已提交名单。"))
    with transaction.atomic():
        roster.status = RosterStatus.FORWARDED
        roster.forwarded_at = timezone.now()
        roster.forwarded_by = user
        if comment:
            roster.comment = comment
        roster.save(update_fields=["status", "forwarded_at", "forwarded_by", "comment", "updated_at"])
    return roster


def roster_take_over(*, user: User, roster: Roster, reason: str) -> Roster:
    """Province staff take an out-of-province roster over from the city (代市州汇总) with a stated reason.

    The roster moves on to 待省级备案 as if the city had forwarded it; ``forwarded_by`` is the province user
    and the reason is kept in the roster's comment and in the audit trail's context, so the history shows
    who skipped the city and why.
    """
    if not can_take_over(user, roster):
        raise PermissionDenied(_("只有省级卫健委可以接办待市州汇总的省外支援医院名单。"))
    reason = reason.strip()
    if not reason:
        raise RosterError(_("接办须填写理由。"))
    with transaction.atomic(), audit_context(actor=user, source="service:roster_take_over", reason=reason):
        roster.status = RosterStatus.FORWARDED
        roster.forwarded_at = timezone.now()
        roster.forwarded_by = user
        roster.comment = _("省级代市州汇总：%(reason)s") % {"reason": reason}
        roster.save(update_fields=["status", "forwarded_at", "forwarded_by", "comment", "updated_at"])
    return roster


def roster_return(*, user: User, roster: Roster, comment: str) -> Roster:
    """Province staff return a roster with a comment (required); the supporter edits and resubmits."""
    if not can_decide(user, roster):
        raise PermissionDenied(_("只有省级卫健委可以退回待备案的名单。"))
    if not comment.strip():
        raise RosterError(_("退回须填写意见。"))
    with transaction.atomic():
        roster.status = RosterStatus.RETURNED
        roster.decided_at = timezone.now()
        roster.decided_by = user
        roster.comment = comment.strip()
        roster.save(update_fields=["status", "decided_at", "decided_by", "comment", "updated_at"])
        events.notice(events.ROSTER_RETURNED, object_ids=[roster.pk], actor_id=user.pk)
    return roster


def roster_file(*, user: User, roster: Roster, comment: str = "") -> Roster:
    """备案: lock the roster, write the team's Deployments, re-check the pairing (ROSTER_FILED)."""
    if not can_decide(user, roster):
        raise PermissionDenied(_("只有省级卫健委可以备案待备案的名单。"))
    try:
        with transaction.atomic():
            roster.status = RosterStatus.FILED
            roster.decided_at = timezone.now()
            roster.decided_by = user
            roster.comment = comment
            roster.save(update_fields=["status", "decided_at", "decided_by", "comment", "updated_at"])
            _sync_deployments(roster)
            # Filing changes the pairing's deployments: re-check its rules (queued on commit, coalesced).
            events.pairing_changed(pairing_id=roster.team.pairing_id, reason=f"roster {roster.pk} filed")
            events.notice(events.ROSTER_FILED, object_ids=[roster.pk], actor_id=user.pk)
    except IntegrityError as exc:
        raise RosterError(_("备案失败：名单中有人员与其他派驻时间重叠。")) from exc
    return roster


def _sync_deployments(roster: Roster) -> None:
    """The team's Deployments of this supporter follow the filed roster: update, create, drop leavers."""
    entries = list(roster.entries.all())
    existing = {
        d.staff_id: d for d in Deployment.objects.filter(team=roster.team, supporter=roster.supporter)
    }
    keep = set()
    for e in entries:
        keep.add(e.staff_id)
        d = existing.get(e.staff_id)
        if d is None:
            Deployment.objects.create(
                team=roster.team,
                supporter=roster.supporter,
                staff_id=e.staff_id,
                roster=roster,
                role=e.role,
                post=e.post,
                planned_start=e.planned_start,
                planned_end=e.planned_end,
            )
            continue
        d.roster, d.role, d.post = roster, e.role, e.post
        d.planned_start, d.planned_end = e.planned_start, e.planned_end
        d.save(update_fields=["roster", "role", "post", "planned_start", "planned_end", "updated_at"])
    # People dropped from the roster: a deployment that has not started goes; one that has keeps its history.
    Deployment.objects.filter(
        team=roster.team, supporter=roster.supporter, actual_start__isnull=True
    ).exclude(staff_id__in=keep).filter(attendance__isnull=True).delete()


def roster_new_version(*, user: User, roster: Roster) -> Roster:
    """A filed roster is locked: changing it starts a new draft version with the same entries."""
    if not is_supporter_coordinator(user, roster.supporter_id):
        raise PermissionDenied(_("只有支援医院联络员可以修改本院的派驻名单。"))
    if roster.status != RosterStatus.FILED:
        raise RosterError(_("只有已备案的名单需要新建版本。"))
    with transaction.atomic():
        if Roster.objects.filter(previous=roster).exists():
            raise RosterError(_("该名单已有新版本。"))
        new = Roster.objects.create(
            team=roster.team, supporter=roster.supporter, version=roster.version + 1, previous=roster
        )
        RosterEntry.objects.bulk_create(
            RosterEntry(
                roster=new,
                staff_id=e.staff_id,
                role=e.role,
                post=e.post,
                planned_start=e.planned_start,
                planned_end=e.planned_end,
            )
            for e in roster.entries.all()
        )
    return new


def entries_by_staff(entries: Iterable[RosterEntry]) -> dict[int, RosterEntry]:
    return {e.staff_id: e for e in entries}
