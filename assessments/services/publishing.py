"""Publishing a year's 年度考核: the summary the officer confirms, revisions of published results, 表扬.

Published results are frozen. The only way back is a revision: province staff open a new draft of a published
result with a reason (audited with the row); publishing it supersedes the published row, which is kept.

Commendation (表扬, SPEC §4 consequences), defined here once beside 通报批评 (``supporters_for_review``): a
supporter is commended for a year when every pairing it supports in the program is graded 优秀 that year and
none of them has an open critical or major finding.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.choices import AppraisalStatus, FindingStatus, Grade, Severity
from assessments.models import AnnualAppraisal, Finding
from assessments.services.appraisals import (
    may_manage_annual_appraisals,
    publishable_drafts,
    supporters_for_review,
)
from core.access import User
from pairings.models import PairingSupporter, Program


def _require_province_staff(user: User, program: Program) -> None:
    if not may_manage_annual_appraisals(user, program):
        raise PermissionDenied(_("只有本省卫健委工作人员可以进行年度考核操作。"))


def year_grades(*, program: Program, year: int, with_drafts: bool = True) -> dict[int, tuple[str, Decimal]]:
    """pairing id → (grade, score): the published result, or the draft where ``with_drafts`` and none is."""
    grades: dict[int, tuple[str, Decimal]] = {}
    statuses = [AppraisalStatus.PUBLISHED] + ([AppraisalStatus.DRAFT] if with_drafts else [])
    rows = AnnualAppraisal.objects.filter(pairing__program=program, year=year, status__in=statuses)
    for a in rows.order_by("status"):
        grades[a.pairing_id] = (a.grade, a.score)  # "draft" sorts first: a published row wins
    return grades


def supporters_for_commendation(
    *, program: Program, year: int, grades: dict[int, tuple[str, Decimal]] | None = None
) -> list[dict[str, Any]]:
    """表扬 list: supporters whose every pairing is 优秀 in ``year`` with no open critical/major finding."""
    if grades is None:
        grades = year_grades(program=program, year=year)
    serious = set(
        Finding.objects.filter(
            program=program, status=FindingStatus.OPEN, severity__in=[Severity.CRITICAL, Severity.MAJOR]
        )
        .exclude(pairing=None)
        .values_list("pairing_id", flat=True)
        .distinct()
    )
    by_supporter: dict[int, list[PairingSupporter]] = defaultdict(list)
    for ps in (
        PairingSupporter.objects.filter(pairing__program=program)
        .select_related("hospital", "pairing__recipient")
        .order_by("hospital__code", "pairing__recipient__code")
    ):
        by_supporter[ps.hospital_id].append(ps)
    out = []
    for links in by_supporter.values():
        if all(
            grades.get(ps.pairing_id, ("", 0))[0] == Grade.EXCELLENT and ps.pairing_id not in serious
            for ps in links
        ):
            out.append(
                {
                    "supporter": links[0].hospital,
                    "pairings": [ps.pairing for ps in links],
                    "reason": _("所帮扶的 %(n)d 个帮扶关系年度考核均为优秀，且无未整改的严重或较重问题")
                    % {"n": len(links)},
                }
            )
    return out


@dataclasses.dataclass(frozen=True)
class PublishSummary:
    count: int  # drafts that would be published (what the officer confirms)
    by_grade: list[tuple[str, int]]
    revisions: list[AnnualAppraisal]
    criticised: list[dict[str, Any]]
    commended: list[dict[str, Any]]


def annual_publish_summary(*, user: User, program: Program, year: int) -> PublishSummary:
    """What publishing ``year`` would do: results per grade, revisions, who is named for 通报批评 / 表扬."""
    _require_province_staff(user, program)
    drafts = list(publishable_drafts(program=program, year=year).select_related("pairing__recipient"))
    grades = year_grades(program=program, year=year, with_drafts=False)
    grades.update({d.pairing_id: (d.grade, d.score) for d in drafts})  # as it will stand once published
    counts = Counter(d.grade for d in drafts)
    return PublishSummary(
        count=len(drafts),
        by_grade=[(str(label), counts.get(value, 0)) for value, label in Grade.choices],
        revisions=[d for d in drafts if d.revision_reason],
        criticised=supporters_for_review(program=program, year=year, grades=grades),
        commended=supporters_for_commendation(program=program, year=year, grades=grades),
    )


def annual_appraisal_revise(*, user: User, appraisal: AnnualAppraisal, reason: str) -> AnnualAppraisal:
    """Open a revision of a published result: a draft (a copy, to adjust or recompute) carrying the reason.

    Publishing it supersedes the published row. The reason is mandatory; the row's history is audited.
    """
    program = appraisal.pairing.program
    _require_province_staff(user, program)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("修订已发布的结果必须填写理由。"))
    if appraisal.status != AppraisalStatus.PUBLISHED:
        raise ValidationError(_("只能修订已发布的结果。"))
    with transaction.atomic():
        draft = (
            AnnualAppraisal.objects.select_for_update()
            .filter(pairing_id=appraisal.pairing_id, year=appraisal.year, status=AppraisalStatus.DRAFT)
            .first()
        )
        if draft is None:
            draft = AnnualAppraisal(
                pairing_id=appraisal.pairing_id,
                year=appraisal.year,
                status=AppraisalStatus.DRAFT,
                computed_score=appraisal.computed_score,
                adjustment=appraisal.adjustment,
                adjustment_reason=appraisal.adjustment_reason,
                adjusted_by=appraisal.adjusted_by,
                score=appraisal.score,
                grade=appraisal.grade,
                breakdown=appraisal.breakdown,
                computed_at=appraisal.computed_at,
            )
        draft.revision_reason = reason
        draft.save()
    return draft
