"""Reads of programs and their rule parameters (scoped through ``for_user``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.access import AnyUser
from pairings.models import Program
from pairings.parameters import PARAMETER_HELP
from pairings.presets import PRESETS, RuleParams, parameter_sources


def program_list(*, user: AnyUser) -> QuerySet[Program]:
    return (
        Program.objects.for_user(user)
        .select_related("province")
        .annotate(pairing_count=Count("pairings"))
        .order_by("-start_date", "code")
    )


def get_program_for_user(*, user: AnyUser, pk: int) -> Program:
    """The program if the user may see it; 404 for "missing" and "not yours" alike."""
    return get_object_or_404(Program.objects.for_user(user).select_related("province"), pk=pk)


@dataclasses.dataclass(frozen=True)
class ParameterRow:
    name: str
    label: str
    explanation: str
    value: Any
    source: str  # override / preset / default
    source_label: str
    kind: str  # int / bool / float / str / list / intlist / json: how the edit form reads it
    optional: bool  # may be None (the check is off)


def _kind(annotation: str) -> str:
    if "dict" in annotation:
        return "json"  # e.g. monthly_items: a list of {code, label, max}
    if "tuple[int" in annotation:
        return "intlist"
    if "tuple" in annotation:
        return "list"
    if "bool" in annotation:
        return "bool"
    if "float" in annotation:
        return "float"
    if "str" in annotation:
        return "str"
    return "int"


def program_parameters(program: Program) -> list[ParameterRow]:
    """Every rule parameter with its effective value and where it comes from (no query).

    An override is the program's own setting; otherwise the preset's value (its label names the document);
    otherwise the default, which is the Gansu 2022 plan (甘卫医政发〔2022〕37号) — or, where that text sets no
    number, a switch this system leaves off.
    """
    effective = program.rules.to_json()
    preset = PRESETS.get(program.preset)
    sources = parameter_sources(program.preset, program.params or {})
    rows = []
    for field in dataclasses.fields(RuleParams):
        name = field.name
        setting = sources[name]
        # Where the number comes from, with the document and clause (pairings.presets, presets as data).
        where = f"{setting.document}　{setting.clause}".strip()
        if name in (program.params or {}):
            source, source_label = "override", _("本项目设定")
        elif preset is not None and name in preset.settings:
            source, source_label = "preset", where
        else:
            source, source_label = "default", where or _("默认值（甘卫医政发〔2022〕37号或系统默认）")
        label, explanation = PARAMETER_HELP.get(name, (name, _("（暂无说明）")))
        rows.append(
            ParameterRow(
                name=name,
                label=str(label),
                explanation=str(explanation),
                value=effective[name],
                source=source,
                source_label=str(source_label),
                kind=_kind(str(field.type)),
                optional="None" in str(field.type),
            )
        )
    return rows
