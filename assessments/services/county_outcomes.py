"""County outcome indicators (SPEC §5, issue 14 item 9): a county health bureau enters its year's figures.

Who may write: county health-bureau staff of that county, and province staff of its province (who correct a
figure a bureau reported). City staff and the province read them (``CountyOutcome.objects.for_user``).
A refused write raises ``PermissionDenied`` and changes nothing; bad input ``ValidationError`` by field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import CountyOutcome
from core.access import User
from core.permissions import is_county_staff, is_province_staff
from pairings.models import County


def may_enter_county_outcome(user: User, county: County) -> bool:
    return is_county_staff(user, county_id=county.pk) or is_province_staff(
        user, province_id=county.city.province_id
    )


@dataclasses.dataclass(frozen=True)
class CountyOutcomeData:
    year: int
    in_county_visit_rate: Decimal | None = None
    county_hospitalisation_rate: Decimal | None = None
    grassroots_visit_share: Decimal | None = None
    referrals_up: int | None = None
    referrals_down: int | None = None
    outward_transfer_rate: Decimal | None = None
    note: str = ""


def _write(obj: CountyOutcome, data: CountyOutcomeData, user: User, today: dt.date) -> CountyOutcome:
    errors: dict[str, str] = {}
    if not 2000 <= data.year <= today.year:
        errors["year"] = _("年度应在 2000 年到今年之间。")
    for field in CountyOutcome.RATE_FIELDS:
        value = getattr(data, field)
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            errors[field] = _("比率应在 0 到 100（%）之间。")
    for field in ("referrals_up", "referrals_down"):
        value = getattr(data, field)
        if value is not None and value < 0:
            errors[field] = _("人次不能为负数。")
    dup = CountyOutcome.objects.filter(county_id=obj.county_id, year=data.year).exclude(pk=obj.pk)
    if dup.exists():
        errors["year"] = _("%(year)s 年已有数据，请修改原记录。") % {"year": data.year}
    if errors:
        raise ValidationError(errors)
    for f in dataclasses.fields(data):
        setattr(obj, f.name, getattr(data, f.name))
    obj.note = data.note.strip()
    obj.recorded_by = user
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationError({k: "；".join(v) for k, v in exc.message_dict.items()}) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError({"year": _("该年度已有数据，请刷新后修改。")}) from exc
    return obj


def county_outcome_create(
    *, user: User, county: County, data: CountyOutcomeData, today: dt.date | None = None
) -> CountyOutcome:
    """Enter a county's outcome indicators of one year."""
    if not may_enter_county_outcome(user, county):
        raise PermissionDenied(_("只有该县卫生健康局或省卫生健康委工作人员可以填报县域指标。"))
    return _write(CountyOutcome(county=county), data, user, today or timezone.localdate())


def county_outcome_update(
    *, user: User, outcome: CountyOutcome, data: CountyOutcomeData, today: dt.date | None = None
) -> CountyOutcome:
    if not may_enter_county_outcome(user, outcome.county):
        raise PermissionDenied(_("只有该县卫生健康局或省卫生健康委工作人员可以填报县域指标。"))
    return _write(outcome, data, user, today or timezone.localdate())


def county_outcome_save(
    *, user: User, county: County, data: CountyOutcomeData, today: dt.date | None = None
) -> CountyOutcome:
    """The page's form: a year entered again replaces that year's figures."""
    existing = CountyOutcome.objects.filter(county=county, year=data.year).first()
    if existing is None:
        return county_outcome_create(user=user, county=county, data=data, today=today)
    return county_outcome_update(user=user, outcome=existing, data=data, today=today)
