"""Individual and pairing appraisals (SPEC §2 steps 5–8, §4).

* 月考核 ``monthly_assessment_upsert``: recipient coordinator; MONTHLY_SCORE pass mark, subsidy, deduction.
* 在岗抽查 ``spot_check_record``: supporter coordinator (SPOT_CHECKS).
* 书面考核意见 ``end_appraisal_record``: recipient coordinator; issues the certificate when eligible.
* 年度考核 ``annual_appraisal_compute`` / ``_adjust`` / ``_publish``: commission staff of the province.

Grade review (通报批评), defined here once: a supporter is named for failing its tasks in a year when a
pairing it supports is graded 不合格 that year, or when a pairing it supports has an open critical finding.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import BAND_GRADES, AppraisalStatus, FindingStatus, Grade, Severity
from assessments.models import (
    AnnualAppraisal,
    EndOfStintAppraisal,
    Finding,
    MonthlyAssessment,
    Scorecard,
    SpotCheck,
)
from assessments.reports.figures import FIGURE_LABELS, pairing_figures
from assessments.services.certificates import certificate_issue_if_eligible
from assessments.services.monthly import monthly_outcome
from core import events
from core.access import User
from core.dates import month_overlaps
from core.permissions import is_province_staff, is_recipient_coordinator, is_supporter_coordinator
from pairings.models import PairingSupporter, Program
from teams.models import Deployment
from teams.selectors.deployments import deployment_span

# --- Monthly assessment -----------------------------------------------------------------------------

# Used when the program's params carry no "monthly_items" ([{"code", "label", "max"}], maxima sum to 100).
DEFAULT_MONTHLY_ITEMS: list[dict[str, Any]] = [
    {"code": "discipline", "label": "工作纪律", "max": 20},
    {"code": "clinical", "label": "临床工作", "max": 40},
    {"code": "teaching", "label": "带教培训", "max": 20},
    {"code": "satisfaction", "label": "群众满意度", "max": 20},
]


def monthly_items_for(program: Program) -> list[dict[str, Any]]:
    """The program's monthly form (``RuleParams.monthly_items``: preset or override), else the default."""
    items = program.rules.monthly_items
    # Copies: the parsed parameters are shared by every Program row with the same preset and overrides.
    return [dict(i) for i in items] if items else DEFAULT_MONTHLY_ITEMS


def monthly_items_save(*, user: User, program: Program, items: list[dict[str, Any]] | None) -> Program:
    """Set the program's own monthly form (items and maxima adding up to 100) — its province's commission
    staff; ``None`` goes back to the preset's (or the default) form. Checked as every rule parameter is."""
    if not is_province_staff(user, province_id=program.province_id):
        raise PermissionDenied(_("只有本省卫健委工作人员可以设置月考核表。"))
    params = dict(program.params or {})
    if items is None:
        params.pop("monthly_items", None)
    else:
        params["monthly_items"] = items
    try:
        program.rules_from(params)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("月考核表有误：各项满分之和须为 100，名称不能为空且不能重复。")) from exc
    program.params = params
    program.save(update_fields=["params", "updated_at"])
    return program


