"""County outcome indicators against the program's targets (SPEC §5): the page, the API and the report.

One row per county the user may see that has a recipient in the program, with that year's figures (if the
county entered them) and, for each rate with a target, whether it was reached. A fixed number of queries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from assessments.models import CountyOutcome
from core.access import User
from pairings.models import County, Pairing, Program
from pairings.presets import RuleParams

# (field, target parameter, comparison shown): "≈" targets are read as reached at or above the value too.
TARGETS = (
    ("in_county_visit_rate", "outcome_in_county_visit_rate", "≈"),
    ("county_hospitalisation_rate", "outcome_county_hospitalisation_rate", "≥"),
    ("grassroots_visit_share", "outcome_grassroots_visit_share", "≈"),
)


def field_label(name: str) -> str:
    """The Chinese label of a ``CountyOutcome`` figure (its verbose name), in the active language."""
    field = CountyOutcome._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def targets_of(params: RuleParams) -> dict[str, dict[str, Any]]:
    """field → {"target": percent, "sign": "≥"/"≈"} for the rates the program sets a target for."""
    out = {}
    for field, param, sign in TARGETS:
        value = getattr(params, param)
        if value is not None:
            out[field] = {"target": Decimal(str(round(value * 100, 2))), "sign": sign}
    return out


def program_counties(*, user: User, program: Program) -> QuerySet[County]:
    """Counties of the program's recipients that the user may see (county staff: its own)."""
    recipients = Pairing.objects.for_user(user).filter(program=program).values("recipient__county_id")
    return (
        County.objects.for_user(user)
        .filter(pk__in=recipients)
        .select_related("city")
        .order_by("city__name", "name")
    )


def county_outcome_rows(*, user: User, program: Program, year: int) -> list[dict[str, Any]]:
    targets = targets_of(program.rules)
    counties = list(program_counties(user=user, program=program))
    outcomes = {
        o.county_id: o
        for o in CountyOutcome.objects.for_user(user).filter(county__in=[c.pk for c in counties], year=year)
    }
    rows = []
    for county in counties:
        outcome = outcomes.get(county.pk)
        checks = []
        for field, _param, _sign in TARGETS:
            t = targets.get(field)
            value = getattr(outcome, field) if outcome else None
            met = None if t is None or value is None else value >= t["target"]
            label = field_label(field)
            checks.append({"field": field, "label": label, "value": value, "target": t, "met": met})
        rows.append({"county": county, "outcome": outcome, "checks": checks})
    return rows


def outcomes_for_api(
    *, user: User, pairings: list[dict[str, Any]], rules: dict[int, RuleParams], years: range
) -> list[dict[str, Any]]:
    """The figures of the counties of ``pairings``' recipients (as far as the user sees them) in ``years``,
    each with the targets of its program (that of the county's first pairing). One query: the indicators
    API has the scoped pairings and their programs' rules already."""
    program_of: dict[int, int] = {}
    for p in pairings:
        if p["recipient__county_id"] is not None:
            program_of.setdefault(p["recipient__county_id"], p["program_id"])
    targets = {pk: targets_of(r) for pk, r in rules.items()}
    qs = (
        CountyOutcome.objects.for_user(user)
        .filter(county_id__in=list(program_of), year__gte=years.start, year__lt=years.stop)
        .select_related("county")
        # the county last: two counties of one name come in the same order every time
        .order_by("county__name", "year", "county_id")
    )
    return [
        api_row(
            program=program_of[o.county_id],
            county=o.county_id,
            county_name=o.county.name,
            year=o.year,
            rates=[getattr(o, f) for f in CountyOutcome.RATE_FIELDS],
            referrals_up=o.referrals_up,
            referrals_down=o.referrals_down,
            targets=targets[program_of[o.county_id]],
        )
        for o in qs
    ]


def api_row(
    *,
    program: int,
    county: int,
    county_name: str,
    year: int,
    rates: list[Decimal | None],
    referrals_up: int | None,
    referrals_down: int | None,
    targets: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """A county's outcome figures of a year as the indicators give them (``rates``: ``RATE_FIELDS``)."""
    return {
        "program": program,
        "county": county,
        "county_name": county_name,
        "year": year,
        **dict(zip(CountyOutcome.RATE_FIELDS, rates, strict=True)),
        "referrals_up": referrals_up,
        "referrals_down": referrals_down,
        "targets": {k: v["target"] for k, v in targets.items()},
    }
