"""Writes of agreements (三方协议 / 年度补充协议), their items and the hospitals' progress reports on items.

Who may write (SPEC §6): province commission staff of the program's province enter and file any agreement of
the province; a supporter's coordinator enters its own hospital's agreements (it signs them). A progress
report on an item comes from the hospitals of the pairing: the agreement's supporter or the recipient.
Everything is also refused when the pairing is outside the user's scope (``for_user``), so a hospital of
another pairing, or another province, cannot write even by guessing ids.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User
from core.documents import EXTENSIONS, check_document
from core.permissions import is_province_staff, is_recipient_coordinator, is_supporter_coordinator
from core.uploads import UploadError
from pairings.choices import AgreementItemKind, AgreementKind, ItemStatus, ProgramPreset
from pairings.models import Agreement, AgreementItem, AgreementItemUpdate, Hospital, Pairing, Program

# Who signs, per preset: Gansu (and most plans) a tripartite agreement with the county government;
# Guangdong 2019 a two-party agreement of supporter and recipient (一对一, SPEC §3 AGREEMENT_SIGNED).
SUPPORTER, GOVERNMENT, RECIPIENT = "supporter", "government", "recipient"
_PARTIES_TWO = (SUPPORTER, RECIPIENT)
_PARTIES_THREE = (SUPPORTER, GOVERNMENT, RECIPIENT)
SIGNATURE_FIELDS = {
    SUPPORTER: "supporter_signed_on",
    GOVERNMENT: "government_signed_on",
    RECIPIENT: "recipient_signed_on",
}
OPEN_STATUSES = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.DELAYED)


def agreement_parties(program: Program) -> tuple[str, ...]:
    """The parties whose signature completes an agreement of ``program``."""
    return _PARTIES_TWO if program.preset == ProgramPreset.GUANGDONG_2019 else _PARTIES_THREE


def can_edit_agreement(user: User, *, pairing: Pairing, supporter_id: int) -> bool:
    if not Pairing.objects.for_user(user).filter(pk=pairing.pk).exists():
        return False
    return is_province_staff(user, province_id=pairing.program.province_id) or is_supporter_coordinator(
        user, hospital_id=supporter_id
    )


def can_enter_agreements(user: User, *, pairing: Pairing) -> bool:
    """Whether ``user`` may enter an agreement of at least one supporter of ``pairing``."""
    return any(
        can_edit_agreement(user, pairing=pairing, supporter_id=link.hospital_id)
        for link in pairing.supporters.all()
    )


def can_report_item(user: User, item: AgreementItem) -> bool:
    agreement = item.agreement
    if not AgreementItem.objects.for_user(user).filter(pk=item.pk).exists():
        return False
    return is_supporter_coordinator(user, hospital_id=agreement.supporter_id) or is_recipient_coordinator(
        user, hospital_id=agreement.pairing.recipient_id
    )


def _require_editor(user: User, pairing: Pairing, supporter_id: int) -> None:
    if not can_edit_agreement(user, pairing=pairing, supporter_id=supporter_id):
        raise PermissionDenied(_("只有省级卫健委或签约的支援医院可以录入、修改协议。"))


def _store(f: IO[bytes], *, prefix: str) -> File[Any]:
    """Check a scan or evidence file (size, PDF/image by content) and give it a name we choose."""
    try:
        kind = check_document(f)
    except UploadError as exc:
        raise ValidationError(str(exc)) from exc
    # Never the uploader's file name: it may hold a path or personal data.
    return File(f, name=f"{prefix}-{uuid.uuid4().hex[:12]}.{EXTENSIONS[kind]}")


def _validate(agreement: Agreement) -> None:
    program = agreement.pairing.program
    errors: dict[str, str] = {}
    if not agreement.pairing.supporters.filter(hospital_id=agreement.supporter_id).exists():
        errors["supporter"] = _("该医院不是本帮扶关系的支援医院。")
    if agreement.kind == AgreementKind.ANNUAL:
        if agreement.year is None:
            errors["year"] = _("年度补充协议须填写年度。")
        elif not program.start_date.year <= agreement.year <= program.end_date.year:
            errors["year"] = _("年度 %(year)s 不在项目期限（%(start)s–%(end)s）内。") % {
                "year": agreement.year,
                "start": program.start_date.year,
                "end": program.end_date.year,
            }
    elif agreement.year is not None:
        errors["year"] = _("三方协议不填年度。")
    today = timezone.localdate()
    parties = agreement_parties(program)
    signed: list[dt.date] = []
    for party, field in SIGNATURE_FIELDS.items():
        value = getattr(agreement, field)
        if value is None:
            continue
        if party not in parties:
            errors[field] = _("本项目的协议无此签署方。")
        elif value > today:
            errors[field] = _("签署日期不能晚于今天。")
        else:
            signed.append(value)
    if agreement.filed_on is not None:
        if agreement.filed_on > today:
            errors["filed_on"] = _("报备日期不能晚于今天。")
        elif signed and agreement.filed_on < max(signed):
            errors["filed_on"] = _("报备日期不能早于最后一方的签署日期。")
    if errors:
        raise ValidationError(errors)


AGREEMENT_FIELDS = (
    "title",
    "supporter_signed_on",
    "government_signed_on",
    "recipient_signed_on",
    "filed_on",
    "goals",
)


@transaction.atomic
def agreement_create(
    *,
    user: User,
    pairing: Pairing,
    supporter: Hospital,
    kind: str,
    title: str,
    year: int | None = None,
    supporter_signed_on: dt.date | None = None,
    government_signed_on: dt.date | None = None,
    recipient_signed_on: dt.date | None = None,
    filed_on: dt.date | None = None,
    goals: str = "",
    scan: IO[bytes] | None = None,
) -> Agreement:
    """Enter the tripartite agreement of one supporter, or its annual supplementary agreement of ``year``."""
    _require_editor(user, pairing, supporter.pk)
    agreement = Agreement(
        pairing=pairing,
        supporter=supporter,
        kind=kind,
        year=year,
        title=title,
        supporter_signed_on=supporter_signed_on,
        government_signed_on=government_signed_on,
        recipient_signed_on=recipient_signed_on,
        filed_on=filed_on,
        goals=goals,
    )
    _validate(agreement)
    duplicate = Agreement.objects.filter(pairing=pairing, supporter=supporter, kind=kind, year=year)
    if duplicate.exists():
        raise ValidationError(_("该支援医院的这份协议已录入，请修改已有协议。"))
    if scan is not None:
        agreement.scan = _store(scan, prefix=f"agreement-{pairing.pk}")
    agreement.full_clean(exclude=["scan"])
    agreement.save()
    return agreement


@transaction.atomic
def agreement_update(
    *, user: User, agreement: Agreement, scan: IO[bytes] | None = None, **changes: Any
) -> Agreement:
    """Change an agreement's signature dates, filing date, title or goals; replace its scan."""
    _require_editor(user, agreement.pairing, agreement.supporter_id)
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for field, value in changes.items():
        setattr(agreement, field, value)
    _validate(agreement)
    if scan is not None:
        agreement.scan = _store(scan, prefix=f"agreement-{agreement.pairing_id}")
    agreement.full_clean(exclude=["scan"])
    agreement.save()
    return agreement


