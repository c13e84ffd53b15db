"""Reads of the rule catalog page: every registered rule with its clause, parameters and finding counts."""

from __future__ import annotations

import dataclasses

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from assessments.choices import FindingStatus, Severity
from assessments.models import Finding
from assessments.rules.base import all_rules
from assessments.rules.catalog import explanation, param_label, param_value, rule_info
from core.access import User
from pairings.models import Program


@dataclasses.dataclass(frozen=True)
class CatalogParam:
    name: str
    label: str
    value: str
    overridden: bool  # set by the program rather than taken from its preset


@dataclasses.dataclass(frozen=True)
class CatalogRow:
    code: str
    title_zh: str
    title: str
    severity_label: str
    enabled: bool
    explanation: str
    document: str
    clause: str
    params: list[CatalogParam]
    open: int
    total: int


def catalog_programs(*, user: User) -> QuerySet[Program]:
    """Programs whose catalog the user may read (the province's for its staff, the scope's for others)."""
    return Program.objects.for_user(user).order_by("-is_active", "code")


def rule_catalog(*, user: User, program: Program) -> list[CatalogRow]:
    """Every rule with its effective parameters for ``program`` and the findings the user may see.

    One aggregate query for the counts, whatever the number of rules.
    """
    params = program.rules
    overrides = set(program.params or {})
    counts: dict[str, tuple[int, int]] = {
        r["rule_code"]: (r["open"], r["total"])
        for r in Finding.objects.for_user(user)
        .filter(program=program)
        .values("rule_code")
        .annotate(open=Count("pk", filter=Q(status=FindingStatus.OPEN)), total=Count("pk"))
        .order_by()
    }
    rows = []
    for rule in all_rules():
        info = rule_info(rule.code)
        names = info.params if info else ()
        n_open, n_total = counts.get(rule.code, (0, 0))
        rows.append(
            CatalogRow(
                code=rule.code,
                title_zh=rule.title,
                title=gettext(rule.title),
                severity_label=str(Severity(rule.severity).label),
                enabled=rule.enabled(params),
                explanation=explanation(rule.code),
                document=info.document if info else "",
                clause=info.clause if info else "",
                params=[
                    CatalogParam(
                        name=n,
                        label=param_label(n),
                        value=param_value(n, getattr(params, n, None)),
                        overridden=n in overrides,
                    )
                    for n in names
                    if hasattr(params, n)
                ],
                open=n_open,
                total=n_total,
            )
        )
    return rows
