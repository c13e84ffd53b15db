"""Capacity building of a recipient (issue 15 item 5): centres and their milestones, specialties, new
technologies, service-capacity assessments, two-way referrals and donations.

Who may write is decided once here (``may_edit_capacity``) and used by the page, the API and these services:
the coordinator of the recipient hospital that owns the records, and province staff of its province (who
correct what a hospital reported). Supporters, co-supporters, city and county staff read them (``for_user``).

A refused write raises ``PermissionDenied`` and changes nothing; bad input raises ``ValidationError`` keyed
by field and changes nothing — an evidence file is checked (type by content, size) before anything is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import Centre, CentreStatus
from assessments.evidence_files import sniff_evidence
from assessments.models import (
    CentreMilestone,
    CentreProgress,
    Donation,
    NewTechnology,
    Referral,
    ServiceCapacityAssessment,
    Specialty,
)
from core.access import User
from core.permissions import is_province_staff, is_recipient_coordinator
from core.uploads import UploadError
from pairings.models import Hospital, Pairing, PairingSupporter

_M = TypeVar("_M", bound=models.Model)


# --- who may ------------------------------------------------------------------------------------------------


def may_edit_capacity(user: User, hospital: Hospital) -> bool:
    """The recipient hospital's coordinator, or province staff of its province."""
    return is_recipient_coordinator(user, hospital_id=hospital.pk) or is_province_staff(
        user, province_id=hospital.province_id
    )


def _require(user: User, hospital: Hospital) -> None:
    if not may_edit_capacity(user, hospital):
        raise PermissionDenied(_("只有受援医院联络员或省卫生健康委工作人员可以填报能力建设情况。"))


# --- shared checks ------------------------------------------------------------------------------------------


def _values(data: Any) -> dict[str, Any]:
    """A data class's fields as they are (``dataclasses.asdict`` would deep-copy model instances)."""
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


def _not_future(errors: dict[str, str], field: str, value: dt.date | None, today: dt.date) -> None:
    if value is not None and value > today:
        errors[field] = _("日期不能晚于今天。")


def _evidence(file: UploadedFile | None) -> tuple[UploadedFile, str] | None:
    """The file and its name when acceptable; ``ValidationError`` on ``evidence`` otherwise."""
    if file is None:
        return None
    name = (file.name or "").rsplit("/", 1)[-1][:200]
    try:
        sniff_evidence(file, name)
    except UploadError as exc:
        raise ValidationError({"evidence": str(exc)}) from exc
    file.seek(0)
    return file, name


def _save(obj: _M, errors: dict[str, str], *, exclude: tuple[str, ...] = ()) -> _M:
    """Run the model's own validation (lengths, choices, constraints) after ours, then save in one go."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, "；".join(messages))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a concurrent duplicate slipped past full_clean
        raise ValidationError(_("该记录已存在，请刷新后修改。")) from exc
    return obj


def _pairing_of(hospital: Hospital, pairing: Pairing | None, errors: dict[str, str]) -> None:
    if pairing is not None and pairing.recipient_id != hospital.pk:
        errors["pairing"] = _("帮扶关系须属于该受援医院。")


def _supporter_of(pairing: Pairing | None, supporter: Hospital | None, errors: dict[str, str]) -> None:
    if supporter is None:
        return
    if pairing is None:
        errors["pairing"] = _("填写支援医院时须同时选择帮扶关系。")
    elif not PairingSupporter.objects.filter(pairing=pairing, hospital=supporter).exists():
        errors["supporter"] = _("%(name)s 不是该帮扶关系的支援医院。") % {"name": supporter.name}


# --- centres ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CentreData:
    centre: str
    status: str
    achieved_on: dt.date | None = None
    note: str = ""


def _centre_errors(data: CentreData, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.status in (CentreStatus.BUILT, CentreStatus.ACCREDITED) and data.achieved_on is None:
        errors["achieved_on"] = _("已建成或已通过认证的中心须填写建成日期。")
    _not_future(errors, "achieved_on", data.achieved_on, today)
    return errors


def centre_create(
    *, user: User, hospital: Hospital, data: CentreData, today: dt.date | None = None
) -> CentreProgress:
    """Start tracking one of the ten centres of a recipient (one row per centre)."""
    _require(user, hospital)
    errors = _centre_errors(data, today or timezone.localdate())
    if CentreProgress.objects.filter(hospital=hospital, centre=data.centre).exists():
        errors["centre"] = _("该中心已有记录，请修改原记录。")
    obj = CentreProgress(hospital=hospital, **_values(data))
    return _save(obj, errors)


def centre_update(
    *, user: User, centre: CentreProgress, data: CentreData, today: dt.date | None = None
) -> CentreProgress:
    """Change a centre's status, date or note (the centre itself stays what it is)."""
    _require(user, centre.hospital)
    errors = _centre_errors(data, today or timezone.localdate())
    if data.centre != centre.centre:
        errors["centre"] = _("不能更改中心类型，请另建记录。")
    centre.status, centre.achieved_on, centre.note = data.status, data.achieved_on, data.note
    return _save(centre, errors)


