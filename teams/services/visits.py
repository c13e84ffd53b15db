"""Expert visits (柔性帮扶, issue 15): a supporter records each batch of visiting experts at a recipient.

EXPERT_VISITS counts batches and person-times per supporter and year across all its recipients (SPEC,
revision 2026-11-30); the page shows the same figures as progress (teams/selectors/visits.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core import events, permissions
from core.access import User
from core.roles import Role
from pairings.models import Pairing, PairingSupporter
from teams.models import ExpertVisitBatch


class VisitError(Exception):
    """Invalid visit data: ``problems`` maps a field name to the reason shown next to it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


@dataclasses.dataclass
class VisitData:
    pairing: Pairing
    start_date: dt.date
    end_date: dt.date
    person_times: int
    specialties: str = ""
    activities: str = ""


def visit_problems(data: VisitData) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.end_date < data.start_date:
        problems["end_date"] = _("结束日期早于开始日期")
    if data.person_times < 1:
        problems["person_times"] = _("人次至少为 1")
    p = data.pairing
    if data.start_date < p.service_start or data.start_date > p.service_end:
        problems["start_date"] = _("开始日期不在帮扶期内（%(s)s 至 %(e)s）") % {
            "s": p.service_start,
            "e": p.service_end,
        }
    if data.end_date > dt.date.today() + dt.timedelta(days=366):
        problems["end_date"] = _("结束日期过远（请记录已开展或已安排的批次）")
    return problems


def _supporter_of(user: User, pairing: Pairing) -> int:
    """The user's hospital when it supports ``pairing``; anyone else may not record visits for it."""
    m_hospital = permissions.own_hospital_id(user, Role.SUPPORTER_COORDINATOR)
    if (
        m_hospital is None
        or not PairingSupporter.objects.filter(pairing=pairing, hospital_id=m_hospital).exists()
    ):
        raise PermissionDenied(_("只有该帮扶关系的支援医院联络员可以记录专家柔性帮扶。"))
    return m_hospital


def expert_visit_create(*, user: User, data: VisitData) -> ExpertVisitBatch:
    """Record one batch of the user's hospital at ``data.pairing``'s recipient; re-checks the pairing."""
    supporter_id = _supporter_of(user, data.pairing)
    if problems := visit_problems(data):
        raise VisitError(problems)
    with transaction.atomic():
        visit = ExpertVisitBatch.objects.create(
            pairing=data.pairing,
            supporter_id=supporter_id,
            start_date=data.start_date,
            end_date=data.end_date,
            person_times=data.person_times,
            specialties=data.specialties.strip(),
            activities=data.activities.strip(),
        )
        events.pairing_changed(pairing_id=data.pairing.pk, reason=f"expert visit {visit.pk} recorded")
    return visit


def expert_visit_update(*, user: User, visit: ExpertVisitBatch, data: VisitData) -> ExpertVisitBatch:
    """Correct a batch; only the supporter that recorded it, and the pairing stays one it supports."""
    supporter_id = _supporter_of(user, data.pairing)
    if supporter_id != visit.supporter_id:
        raise PermissionDenied(_("只能修改本院记录的专家柔性帮扶。"))
    if problems := visit_problems(data):
        raise VisitError(problems)
    fields = ["pairing", "start_date", "end_date", "person_times", "specialties", "activities"]
    with transaction.atomic():
        visit.pairing = data.pairing
        visit.start_date, visit.end_date = data.start_date, data.end_date
        visit.person_times = data.person_times
        visit.specialties, visit.activities = data.specialties.strip(), data.activities.strip()
        visit.save(update_fields=[*fields, "updated_at"])
        events.pairing_changed(pairing_id=data.pairing.pk, reason=f"expert visit {visit.pk} changed")
    return visit
