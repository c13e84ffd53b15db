"""Writes of the registry and pairings. Every state change goes through a function here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.access import User
from core.events import pairing_changed
from core.permissions import is_province_staff
from pairings.choices import HospitalRole, ProgramPreset, ProgramStatus
from pairings.models import Hospital, Pairing, PairingSupporter, Program, Province
from pairings.presets import PRESETS, RuleParams


def _require_province_staff(user: User, province: Province) -> None:
    """Programs and pairings are the province commission's to set (SPEC §6)."""
    if not is_province_staff(user, province_id=province.pk):
        raise PermissionDenied("只有本省卫健委工作人员可以执行此操作 (province commission staff only)")


@transaction.atomic
def program_create(
    *,
    user: User,
    province: Province,
    code: str,
    name: str,
    preset: str,
    start_date: dt.date,
    end_date: dt.date,
    params: dict[str, Any] | None = None,
    document: str = "",
    agreement_deadline: dt.date | None = None,
    roster_deadline: dt.date | None = None,
    status: str = ProgramStatus.ACTIVE,
) -> Program:
    """A program starts from a preset (Gansu 2022 by default) and stores only its overrides.

    Deadlines not given are the preset's (the documents name some); a program made as a draft is not
    checked by the rule sweep until it is set active.
    """
    _require_province_staff(user, province)
    if preset not in PRESETS:
        raise ValidationError({"preset": f"unknown preset {preset!r}"})
    merged = {**PRESETS[preset].params(), **(params or {})}
    try:
        RuleParams.from_json(merged)  # refuses a bad parameter, naming it, before anything is written
    except ValidationError as exc:
        raise ValidationError({"params": [m for msgs in exc.message_dict.values() for m in msgs]}) from exc
    deadlines = PRESETS[preset].deadline_values()
    program = Program(
        province=province,
        code=code,
        name=name,
        preset=ProgramPreset(preset),
        start_date=start_date,
        end_date=end_date,
        params=params or {},
        document=document,
        agreement_deadline=agreement_deadline or deadlines.get("agreement_deadline"),
        roster_deadline=roster_deadline or deadlines.get("roster_deadline"),
        status=status,
        is_active=status == ProgramStatus.ACTIVE,
    )
    program.full_clean()
    program.save()
    return program


@transaction.atomic
def pairing_create(
    *,
    user: User,
    program: Program,
    recipient: Hospital,
    supporters: Sequence[Hospital],
    lead: Hospital | None = None,
    service_start: dt.date | None = None,
    service_end: dt.date | None = None,
) -> Pairing:
    """Create a pairing (对口帮扶关系): one recipient, one or more supporters, exactly one lead.

    With a single supporter it is the lead. The database also enforces the lead rule (a unique index and
    a deferred constraint trigger), so a bulk import cannot get it wrong either.
    """
    _require_province_staff(user, program.province)
    if recipient.role != HospitalRole.RECIPIENT:
        raise ValidationError({"recipient": f"{recipient} 不是受援医院 (not a recipient hospital)"})
    if not supporters:
        raise ValidationError({"supporters": "至少需要一家支援医院 (at least one supporter)"})
    if any(s.role != HospitalRole.SUPPORTER for s in supporters):
        raise ValidationError(
            {"supporters": "支援医院角色不符 (every supporter must be a supporting hospital)"}
        )
    if len({s.pk for s in supporters}) != len(supporters):
        raise ValidationError({"supporters": "支援医院重复 (duplicate supporter)"})
    if lead is None:
        if len(supporters) > 1:
            raise ValidationError({"lead": "多家支援医院时须指定牵头医院 (name the lead hospital)"})
        lead = supporters[0]
    if lead.pk not in {s.pk for s in supporters}:
        raise ValidationError({"lead": "牵头医院须为支援医院之一 (the lead must be one of the supporters)"})
    pairing = Pairing.objects.create(
        program=program,
        recipient=recipient,
        service_start=service_start or program.start_date,
        service_end=service_end or program.end_date,
    )
    PairingSupporter.objects.bulk_create(
        [PairingSupporter(pairing=pairing, hospital=s, is_lead=(s.pk == lead.pk)) for s in supporters]
    )
    return pairing


@transaction.atomic
def pairing_set_lead(*, user: User, pairing: Pairing, lead: Hospital) -> None:
    """Move the lead to another supporter of the pairing (checked at commit by the database).

    The pairing is re-checked: its leader designations now answer to the new lead (LEADER_DESIGNATION).
    """
    _require_province_staff(user, pairing.program.province)
    if not pairing.supporters.filter(hospital=lead).exists():
        raise ValidationError({"lead": "牵头医院须为支援医院之一 (the lead must be one of the supporters)"})
    pairing.supporters.update(is_lead=False)
    pairing.supporters.filter(hospital=lead).update(is_lead=True)
    pairing_changed(pairing_id=pairing.pk, reason=f"lead changed to hospital {lead.pk}")