def centre_save(
    *, user: User, hospital: Hospital, data: CentreData, today: dt.date | None = None
) -> CentreProgress:
    """The page's form: create the centre's row the first time, update it afterwards."""
    existing = CentreProgress.objects.filter(hospital=hospital, centre=data.centre).first()
    if existing is None:
        return centre_create(user=user, hospital=hospital, data=data, today=today)
    return centre_update(user=user, centre=existing, data=data, today=today)


def centre_milestone_add(
    *,
    user: User,
    hospital: Hospital,
    centre: str,
    date: dt.date,
    description: str,
    evidence: UploadedFile | None = None,
    today: dt.date | None = None,
) -> CentreMilestone:
    """Record a step of a centre's building with an optional evidence file (PDF, image, office document).

    The centre's row is made on its first milestone; a centre not yet started moves to 建设中 (recording
    progress means building began). Everything is checked before anything is written.
    """
    _require(user, hospital)
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请填写进展内容。")
    if centre not in Centre.values:
        errors["centre"] = _("未知的中心。")
    _not_future(errors, "date", date, today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    checked = _evidence(evidence)
    with transaction.atomic():
        row, _created = CentreProgress.objects.select_for_update().get_or_create(
            hospital=hospital, centre=centre
        )
        obj = CentreMilestone(centre=row, date=date, description=description, recorded_by=user)
        if checked is not None:
            obj.evidence_name = checked[1]
            obj.evidence.save(checked[1], checked[0], save=False)
        _save(obj, errors, exclude=("evidence",))
        if row.status == CentreStatus.NOT_STARTED:
            row.status = CentreStatus.BUILDING
            row.save(update_fields=["status", "updated_at"])
    return obj


# --- specialties --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SpecialtyData:
    kind: str
    name: str
    selected_year: int
    goal: str = ""
    progress: int = 0
    achieved_on: dt.date | None = None


def _specialty(obj: Specialty, data: SpecialtyData, today: dt.date) -> Specialty:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = _("请填写专科名称。")
    if not 0 <= data.progress <= 100:
        errors["progress"] = _("建设进度应在 0 到 100 之间。")
    if not 2000 <= data.selected_year <= today.year + 1:
        errors["selected_year"] = _("选定年度应在 2000 年到明年之间。")
    _not_future(errors, "achieved_on", data.achieved_on, today)
    dup = Specialty.objects.filter(hospital_id=obj.hospital_id, kind=data.kind, name=name).exclude(pk=obj.pk)
    if name and dup.exists():
        errors["name"] = _("该专科已有记录。")
    for field, value in _values(data).items():
        setattr(obj, field, value)
    obj.name = name
    return _save(obj, errors)


def specialty_create(
    *, user: User, hospital: Hospital, data: SpecialtyData, today: dt.date | None = None
) -> Specialty:
    """Choose a weak specialty for focused building, or record a TCM key specialty."""
    _require(user, hospital)
    return _specialty(Specialty(hospital=hospital), data, today or timezone.localdate())


def specialty_update(
    *, user: User, specialty: Specialty, data: SpecialtyData, today: dt.date | None = None
) -> Specialty:
    _require(user, specialty.hospital)
    return _specialty(specialty, data, today or timezone.localdate())


def specialty_save(
    *, user: User, hospital: Hospital, data: SpecialtyData, today: dt.date | None = None
) -> Specialty:
    """The page's form: the same kind and name again updates that specialty's goal and progress."""
    existing = Specialty.objects.filter(hospital=hospital, kind=data.kind, name=data.name.strip()).first()
    if existing is None:
        return specialty_create(user=user, hospital=hospital, data=data, today=today)
    return specialty_update(user=user, specialty=existing, data=data, today=today)


# --- new technologies ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NewTechnologyData:
    name: str
    introduced_on: dt.date
    cases: int = 0
    pairing: Pairing | None = None
    supporter: Hospital | None = None


def _technology(obj: NewTechnology, data: NewTechnologyData, today: dt.date) -> NewTechnology:
    errors: dict[str, str] = {}
    hospital = obj.hospital
    _pairing_of(hospital, data.pairing, errors)
    _supporter_of(data.pairing, data.supporter, errors)
    _not_future(errors, "introduced_on", data.introduced_on, today)
    if not data.name.strip():
        errors["name"] = _("请填写技术名称。")
    obj.name, obj.introduced_on, obj.cases = data.name.strip(), data.introduced_on, data.cases
    obj.pairing, obj.supporter = data.pairing, data.supporter
    return _save(obj, errors)


def new_technology_create(
    *, user: User, hospital: Hospital, data: NewTechnologyData, today: dt.date | None = None
) -> NewTechnology:
    """Record a new technology or service (新技术新业务) introduced at the recipient."""
    _require(user, hospital)
    return _technology(NewTechnology(hospital=hospital), data, today or timezone.localdate())


def new_technology_update(
    *, user: User, technology: NewTechnology, data: NewTechnologyData, today: dt.date | None = None
) -> NewTechnology:
    _require(user, technology.hospital)
    return _technology(technology, data, today or timezone.localdate())


# --- service-capacity assessments (GRADE_TARGET) ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CapacityAssessmentData:
    assessed_on: dt.date
    standard: str
    reaches_level2: bool
    assessor: str = ""
    note: str = ""


def _assessment(
    obj: ServiceCapacityAssessment,
    data: CapacityAssessmentData,
    evidence: UploadedFile | None,
    today: dt.date,
) -> ServiceCapacityAssessment:
    errors: dict[str, str] = {}
    _not_future(errors, "assessed_on", data.assessed_on, today)
    checked = _evidence(evidence) if not errors else None
    for field, value in _values(data).items():
        setattr(obj, field, value)
    with transaction.atomic():
        if checked is not None:
            obj.evidence_name = checked[1]
            obj.evidence.save(checked[1], checked[0], save=False)
        return _save(obj, errors, exclude=("evidence",))


def capacity_assessment_create(
    *,
    user: User,
    hospital: Hospital,
    data: CapacityAssessmentData,
    evidence: UploadedFile | None = None,
    today: dt.date | None = None,
) -> ServiceCapacityAssessment:
    """Record a service-capacity assessment (二级 capacity reached or not); GRADE_TARGET reads the latest."""
    _require(user, hospital)
    obj = ServiceCapacityAssessment(hospital=hospital)
    return _assessment(obj, data, evidence, today or timezone.localdate())


def capacity_assessment_update(
    *,
    user: User,
    assessment: ServiceCapacityAssessment,
    data: CapacityAssessmentData,
    evidence: UploadedFile | None = None,
    today: dt.date | None = None,
) -> ServiceCapacityAssessment:
    _require(user, assessment.hospital)
    return _assessment(assessment, data, evidence, today or timezone.localdate())


# --- two-way referrals --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReferralData:
    month: dt.date
    up_count: int
    down_count: int


def _referral(obj: Referral, data: ReferralData, today: dt.date) -> Referral:
    errors: dict[str, str] = {}
    month = data.month.replace(day=1)
    if month > today.replace(day=1):
        errors["month"] = _("不能填报未来月份。")
    dup = Referral.objects.filter(hospital_id=obj.hospital_id, month=month).exclude(pk=obj.pk)
    if dup.exists():
        errors["month"] = _("%(month)s 已有转诊记录，请修改原记录。") % {"month": f"{month:%Y-%m}"}
    obj.month, obj.up_count, obj.down_count = month, data.up_count, data.down_count
    return _save(obj, errors)


def referral_create(
    *, user: User, hospital: Hospital, data: ReferralData, today: dt.date | None = None
) -> Referral:
    """Two-way referral counts (上转/下转人次) of one month."""
    _require(user, hospital)
    return _referral(Referral(hospital=hospital), data, today or timezone.localdate())


def referral_update(
    *, user: User, referral: Referral, data: ReferralData, today: dt.date | None = None
) -> Referral:
    _require(user, referral.hospital)
    return _referral(referral, data, today or timezone.localdate())


def referral_save(
    *, user: User, hospital: Hospital, data: ReferralData, today: dt.date | None = None
) -> Referral:
    """The page's form: a month entered again replaces that month's counts."""
    existing = Referral.objects.filter(hospital=hospital, month=data.month.replace(day=1)).first()
    if existing is None:
        return referral_create(user=user, hospital=hospital, data=data, today=today)
    return referral_update(user=user, referral=existing, data=data, today=today)


# --- donations ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DonationData:
    pairing: Pairing
    supporter: Hospital
    date: dt.date
    kind: str
    description: str
    value_cny: Decimal


def _donation(obj: Donation, data: DonationData, today: dt.date) -> Donation:
    errors: dict[str, str] = {}
    _supporter_of(data.pairing, data.supporter, errors)
    _not_future(errors, "date", data.date, today)
    if data.value_cny < 0:
        errors["value_cny"] = _("金额不能为负数。")
    if not data.description.strip():
        errors["description"] = _("请填写捐赠内容。")
    for field, value in _values(data).items():
        setattr(obj, field, value)
    obj.pairing, obj.supporter = data.pairing, data.supporter
    obj.description = data.description.strip()
    return _save(obj, errors)


def donation_create(*, user: User, data: DonationData, today: dt.date | None = None) -> Donation:
    """A donation in kind or money a supporter made to the pairing's recipient (recorded by the recipient)."""
    _require(user, data.pairing.recipient)
    return _donation(Donation(), data, today or timezone.localdate())


def donation_update(
    *, user: User, donation: Donation, data: DonationData, today: dt.date | None = None
) -> Donation:
    _require(user, donation.pairing.recipient)
    if data.pairing.recipient_id != donation.pairing.recipient_id:
        _require(user, data.pairing.recipient)
    return _donation(donation, data, today or timezone.localdate())


def merge(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A PATCH: the record's current values overwritten by the fields sent."""
    return {**current, **changes}
