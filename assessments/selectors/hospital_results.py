"""A hospital's own annual result (本院考核结果, issue 15 "Both"): its pairings' published 年度考核 with the
figures behind each score, the 通报批评 / 表扬 naming them, and the rectifications addressed to it.

Only published results: a draft is the commission's work in progress and is never shown to a hospital. The
criticism and commendation lists are the one definition in ``assessments.services``
(``supporters_for_review``, ``supporters_for_commendation``), given the published grades only. Queries:
the appraisals, then five per program year shown (never one per pairing), then the rectifications.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from assessments.choices import AppraisalStatus
from assessments.models import AnnualAppraisal, Rectification
from assessments.selectors.rectifications import rectification_list
from assessments.services.appraisals import supporters_for_review
from assessments.services.publishing import supporters_for_commendation, year_grades
from core.access import User
from core.permissions import own_hospital_id
from core.roles import HOSPITAL_ROLES


@dataclasses.dataclass
class HospitalResult:
    appraisal: AnnualAppraisal
    criticised: list[dict[str, Any]]  # {"supporter", "reasons"} naming this pairing's supporters
    commended: list[Any]  # supporters (Hospital) commended, among this pairing's


def own_hospital_ids(user: User) -> set[int]:
    """The hospital(s) a coordinator signed in works for (none for anyone else)."""
    return {h for h in (own_hospital_id(user, role) for role in HOSPITAL_ROLES) if h is not None}


def published_appraisals(*, user: User) -> QuerySet[AnnualAppraisal]:
    return (
        AnnualAppraisal.objects.for_user(user)
        .filter(status=AppraisalStatus.PUBLISHED)
        .select_related("pairing__recipient", "pairing__program", "published_by")
        .order_by("-year", "pairing__program__start_date", "pairing__recipient__code", "pk")
    )


def hospital_results(*, user: User) -> list[HospitalResult]:
    appraisals = list(published_appraisals(user=user))
    criticised: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    commended: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for program, year in {(a.pairing.program, a.year) for a in appraisals}:
        grades = year_grades(program=program, year=year, with_drafts=False)
        for entry in supporters_for_review(program=program, year=year, grades=grades):
            criticised[(entry["pairing"].pk, year)].append(
                {"supporter": entry["supporter"], "reasons": entry["reasons"]}
            )
        for entry in supporters_for_commendation(program=program, year=year, grades=grades):
            for pairing in entry["pairings"]:
                commended[(pairing.pk, year)].append(entry["supporter"])
    return [
        HospitalResult(
            appraisal=a,
            criticised=criticised.get((a.pairing_id, a.year), []),
            commended=commended.get((a.pairing_id, a.year), []),
        )
        for a in appraisals
    ]


def hospital_rectifications(*, user: User) -> QuerySet[Rectification]:
    """Rectifications addressed to the coordinator's own hospital (the ones it answers)."""
    return rectification_list(user=user).filter(hospital_id__in=own_hospital_ids(user))
