"""The recipient's training work (issue 15, recipient 4): nominate its staff for further study (进修),
residency training (住培) and short courses at a supporter; record on-site training sessions and remote
services (远程会诊/查房/病理/影像/教育).

Only the recipient hospital's coordinator writes here (the host's accept/decline side is stints.py). A
nomination counts for nothing until the host accepts it; on-site sessions and remote services feed the
indicators, so every write asks the rule engine to re-check the pairing (core.events). Errors are raised as
``StintError`` with field → reason, and nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events, permissions
from core.access import User
from core.identifiers import national_id_error, normalize_national_id
from pairings.models import Pairing
from training.choices import RemoteServiceKind, StintKind, StintStatus
from training.models import OnSiteTraining, RemoteService, TraineeStint
from training.services.stints import StintError

NOMINATION_FIELDS = (
    "host_id", "trainee_name", "trainee_national_id", "department", "specialty", "kind", "start_date",
    "end_date", "is_backbone",
)  # fmt: skip


def can_record(user: User, pairing: Pairing) -> bool:
    """The pairing's recipient coordinator (superusers too, as everywhere)."""
    return permissions.is_recipient_coordinator(user, hospital_id=pairing.recipient_id)


def _require_recipient(user: User, pairing: Pairing) -> None:
    if not can_record(user, pairing):
        raise PermissionDenied(_("只有受援医院的联络员可以登记本院的培训。"))


@dataclasses.dataclass
class Nomination:
    host_id: int
    trainee_name: str
    kind: str
    start_date: dt.date
    end_date: dt.date
    trainee_national_id: str = ""
    department: str = ""
    specialty: str = ""
    is_backbone: bool = True


def _nomination_problems(pairing: Pairing, data: Nomination) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not data.trainee_name.strip():
        problems["trainee_name"] = _("请填写学员姓名")
    if data.kind not in StintKind.values:
        problems["kind"] = _("培训类型无效")
    if not pairing.supporters.filter(hospital_id=data.host_id).exists():
        problems["host"] = _("接收医院须是本帮扶关系的支援医院")
    if data.end_date < data.start_date:
        problems["end_date"] = _("结束日期早于开始日期")
    if data.trainee_national_id and (err := national_id_error(data.trainee_national_id)):
        problems["trainee_national_id"] = err
    return problems


def trainee_stint_nominate(*, user: User, pairing: Pairing, data: Nomination) -> TraineeStint:
    """Nominate one of the recipient's staff to train at a supporter of the pairing (已推荐，待接收)."""
    _require_recipient(user, pairing)
    data.trainee_national_id = normalize_national_id(data.trainee_national_id)
    if problems := _nomination_problems(pairing, data):
        raise StintError(problems)
    with transaction.atomic():
        stint = TraineeStint.objects.create(
            pairing=pairing,
            **{k: getattr(data, k) for k in NOMINATION_FIELDS},
            is_free=True,
            status=StintStatus.NOMINATED,
            nominated_at=timezone.now(),
            nominated_by=user,
        )
        events.pairing_changed(pairing_id=pairing.pk, reason=f"trainee stint {stint.pk} nominated")
    return stint


def trainee_stint_update_nomination(*, user: User, stint: TraineeStint, data: Nomination) -> TraineeStint:
    """Correct a nomination the host has not decided yet (afterwards the host records the stint)."""
    _require_recipient(user, stint.pairing)
    if stint.status != StintStatus.NOMINATED:
        raise StintError(
            {"": _("接收医院已处理该推荐（%(s)s），不能再修改。") % {"s": stint.get_status_display()}}
        )
    data.trainee_national_id = normalize_national_id(data.trainee_national_id)
    if problems := _nomination_problems(stint.pairing, data):
        raise StintError(problems)
    with transaction.atomic():
        for k in NOMINATION_FIELDS:
            setattr(stint, k, getattr(data, k))
        stint.save(update_fields=[*NOMINATION_FIELDS, "updated_at"])
        events.pairing_changed(pairing_id=stint.pairing_id, reason=f"trainee stint {stint.pk} changed")
    return stint


def _session_problems(date: dt.date, topic: str, hours: Decimal) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not topic.strip():
        problems["topic"] = _("请填写培训主题")
    if date > timezone.localdate():
        problems["date"] = _("培训日期不能晚于今天")
    if hours < 0:
        problems["hours"] = _("学时不能为负数")
    return problems


def onsite_training_save(
    *,
    user: User,
    pairing: Pairing,
    date: dt.date,
    topic: str,
    trainer: str = "",
    attendees: int = 0,
    hours: Decimal = Decimal(0),
    session: OnSiteTraining | None = None,
) -> OnSiteTraining:
    """Record (or correct) an on-site training session held at the recipient by the resident team."""
    _require_recipient(user, pairing)
    if session is not None and session.pairing_id != pairing.pk:
        raise StintError({"pairing": _("不能把培训记录移到另一个帮扶关系")})
    if problems := _session_problems(date, topic, hours):
        raise StintError(problems)
    with transaction.atomic():
        session = session or OnSiteTraining(pairing=pairing)
        session.date, session.topic, session.trainer = date, topic.strip(), trainer.strip()
        session.attendees, session.hours = attendees, hours
        session.save()
        events.pairing_changed(pairing_id=pairing.pk, reason=f"on-site training {session.pk} recorded")
    return session


def remote_service_save(
    *,
    user: User,
    pairing: Pairing,
    supporter_id: int,
    month: dt.date,
    kind: str,
    count: int,
    record: RemoteService | None = None,
) -> RemoteService:
    """Record (or correct) the number of remote services of one kind a supporter delivered in a month."""
    _require_recipient(user, pairing)
    problems: dict[str, str] = {}
    if record is not None and record.pairing_id != pairing.pk:
        problems["pairing"] = _("不能把记录移到另一个帮扶关系")
    if not pairing.supporters.filter(hospital_id=supporter_id).exists():
        problems["supporter"] = _("须是本帮扶关系的支援医院")
    if kind not in RemoteServiceKind.values:
        problems["kind"] = _("远程服务类型无效")
    month = month.replace(day=1)
    if month > timezone.localdate():
        problems["month"] = _("月份不能晚于本月")
    if problems:
        raise StintError(problems)
    record = record or RemoteService(pairing=pairing)
    record.supporter_id, record.month, record.kind, record.count = supporter_id, month, kind, count
    try:
        with transaction.atomic():
            record.save()
            events.pairing_changed(pairing_id=pairing.pk, reason=f"remote service {record.pk} recorded")
    except IntegrityError as exc:
        raise StintError({"month": _("该支援医院本月的此类远程服务已登记，请修改原记录。")}) from exc
    return record
