"""Writes of a program after its creation (``registry.program_create``): parameters, deadlines, status, copy.

Every change states a reason; the reason and the actor travel in the audit context (``core.audit``), so the
program page's history shows who changed what and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.access import User
from core.audit import audit_context
from core.permissions import is_province_staff
from pairings.choices import ProgramStatus
from pairings.models import Program
from pairings.presets import PRESETS, RuleParams
from pairings.services.registry import program_create


def _require(user: User, program: Program, reason: str) -> str:
    if not is_province_staff(user, province_id=program.province_id):
        raise PermissionDenied(_("只有本省卫健委工作人员可以修改帮扶项目。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写修改理由。")})
    return reason


def validate_params(preset: str, overrides: dict[str, Any]) -> RuleParams:
    """The effective parameters of ``overrides`` on ``preset``, or ``ValidationError`` keyed by parameter."""
    try:
        return RuleParams.from_json({**PRESETS[preset].params(), **overrides})
    except ValidationError:
        raise
    except (TypeError, ValueError) as exc:
        raise ValidationError({"params": str(exc)}) from exc


def program_update_params(*, user: User, program: Program, values: dict[str, Any], reason: str) -> Program:
    """Set the program's rule parameters; only the values that differ from the preset are stored.

    ``values`` holds any subset of the parameters; the ones not given keep their current value. Validated
    as a whole (RuleParams) before anything is written; the rule engine reads the new values on its next run.
    """
    reason = _require(user, program, reason)
    effective = {**program.rules.to_json(), **values}
    base = RuleParams.from_json(PRESETS[program.preset].params()).to_json()
    overrides = {k: v for k, v in effective.items() if base.get(k) != v}
    validate_params(program.preset, overrides)
    with (
        transaction.atomic(),
        audit_context(actor=user, source="service:program_update_params", reason=reason),
    ):
        program.params = overrides
        program.save(update_fields=["params", "updated_at"])
    return program


def program_update(
    *,
    user: User,
    program: Program,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    agreement_deadline: dt.date | None,
    roster_deadline: dt.date | None,
    reason: str,
) -> Program:
    """Name, years and deadlines of a program."""
    reason = _require(user, program, reason)
    program.name = name
    program.start_date, program.end_date = start_date, end_date
    program.agreement_deadline, program.roster_deadline = agreement_deadline, roster_deadline
    program.full_clean()
    with transaction.atomic(), audit_context(actor=user, source="service:program_update", reason=reason):
        program.save()
    return program


def program_set_status(*, user: User, program: Program, status: str, reason: str) -> Program:
    """筹备中 → 进行中 → 已结束; only an active program is checked by the nightly sweep (``is_active``)."""
    reason = _require(user, program, reason)
    if status not in ProgramStatus.values:
        raise ValidationError({"status": _("未知的项目状态：%(s)s") % {"s": status}})
    with transaction.atomic(), audit_context(actor=user, source="service:program_set_status", reason=reason):
        program.status = status
        program.is_active = status == ProgramStatus.ACTIVE
        program.save(update_fields=["status", "is_active", "updated_at"])
    return program


def program_copy(
    *, user: User, program: Program, code: str, name: str, start_date: dt.date, end_date: dt.date
) -> Program:
    """A new program for the next cycle: same preset, parameters and document, as a draft.

    Deadlines move by the same offset from the start as in the program copied. Pairings are not copied:
    the next cycle's list (附件1) is loaded afresh.
    """
    if not is_province_staff(user, province_id=program.province_id):
        raise PermissionDenied(_("只有本省卫健委工作人员可以复制帮扶项目。"))
    shift = start_date - program.start_date

    def moved(day: dt.date | None) -> dt.date | None:
        return day + shift if day else None

    with audit_context(actor=user, source="service:program_copy", copied_from=program.pk):
        return program_create(
            user=user,
            province=program.province,
            code=code,
            name=name,
            preset=program.preset,
            start_date=start_date,
            end_date=end_date,
            params=dict(program.params),
            document=program.document,
            agreement_deadline=moved(program.agreement_deadline),
            roster_deadline=moved(program.roster_deadline),
            status=ProgramStatus.DRAFT,
        )