@transaction.atomic
def agreement_item_create(
    *,
    user: User,
    agreement: Agreement,
    kind: str,
    description: str,
    responsible_department: str = "",
    due_date: dt.date | None = None,
) -> AgreementItem:
    """Add a goal, milestone, task, project or technology to an agreement (status: planned)."""
    _require_editor(user, agreement.pairing, agreement.supporter_id)
    if kind not in AgreementItemKind.values:
        raise ValidationError({"kind": _("未知事项类型。")})
    if not description.strip():
        raise ValidationError({"description": _("事项内容不能为空。")})
    item = AgreementItem(
        agreement=agreement,
        kind=kind,
        description=description.strip(),
        responsible_department=responsible_department.strip(),
        due_date=due_date,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agreement_item_report(
    *,
    user: User,
    item: AgreementItem,
    status: str,
    note: str = "",
    evidence: IO[bytes] | None = None,
    completed_on: dt.date | None = None,
) -> AgreementItemUpdate:
    """A hospital reports an item's progress: new status, a note, optional evidence (PDF or image).

    Done needs its completion date (not in the future); delayed or cancelled needs a note saying why.
    """
    if not can_report_item(user, item):
        raise PermissionDenied(_("只有本协议的支援医院或受援医院可以报告事项进展。"))
    errors: dict[str, str] = {}
    if status not in ItemStatus.values:
        errors["status"] = _("未知进展状态。")
    if status == ItemStatus.DONE:
        if completed_on is None:
            errors["completed_on"] = _("已完成的事项须填写完成日期。")
        elif completed_on > timezone.localdate():
            errors["completed_on"] = _("完成日期不能晚于今天。")
    elif completed_on is not None:
        errors["completed_on"] = _("只有已完成的事项填写完成日期。")
    if status in (ItemStatus.DELAYED, ItemStatus.CANCELLED) and not note.strip():
        errors["note"] = _("滞后或取消的事项须说明原因。")
    if errors:
        raise ValidationError(errors)
    update = AgreementItemUpdate(item=item, status=status, note=note.strip(), reported_by=user)
    if evidence is not None:
        update.evidence = _store(evidence, prefix=f"item-{item.pk}")
    update.save()
    item.status = status
    item.completed_on = completed_on
    item.save(update_fields=["status", "completed_on", "updated_at"])
    return update