def _q(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _is_recipient_coordinator_of(user: User, deployment: Deployment) -> bool:
    return is_recipient_coordinator(user, hospital_id=deployment.team.pairing.recipient_id)


def monthly_assessment_upsert(
    *,
    user: User,
    deployment: Deployment,
    month: dt.date,
    items: dict[str, Any],
    comment: str = "",
) -> MonthlyAssessment:
    """Record (or correct) the 月考核 of one deployed person for one month.

    Score = sum of the item scores (each 0…its max). MONTHLY_SCORE: under ``monthly_pass_score`` is a fail;
    with ``monthly_subsidy`` S a fail deducts ``monthly_deduction`` D (never more than S): payable S − D.
    Only the recipient's coordinator may record, only for months the deployment is on site.
    """
    if not _is_recipient_coordinator_of(user, deployment):
        raise PermissionDenied(_("只有受援医院联络员可以录入月考核。"))
    month = month.replace(day=1)
    start, end = deployment_span(deployment)
    if not month_overlaps(month, start, end):
        raise ValidationError(_("该月份不在派驻期内，不能考核。"))
    program = deployment.team.pairing.program
    defined = monthly_items_for(program)
    scores: dict[str, str] = {}
    total = Decimal(0)
    for item in defined:
        raw = items.get(item["code"])
        if raw in (None, ""):
            raise ValidationError(_("请填写“%(label)s”得分。") % {"label": item["label"]})
        value = _q(raw)
        if value < 0 or value > Decimal(str(item["max"])):
            raise ValidationError(
                _("“%(label)s”得分须在 0–%(max)s 之间。") % {"label": item["label"], "max": item["max"]}
            )
        scores[item["code"]] = str(value)
        total += value

    passed, subsidy, deduction = monthly_outcome(rules=program.rules, score=total)
    with transaction.atomic():
        assessment, _created = MonthlyAssessment.objects.update_or_create(
            deployment=deployment,
            month=month,
            defaults={
                "score": total,
                "items": scores,
                "passed": passed,
                "subsidy_cny": subsidy,
                "deduction_cny": deduction,
                "comment": comment,
                "assessed_by": user if user is not None and user.is_authenticated else None,
            },
        )
    return assessment


def spot_check_record(
    *, user: User, deployment: Deployment, checked_at: dt.datetime, reached: bool, note: str = ""
) -> SpotCheck:
    """Record a 在岗抽查 phone call (SPOT_CHECKS: ``spot_checks_per_month``).

    Only the coordinator of the deployment's supporter may record it."""
    if not is_supporter_coordinator(user, hospital_id=deployment.supporter_id):
        raise PermissionDenied(_("只有支援医院联络员可以录入在岗抽查。"))
    day = timezone.localtime(checked_at).date() if timezone.is_aware(checked_at) else checked_at.date()
    if not deployment.start <= day <= deployment.end:
        raise ValidationError(
            _("抽查日期 %(d)s 不在该人员的派驻期内（%(s)s 至 %(e)s）")
            % {"d": day, "s": deployment.start, "e": deployment.end}
        )
    if day > timezone.localdate():
        raise ValidationError(_("抽查日期不能晚于今天"))
    with transaction.atomic():
        return SpotCheck.objects.create(
            deployment=deployment, checked_at=checked_at, reached=reached, note=note, checked_by=user
        )


def end_appraisal_record(
    *,
    user: User,
    deployment: Deployment,
    qualified: bool,
    opinion: str,
    signer: str,
    signed_on: dt.date,
) -> EndOfStintAppraisal:
    """Record the recipient's 书面考核意见 (END_APPRAISAL) and issue the 基层帮扶工作经历证明 when eligible
    (qualified, stay ≥ leader_min_stay_months / member_min_stay_months, stint ended)."""

    if not _is_recipient_coordinator_of(user, deployment):
        raise PermissionDenied(_("只有受援医院联络员可以录入期满考核意见。"))
    if not opinion.strip() or not signer.strip():
        raise ValidationError(_("考核意见和签署人必填。"))
    with transaction.atomic():
        appraisal, _created = EndOfStintAppraisal.objects.update_or_create(
            deployment=deployment,
            defaults={
                "qualified": qualified,
                "opinion": opinion,
                "signer": signer,
                "signed_on": signed_on,
                "recorded_by": user if user is not None and user.is_authenticated else None,
            },
        )
        certificate_issue_if_eligible(appraisal=appraisal)
    return appraisal


# --- Annual appraisal: scorecard ------------------------------------------------------------------------

DEFAULT_BANDS: list[dict[str, Any]] = [
    {"grade": Grade.EXCELLENT.value, "min": 90},
    {"grade": Grade.GOOD.value, "min": 80},
    {"grade": Grade.PASS.value, "min": 60},
    {"grade": Grade.FAIL.value, "min": 0},
]

# Weights sum to 100. Every figure named in params is a key of reports.figures.FIGURE_LABELS.
DEFAULT_INDICATORS: list[dict[str, Any]] = [
    {"code": "full_strength", "label": "团队满编（在岗人数达标天数）", "weight": 15, "function": "rate",
     "params": {"num": "full_strength_days", "den": "period_days"}},
    {"code": "qualification", "label": "人员资质达标", "weight": 10, "function": "rate",
     "params": {"num": "qualified_deployments", "den": "deployments"}},
    {"code": "stay", "label": "驻点时长达标", "weight": 5, "function": "rate",
     "params": {"num": "stay_met_deployments", "den": "deployments"}},
    {"code": "coverage", "label": "全年派驻覆盖", "weight": 10, "function": "rate",
     "params": {"num": "covered_days", "den": "period_days"}},
    {"code": "attendance", "label": "出勤率", "weight": 15, "function": "rate",
     "params": {"num": "attendance_present", "den": "attendance_expected"}},
    {"code": "training", "label": "免费培训名额完成", "weight": 10, "function": "target",
     "params": {"value": "trainees", "target_figure": "training_quota"}},
    {"code": "timeliness", "label": "协议签订与名单备案及时", "weight": 10, "function": "composite_rate",
     "params": {"parts": [["agreements_timely", "agreements_due"], ["rosters_timely", "deployments"]]}},
    {"code": "capacity", "label": "能力建设（中心、新技术、专科）", "weight": 10, "function": "target",
     "params": {"value": "capacity_items", "target": 3}},
    {"code": "services", "label": "远程服务与带教工作量", "weight": 5, "function": "target",
     "params": {"value": "service_activities", "target": 24}},
    {"code": "findings", "label": "未整改严重问题", "weight": 10, "function": "penalty",
     "params": {"counts": {"open_critical_findings": 0.5, "open_major_findings": 0.1}}},
]  # fmt: skip


# Denominators that are empty when the data was not imported rather than when the pairing failed: a rate
# over them is "not applicable" (SPEC §3a — a month with no attendance imported is never 0 %); the
# indicator's weight is then left out and the other indicators carry the score.
NOT_APPLICABLE_WHEN_EMPTY = frozenset({"attendance_expected"})


def _fn_rate(figs: dict[str, Any], params: dict[str, Any]) -> tuple[float | None, dict[str, Any]]:
    num, den = figs.get(params["num"], 0), figs.get(params["den"], 0)
    used = {params["num"]: num, params["den"]: den}
    if not den:
        if params["den"] in NOT_APPLICABLE_WHEN_EMPTY:
            return None, used
        return (1.0 if params.get("empty") == "full" else 0.0), used
    return min(1.0, num / den), used


def _fn_composite_rate(figs: dict[str, Any], params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    used: dict[str, Any] = {}
    num = den = 0
    for n, d in params["parts"]:
        used[n], used[d] = figs.get(n, 0), figs.get(d, 0)
        num += used[n]
        den += used[d]
    return (min(1.0, num / den) if den else 0.0), used


def _fn_target(figs: dict[str, Any], params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    value = figs.get(params["value"], 0)
    target = figs.get(params["target_figure"], 0) if "target_figure" in params else params.get("target", 0)
    used = {params["value"]: value, params.get("target_figure", "target"): target}
    # A target the program switched off (0 / None) cannot be missed.
    return (1.0 if not target else min(1.0, value / target)), used


def _fn_penalty(figs: dict[str, Any], params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    used = {name: figs.get(name, 0) for name in params["counts"]}
    lost = sum(used[name] * float(per) for name, per in params["counts"].items())
    return max(0.0, 1.0 - lost), used


# How each scoring function reads, for the scorecard page.
SCORING_FUNCTION_LABELS = {
    "rate": _("达标比例"),
    "composite_rate": _("合并达标比例"),
    "target": _("目标完成度"),
    "penalty": _("按问题扣分"),
}

SCORING_FUNCTIONS = {
    "rate": _fn_rate,
    "composite_rate": _fn_composite_rate,
    "target": _fn_target,
    "penalty": _fn_penalty,
}


def scorecard_for(program: Program) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(indicators, bands): the program's Scorecard row, else the shipped default."""
    card = Scorecard.objects.filter(program=program).first()
    if card is None:
        return DEFAULT_INDICATORS, DEFAULT_BANDS
    return card.indicators or DEFAULT_INDICATORS, card.bands or DEFAULT_BANDS


def scorecard_save(
    *, user: User, program: Program, weights: dict[str, int], band_minimums: dict[str, int], note: str = ""
) -> Scorecard:
    """Set the weights of the program's scorecard indicators and the grade bands (province staff, SPEC §4).

    The indicators themselves (what is measured, how) stay as shipped; the commission weighs them. Weights
    are whole points summing to 100; the bands' lower bounds fall strictly from 优秀 to 合格, inside 1–100.
    Published appraisals keep the scores they were published with; the next computation uses the new card.
    """
    _require_province_staff(user, program)
    indicators, _bands = scorecard_for(program)
    errors: dict[str, list[str]] = {}
    codes = [ind["code"] for ind in indicators]
    if set(weights) != set(codes):
        errors["weights"] = [_("每个指标都需要权重。")]
    elif any(not 0 <= w <= 100 for w in weights.values()):
        errors["weights"] = [_("权重应在 0 到 100 之间。")]
    elif sum(weights.values()) != 100:
        errors["weights"] = [_("权重合计应为 100，现为 %(n)d。") % {"n": sum(weights.values())}]
    mins = [band_minimums.get(g) for g in BAND_GRADES]
    if any(m is None or not 1 <= m <= 100 for m in mins):
        errors["bands"] = [_("等次分数线应在 1 到 100 之间。")]
    elif not all(a > b for a, b in zip(mins, mins[1:], strict=False)):  # type: ignore[operator]
        errors["bands"] = [_("分数线应依次递减：优秀 > 良好 > 合格。")]
    if errors:
        raise ValidationError(errors)
    card, _created = Scorecard.objects.update_or_create(
        program=program,
        defaults={
            "indicators": [{**ind, "weight": weights[ind["code"]]} for ind in indicators],
            "bands": [{"grade": g, "min": band_minimums[g]} for g in BAND_GRADES]
            + [{"grade": Grade.FAIL.value, "min": 0}],
            "note": note[:200],
        },
    )
    return card


def scorecard_reset(*, user: User, program: Program) -> None:
    """Back to the shipped scorecard (DEFAULT_INDICATORS / DEFAULT_BANDS)."""
    _require_province_staff(user, program)
    Scorecard.objects.filter(program=program).delete()


def grade_for(score: Decimal, bands: list[dict[str, Any]]) -> str:
    for band in sorted(bands, key=lambda b: -float(b["min"])):
        if score >= Decimal(str(band["min"])):
            return str(band["grade"])
    return Grade.FAIL.value


def score_figures(
    figs: dict[str, Any], indicators: list[dict[str, Any]]
) -> tuple[Decimal, list[dict[str, Any]]]:
    """Score one pairing: per indicator weight × function(figures); every line keeps the figures it used.

    An indicator with nothing to measure (``NOT_APPLICABLE_WHEN_EMPTY``: e.g. no attendance imported) is
    marked ``not_applicable`` and scores nothing; the applicable weights are scaled up to the full 100
    (``applied_weight``), so a pairing is neither punished nor rewarded for data that is missing."""
    results = []
    for ind in indicators:
        fn = SCORING_FUNCTIONS[ind["function"]]
        ratio, used = fn(figs, ind.get("params", {}))
        results.append((ind, ratio, used))
    full = sum(Decimal(str(ind["weight"])) for ind, _r, _u in results)
    applicable = sum(Decimal(str(ind["weight"])) for ind, r, _u in results if r is not None)
    scale = full / applicable if applicable else Decimal(0)
    lines = []
    total = Decimal(0)
    for ind, ratio, used in results:
        weight = Decimal(str(ind["weight"])) * scale if ratio is not None else Decimal(0)
        score = _q(weight * Decimal(str(round(ratio, 6)))) if ratio is not None else _q(0)
        total += score
        lines.append(
            {
                "code": ind["code"],
                "label": ind["label"],
                "weight": ind["weight"],
                "applied_weight": str(_q(weight)),
                "not_applicable": ratio is None,
                "function": ind["function"],
                "figures": {k: {"label": FIGURE_LABELS.get(k, k), "value": v} for k, v in used.items()},
                "ratio": round(ratio, 4) if ratio is not None else None,
                "score": str(score),
            }
        )
    return min(_q(total), Decimal(100)), lines


def grade_review_reasons(grade: str, figs: dict[str, Any]) -> list[str]:
    """Why a pairing's supporters are flagged for grade review (通报批评), per the module docstring."""
    reasons = []
    if grade == Grade.FAIL:
        reasons.append(_("年度考核不合格"))
    if figs.get("open_critical_findings"):
        reasons.append(_("存在未整改严重问题 %(n)d 项") % {"n": figs["open_critical_findings"]})
    return reasons


def may_manage_annual_appraisals(user: User, program: Program) -> bool:
    """Compute, publish and set the scorecard of a program's 年度考核: its province's commission staff."""
    return is_province_staff(user, province_id=program.province_id)


def _require_province_staff(user: User, program: Program) -> None:
    if not may_manage_annual_appraisals(user, program):
        raise PermissionDenied(_("只有本省卫健委工作人员可以进行年度考核操作。"))


def annual_appraisal_compute(*, user: User, program: Program, year: int) -> list[AnnualAppraisal]:
    """Compute every pairing's 年度考核 for ``year`` with the program's scorecard (SPEC §4).

    Set-based: the figures come from ``reports.figures.pairing_figures`` (a fixed number of queries); the
    drafts are replaced in bulk. Published rows are never touched: a recompute after publishing makes a new
    draft beside the frozen published row. An adjustment made on the replaced draft is carried over.
    ``user=None`` is the system (management command / scheduled task).
    """
    if user is not None:
        _require_province_staff(user, program)
    if year not in program.years:
        raise ValidationError(_("年度不在项目周期内。"))
    indicators, bands = scorecard_for(program)
    figures = pairing_figures(program=program, year=year)
    now = timezone.now()
    with transaction.atomic():
        old = {
            a.pairing_id: a
            for a in AnnualAppraisal.objects.select_for_update().filter(
                pairing__program=program, year=year, status=AppraisalStatus.DRAFT
            )
        }
        AnnualAppraisal.objects.filter(pk__in=[a.pk for a in old.values()]).delete()
        rows = []
        for pairing_id in sorted(figures):
            figs = figures[pairing_id]
            computed, lines = score_figures(figs, indicators)
            prev = old.get(pairing_id)
            adjustment = prev.adjustment if prev else Decimal(0)
            score = max(Decimal(0), min(Decimal(100), computed + adjustment))
            rows.append(
                AnnualAppraisal(
                    pairing_id=pairing_id,
                    year=year,
                    status=AppraisalStatus.DRAFT,
                    computed_score=computed,
                    adjustment=adjustment,
                    adjustment_reason=prev.adjustment_reason if prev else "",
                    adjusted_by=prev.adjusted_by if prev else None,
                    revision_reason=prev.revision_reason if prev else "",
                    score=score,
                    grade=grade_for(score, bands),
                    breakdown={
                        "indicators": lines,
                        "figures": figs,
                        "bands": bands,
                        "grade_review": grade_review_reasons(grade_for(score, bands), figs),
                    },
                    computed_at=now,
                )
            )
        return AnnualAppraisal.objects.bulk_create(rows)


def annual_appraisal_adjust(
    *, user: User, appraisal: AnnualAppraisal, adjustment: Decimal, reason: str
) -> AnnualAppraisal:
    """Commission staff adjust a draft score by ±points; the reason is mandatory and audited."""
    program = appraisal.pairing.program
    _require_province_staff(user, program)
    if appraisal.status != AppraisalStatus.DRAFT:
        raise ValidationError(_("已发布的考核结果不能修改。"))
    if not (reason or "").strip():
        raise ValidationError(_("调整分数必须填写理由。"))
    adjustment = _q(adjustment)
    _indicators, bands = scorecard_for(program)
    with transaction.atomic():
        appraisal = AnnualAppraisal.objects.select_for_update().get(pk=appraisal.pk)
        appraisal.adjustment = adjustment
        appraisal.adjustment_reason = reason.strip()
        appraisal.adjusted_by = user
        appraisal.score = max(Decimal(0), min(Decimal(100), appraisal.computed_score + adjustment))
        appraisal.grade = grade_for(appraisal.score, bands)
        appraisal.save()
    return appraisal


def publishable_drafts(*, program: Program, year: int) -> Any:
    """The drafts a publish publishes: pairings not yet published, and revisions (a draft with a reason)."""
    published = AnnualAppraisal.objects.filter(
        pairing__program=program, year=year, status=AppraisalStatus.PUBLISHED
    ).values("pairing_id")
    return AnnualAppraisal.objects.filter(
        pairing__program=program, year=year, status=AppraisalStatus.DRAFT
    ).exclude(Q(pairing_id__in=published) & Q(revision_reason=""))


def annual_appraisal_publish(*, user: User, program: Program, year: int, expected: int | None = None) -> int:
    """Publish the year's drafts (frozen from then on). A pairing whose year is already published keeps its
    published row and its newer draft stays a draft — unless the draft is a revision (``revision_reason``),
    which supersedes the published row. ``expected`` is the count the user confirmed: a different count
    (someone recomputed meanwhile) publishes nothing. Returns the number published."""
    _require_province_staff(user, program)
    now = timezone.now()
    with transaction.atomic():
        drafts = list(publishable_drafts(program=program, year=year).select_for_update())
        if expected is not None and expected != len(drafts):
            raise ValidationError(_("待发布的结果已有变化，请重新查看摘要后再确认发布。"))
        revised = [d.pairing_id for d in drafts if d.revision_reason]
        AnnualAppraisal.objects.filter(
            pairing__program=program, year=year, status=AppraisalStatus.PUBLISHED, pairing_id__in=revised
        ).update(status=AppraisalStatus.SUPERSEDED, updated_at=now)
        count = AnnualAppraisal.objects.filter(pk__in=[d.pk for d in drafts]).update(
            status=AppraisalStatus.PUBLISHED, published_at=now, published_by=user, updated_at=now
        )
        if count:
            events.notice(events.RESULTS_PUBLISHED, object_ids=[program.pk], actor_id=user.pk)
        return count


def supporters_for_review(
    *, program: Program, year: int, grades: dict[int, tuple[str, Decimal]] | None = None
) -> list[dict[str, Any]]:
    """通报批评 list: supporters named for failing their tasks in ``year`` (rule in the module docstring).

    ``grades`` (pairing id → (grade, score)) defaults to the published appraisal where there is one, else
    the draft. Three queries.
    """
    if grades is None:
        grades = {}
        for a in (
            AnnualAppraisal.objects.filter(pairing__program=program, year=year)
            .exclude(status=AppraisalStatus.SUPERSEDED)
            .order_by("status")
        ):
            # "draft" sorts before "published": a published row overwrites the draft.
            grades[a.pairing_id] = (a.grade, a.score)
    critical: dict[int, int] = {}
    for pid, n in (
        Finding.objects.filter(program=program, status=FindingStatus.OPEN, severity=Severity.CRITICAL)
        .exclude(pairing=None)
        .values_list("pairing_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        critical[pid] = n
    out = []
    for ps in (
        PairingSupporter.objects.filter(pairing__program=program)
        .select_related("hospital", "pairing__recipient")
        .order_by("hospital__code", "pairing__recipient__code")
    ):
        reasons = []
        grade = grades.get(ps.pairing_id)
        if grade and grade[0] == Grade.FAIL:
            reasons.append(_("年度考核不合格（%(score)s 分）") % {"score": grade[1]})
        if critical.get(ps.pairing_id):
            reasons.append(_("存在未整改严重问题 %(n)d 项") % {"n": critical[ps.pairing_id]})
        if reasons:
            out.append(
                {
                    "supporter": ps.hospital,
                    "pairing": ps.pairing,
                    "is_lead": ps.is_lead,
                    "reasons": reasons,
                }
            )
    return out
