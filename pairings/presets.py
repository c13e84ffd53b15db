"""Rule parameters of a program (SPEC §3) and the presets taken from the policy documents.

Every number a rule checks lives here, so a program can run Gansu, Guangdong, Bozhou, Mianyang, Hinggan or
Dingxi rules side by side. A program stores only its overrides in ``Program.params``; ``RuleParams.from_json``
fills in the preset's values and validates the result (types, ranges, min ≤ max, known posts and titles), so
a bad value is refused when the program is saved, never later inside a worker.

Presets are data: each number a preset sets carries the document and the clause it comes from
(``Setting``), so a page can show where every parameter of a program comes from (``parameter_sources``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The vocabularies a parameter may name. They mirror ``teams.choices.Post`` and ``teams.choices.Title``
# (a test keeps them equal); the registry sits below ``teams`` and may not import it.
KNOWN_POSTS = ("院长", "副院长", "科室主任", "业务主任", "护士长", "医师", "其他")
KNOWN_TITLES = (1, 2, 3, 4)  # 1 初级 < 2 中级 < 3 副高 < 4 正高
AGREEMENT_PARTIES = ("supporter", "government", "recipient")
EXPERIENCE_BASES = ("clinical", "work")
QUOTA_PERIODS = ("year", "program")


@dataclasses.dataclass(frozen=True)
class RuleParams:
    # TEAM_MIN_SIZE: each rotation's team has ≥ this many people, and as many are on site every day.
    team_min_size: int | None = 5
    team_min_size_tcm: int | None = 3
    # TEAM_MAX_SIZE: people on site ≤ this (Guangdong: "team exactly 5" is min = max = 5).
    team_max_size: int | None = None
    coverage_gap: bool = True
    one_leader: bool = True
    leader_post: bool = True
    leader_posts: tuple[str, ...] = ("院长", "副院长")
    leader_mgmt_years: int | None = 3
    # With several supporters, a leader from a partner hospital needs the lead hospital's designation.
    leader_designation: bool = True
    # MEMBER_CLINICAL_YEARS: years counted from clinical work, or from any work (Bozhou 工作满6年).
    member_clinical_years: int | None = 5
    member_experience_basis: str = "clinical"
    # Title order: 1 初级 < 2 中级 < 3 副高 < 4 正高 (teams.choices.Title).
    member_min_title: int | None = 2
    leader_min_stay_months: int | None = 12
    member_min_stay_months: int | None = 6
    no_double_deployment: bool = True
    roster_filed: bool = True
    agreement_signed: bool = True
    # Who signs the agreement: Gansu three parties, Guangdong supporter and recipient (一对一).
    agreement_parties: tuple[str, ...] = ("supporter", "government", "recipient")
    annual_agreement: bool = True
    # AGREEMENT_ITEMS_OVERDUE: an open agreement item past its due date.
    agreement_items_overdue: bool = True
    # TRAINING_QUOTA: N trainees per year (or over the program), each stint ≥ M months where a preset sets M.
    training_quota: int | None = 3
    training_min_months: int | None = None
    training_quota_period: str = "year"
    training_prorate: bool = True
    training_backbone_only: bool = True
    residency_base: bool = True
    expert_visit_batches: int | None = None
    expert_visit_person_times: int | None = None
    spot_checks_per_month: int | None = None
    monthly_pass_score: int | None = None
    monthly_deduction: int = 0
    monthly_subsidy: int = 0
    # The program's own monthly form (e.g. Bozhou's 月考核表): ({"code", "label", "max"}, …), maxima sum
    # to 100; None = the default four items of assessments.services.appraisals.
    monthly_items: tuple[dict[str, Any], ...] | None = None
    attendance_threshold: float | None = None
    end_appraisal_days: int | None = 30
    capacity_centres_min: int | None = None
    grade_target: bool = True
    grade_target_min_population: int = 50_000
    # County outcome targets (SPEC §5, Guangdong): ratios 0–1 compared with the county health bureaus'
    # yearly figures (assessments.CountyOutcome); None = no target. Not rules: shown beside the figures.
    outcome_in_county_visit_rate: float | None = None
    outcome_county_hospitalisation_rate: float | None = None
    outcome_grassroots_visit_share: float | None = None
    # Deadlines and reminders (reminders app): monthly assessments of a month are due on this day of the next
    # month; reminders go out this many days before a due date (and once more when it is overdue).
    monthly_assessment_due_day: int = 10
    reminder_days: tuple[int, ...] = (7, 1)
    # SPEC §2 step 8: the annual appraisal's results and the annual report of a year are due this many days
    # after the year ends (the commission's own dates on the calendar; the documents set no day).
    annual_appraisal_due_days: int = 31
    annual_report_due_days: int = 60

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RuleParams:
        """The parameters from stored JSON, validated; raises ``ValidationError`` keyed by parameter."""
        data = dict(data or {})
        errors: dict[str, str] = {}
        for name in sorted(set(data) - cls.field_names()):
            errors[name] = _("参数 %(name)s：未知的规则参数") % {"name": name}
        for name, value in data.items():
            check = _CHECKS.get(name)
            if check is not None:
                problem = check(value)
                if problem:
                    errors[name] = _("参数 %(name)s：%(problem)s（收到 %(value)r）") % {
                        "name": name,
                        "problem": problem,
                        "value": value,
                    }
        if errors:
            raise ValidationError(errors)
        for name in ("leader_posts", "agreement_parties"):
            if name in data:
                data[name] = tuple(data[name])
        if "reminder_days" in data:
            data["reminder_days"] = tuple(sorted({int(d) for d in data["reminder_days"]}, reverse=True))
        if data.get("monthly_items") is not None:
            data["monthly_items"] = tuple(
                {"code": str(i["code"]), "label": str(i["label"]), "max": i["max"]}
                for i in data["monthly_items"]
            )
        params = cls(**data)
        params._check_together()
        return params

    def _check_together(self) -> None:
        """Relations between parameters (min ≤ max, a deduction within the subsidy)."""
        errors: dict[str, str] = {}
        mx = self.team_max_size
        if mx is not None:
            for name in ("team_min_size", "team_min_size_tcm"):
                mn = getattr(self, name)
                if mn is not None and mn > mx:
                    errors[name] = _("参数 %(name)s：最少人数 %(min)s 大于最多人数 team_max_size %(max)s") % {
                        "name": name,
                        "min": mn,
                        "max": mx,
                    }
        if self.monthly_deduction > self.monthly_subsidy:
            errors["monthly_deduction"] = _(
                "参数 monthly_deduction：扣减 %(d)s 元大于月补助 monthly_subsidy %(s)s 元"
            ) % {"d": self.monthly_deduction, "s": self.monthly_subsidy}
        if errors:
            raise ValidationError(errors)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["leader_posts"] = list(self.leader_posts)
        out["reminder_days"] = list(self.reminder_days)
        out["agreement_parties"] = list(self.agreement_parties)
        out["monthly_items"] = list(self.monthly_items) if self.monthly_items is not None else None
        return out

    def team_min_for(self, *, is_tcm: bool) -> int | None:
        return self.team_min_size_tcm if is_tcm else self.team_min_size


# --- validation of single values -------------------------------------------------------------------------
# Each check returns a (translated) reason or "" when the value is fine. JSON has no tuples and no dates, so
# the checks accept what a JSON field or a form can hold and nothing looser: "5" is not 5, "院长" is no list.


def _int(lo: int, hi: int, *, optional: bool) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v is None and optional:
            return ""
        if isinstance(v, bool) or not isinstance(v, int):
            return _("应为整数") if not optional else _("应为整数或 null（关闭）")
        if not lo <= v <= hi:
            return _("应在 %(lo)s 到 %(hi)s 之间") % {"lo": lo, "hi": hi}
        return ""

    return check


def _bool(v: Any) -> str:
    return "" if isinstance(v, bool) else _("应为 true 或 false")


def _ratio(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return _("应为 0 到 1 之间的小数或 null（关闭）")
    return "" if 0 < v <= 1 else _("应大于 0 且不大于 1")


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        return "" if v in allowed else _("应为以下之一：%(allowed)s") % {"allowed": "、".join(allowed)}

    return check


def _list_of(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, list | tuple) or not v:
            return _("应为非空列表")
        unknown = [x for x in v if x not in allowed]
        if unknown:
            return _("未知的取值 %(unknown)s（可选：%(allowed)s）") % {
                "unknown": "、".join(map(str, unknown)),
                "allowed": "、".join(allowed),
            }
        if len(set(v)) != len(v):
            return _("有重复的取值")
        return ""

    return check


def _title(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool) or v not in KNOWN_TITLES:
        return _("应为职称等级 1 初级、2 中级、3 副高、4 正高 或 null（关闭）")
    return ""


def _days_before(v: Any) -> str:
    if not isinstance(v, list | tuple) or not v:
        return _("应为非空的天数列表")
    if any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 90 for d in v):
        return _("每个天数应为 1 到 90 之间的整数")
    return ""


def _monthly_items(items: Any) -> str:
    """A program's own monthly form: distinct codes, a label each, positive maxima adding up to 100."""
    if items is None:
        return ""
    if not isinstance(items, list | tuple) or not items:
        return _("应为非空列表，每项含 code、label、max")
    for item in items:
        if not isinstance(item, dict) or not item.get("code") or not item.get("label"):
            return _("每一项都需要 code 和 label")
        mx = item.get("max")
        if isinstance(mx, bool) or not isinstance(mx, int | float) or mx <= 0:
            return _("%(code)s：max 应为正数") % {"code": item.get("code")}
    if len({str(i["code"]) for i in items}) != len(items):
        return _("code 不能重复")
    if sum(i["max"] for i in items) != 100:
        return _("各项满分之和应为 100")
    return ""


_CHECKS: dict[str, Callable[[Any], str]] = {
    "agreement_items_overdue": _bool,
    "monthly_items": _monthly_items,
    "monthly_assessment_due_day": _int(1, 28, optional=False),
    "annual_appraisal_due_days": _int(1, 365, optional=False),
    "annual_report_due_days": _int(1, 365, optional=False),
    "reminder_days": _days_before,
    "team_min_size": _int(1, 100, optional=True),
    "team_min_size_tcm": _int(1, 100, optional=True),
    "team_max_size": _int(1, 100, optional=True),
    "coverage_gap": _bool,
    "one_leader": _bool,
    "leader_post": _bool,
    "leader_posts": _list_of(KNOWN_POSTS),
    "leader_mgmt_years": _int(0, 50, optional=True),
    "leader_designation": _bool,
    "member_clinical_years": _int(0, 50, optional=True),
    "member_experience_basis": _one_of(EXPERIENCE_BASES),
    "member_min_title": _title,
    "leader_min_stay_months": _int(1, 120, optional=True),
    "member_min_stay_months": _int(1, 120, optional=True),
    "no_double_deployment": _bool,
    "roster_filed": _bool,
    "agreement_signed": _bool,
    "agreement_parties": _list_of(AGREEMENT_PARTIES),
    "annual_agreement": _bool,
    "training_quota": _int(1, 1000, optional=True),
    "training_min_months": _int(1, 60, optional=True),
    "training_quota_period": _one_of(QUOTA_PERIODS),
    "training_prorate": _bool,
    "training_backbone_only": _bool,
    "residency_base": _bool,
    "expert_visit_batches": _int(1, 1000, optional=True),
    "expert_visit_person_times": _int(1, 100_000, optional=True),
    "spot_checks_per_month": _int(1, 31, optional=True),
    "monthly_pass_score": _int(0, 100, optional=True),
    "monthly_deduction": _int(0, 1_000_000, optional=False),
    "monthly_subsidy": _int(0, 1_000_000, optional=False),
    "attendance_threshold": _ratio,
    "end_appraisal_days": _int(0, 365, optional=True),
    "capacity_centres_min": _int(1, 50, optional=True),
    "grade_target": _bool,
    "grade_target_min_population": _int(0, 100_000_000, optional=False),
    "outcome_in_county_visit_rate": _ratio,
    "outcome_county_hospitalisation_rate": _ratio,
    "outcome_grassroots_visit_share": _ratio,
}
assert set(_CHECKS) == RuleParams.field_names(), "every parameter has a check"


# --- presets: data, each number with its document and clause ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class Setting:
    """One number of a preset and where it comes from."""

    value: Any
    document: str
    clause: str


@dataclasses.dataclass(frozen=True)
class Preset:
    code: str
    document: str
    settings: Mapping[str, Setting]
    deadlines: Mapping[str, Setting] = dataclasses.field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        """The preset's values, as ``Program.params`` would store them."""
        return {name: s.value for name, s in self.settings.items()}

    def deadline_values(self) -> dict[str, dt.date]:
        return {name: s.value for name, s in self.deadlines.items()}


GANSU_DOC = "甘卫医政发〔2022〕37号"
GUANGDONG_DOC = "粤府办〔2019〕18号 附件1"
BOZHOU_DOC = "亳州市三级医院对口帮扶县级医院实施方案（2016）"
MIANYANG_DOC = "绵阳市三级医院对口帮扶县级医院工作方案"
HINGGAN_DOC = "兴安盟三级医院对口帮扶旗县级医院工作方案"
DINGXI_DOC = "定西市三级医院对口帮扶县级医院工作方案"
OURS = "本系统默认 (the texts set no number)"


def _g(value: Any, clause: str) -> Setting:
    return Setting(value, GANSU_DOC, clause)


# The defaults of RuleParams are the Gansu plan; this preset says where each comes from.
GANSU_2022 = Preset(
    code="gansu_2022",
    document=GANSU_DOC,
    settings={
        "team_min_size": _g(5, "派驻至少5名（中医医院至少3名）人员组成帮扶队"),
        "team_min_size_tcm": _g(3, "派驻至少5名（中医医院至少3名）人员组成帮扶队"),
        "coverage_gap": _g(True, "全年都有派驻人员"),
        "one_leader": _g(True, "帮扶队设队长1名"),
        "leader_post": _g(True, "队长担任受援医院院长或副院长"),
        "leader_posts": _g(("院长", "副院长"), "队长担任受援医院院长或副院长"),
        "leader_mgmt_years": _g(3, "队长具有3年以上管理工作经历"),
        "leader_designation": _g(True, "多家医院共同帮扶的，由牵头医院确定队长"),
        "member_clinical_years": _g(5, "队员具有5年以上临床工作经历"),
        "member_min_title": _g(2, "队员具有中级及以上职称"),
        "leader_min_stay_months": _g(12, "队长连续派驻时间不少于1年"),
        "member_min_stay_months": _g(6, "队员连续派驻时间不少于6个月"),
        "roster_filed": _g(True, "派驻人员名单于2022年4月5日前报省卫生健康委备案"),
        "agreement_signed": _g(True, "支援医院、县政府、受援医院签订三方协议"),
        "agreement_parties": _g(("supporter", "government", "recipient"), "三方协议"),
        "annual_agreement": _g(True, "每年签订年度补充协议"),
        "training_quota": _g(3, "每年免费为受援医院培训临床骨干医师或医技人员不少于3名"),
        "training_backbone_only": _g(True, "临床骨干医师或医技人员"),
        "training_prorate": Setting(True, OURS, "不足一年的首末年度按在期天数折算"),
        "residency_base": _g(True, "住培基地要招收受援医院符合条件的人员参加培训"),
        "end_appraisal_days": Setting(30, OURS, "派驻结束后出具书面考核意见"),
        "grade_target": _g(True, "人口超过5万的县至少有1所县级医院达到二级医院医疗服务能力"),
        "grade_target_min_population": _g(50_000, "人口超过5万的县"),
    },
    deadlines={
        "agreement_deadline": _g(dt.date(2022, 4, 5), "2022年4月5日前签订三方协议"),
        "roster_deadline": _g(dt.date(2022, 4, 5), "2022年4月5日前报送派驻人员名单"),
    },
)

_GD_LATER = "具体要求由省卫生健康委另行制定"

GUANGDONG_2019 = Preset(
    code="guangdong_2019",
    document=GUANGDONG_DOC,
    settings={
        "team_min_size": Setting(5, GUANGDONG_DOC, "组团式帮扶：每个团队5人（队长1名、队员4名）常驻"),
        "team_min_size_tcm": Setting(5, GUANGDONG_DOC, "组团式帮扶：每个团队5人（队长1名、队员4名）常驻"),
        "team_max_size": Setting(5, GUANGDONG_DOC, "组团式帮扶：每个团队5人（队长1名、队员4名）常驻"),
        "leader_mgmt_years": Setting(None, GUANGDONG_DOC, _GD_LATER),
        "member_clinical_years": Setting(None, GUANGDONG_DOC, _GD_LATER),
        "member_min_title": Setting(None, GUANGDONG_DOC, _GD_LATER),
        "leader_min_stay_months": Setting(None, GUANGDONG_DOC, _GD_LATER),
        "member_min_stay_months": Setting(None, GUANGDONG_DOC, _GD_LATER),
        "agreement_parties": Setting(
            ("supporter", "recipient"), GUANGDONG_DOC, "支援医院与受援医院一对一签订协议"
        ),
        "expert_visit_batches": Setting(4, GUANGDONG_DOC, "每个支援医院每年派出专家不少于4批次"),
        "expert_visit_person_times": Setting(20, GUANGDONG_DOC, "每个支援医院每年派出专家不少于20人次"),
        # SPEC §5: the Guangdong county medical-community targets (≈ 90 %, ≥ 85 %, ≈ 65 %).
        "outcome_in_county_visit_rate": Setting(0.9, GUANGDONG_DOC, "县域内就诊率达到90%左右"),
        "outcome_county_hospitalisation_rate": Setting(0.85, GUANGDONG_DOC, "县域内住院率达到85%以上"),
        "outcome_grassroots_visit_share": Setting(0.65, GUANGDONG_DOC, "基层就诊占比达到65%左右"),
    },
)

_BZ_BATCH = "每批约10人，从全院工作满6年的人员中选派（批次构成，非每家受援医院每日最低人数）"

BOZHOU_2016 = Preset(
    code="bozhou_2016",
    document=BOZHOU_DOC,
    settings={
        # "About 10" describes how a batch is made up hospital-wide; it is no per-recipient minimum.
        "team_min_size": Setting(None, BOZHOU_DOC, _BZ_BATCH),
        "team_min_size_tcm": Setting(None, BOZHOU_DOC, _BZ_BATCH),
        "member_clinical_years": Setting(6, BOZHOU_DOC, "工作满6年"),
        "member_experience_basis": Setting("work", BOZHOU_DOC, "工作满6年（工作年限，非临床年限）"),
        "leader_min_stay_months": Setting(6, BOZHOU_DOC, "派驻时间不少于6个月"),
        "member_min_stay_months": Setting(6, BOZHOU_DOC, "派驻时间不少于6个月"),
        "monthly_pass_score": Setting(80, BOZHOU_DOC, "月考核80分以下为不合格"),
        "monthly_deduction": Setting(1000, BOZHOU_DOC, "考核不合格扣减当月补助1000元"),
        "monthly_subsidy": Setting(4000, BOZHOU_DOC, "每人每月补助4000元"),
        "spot_checks_per_month": Setting(3, BOZHOU_DOC, "其中支援医院每月至少组织3次电话在岗抽查"),
        "training_quota": Setting(3, BOZHOU_DOC, "为每家受援医院培训至少3名"),
        "training_quota_period": Setting("program", BOZHOU_DOC, "为每家受援医院培训至少3名（帮扶期内）"),
    },
)

MIANYANG = Preset(
    code="mianyang",
    document=MIANYANG_DOC,
    settings={
        "member_min_title": Setting(2, MIANYANG_DOC, "高年资中级职称以上"),
        "leader_min_stay_months": Setting(6, MIANYANG_DOC, "连续派驻时间不少于6个月"),
        "member_min_stay_months": Setting(6, MIANYANG_DOC, "连续派驻时间不少于6个月"),
        "training_quota": Setting(3, MIANYANG_DOC, "每年免费培训受援医院人员不少于3名"),
        "training_min_months": Setting(6, MIANYANG_DOC, "为期半年以上的进修"),
        "end_appraisal_days": Setting(30, OURS, "派驻结束时出具书面考核意见"),
    },
)

HINGGAN = Preset(
    code="hinggan",
    document=HINGGAN_DOC,
    settings={
        "team_min_size": Setting(3, HINGGAN_DOC, "每批次派驻3人组成帮扶团队"),
        "team_min_size_tcm": Setting(3, HINGGAN_DOC, "每批次派驻3人组成帮扶团队"),
        # "≥ 2 per clinic": our quota counts per pairing; a program sets the number its clinics add up to.
        "training_quota": Setting(2, HINGGAN_DOC, "每个科室培训不少于2名"),
        "training_min_months": Setting(6, HINGGAN_DOC, "进修时间半年以上"),
    },
)

DINGXI = Preset(
    code="dingxi",
    document=DINGXI_DOC,
    settings={
        "training_min_months": Setting(3, DINGXI_DOC, "进修时间不少于3个月"),
        "capacity_centres_min": Setting(2, DINGXI_DOC, "至少建成2个中心或重点专科"),
    },
)

PRESETS: dict[str, Preset] = {
    p.code: p for p in (GANSU_2022, GUANGDONG_2019, BOZHOU_2016, MIANYANG, HINGGAN, DINGXI)
}


def preset_params(preset: str) -> RuleParams:
    return RuleParams.from_json(PRESETS[preset].params())


def parameter_sources(preset: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Setting]:
    """Where each parameter of a program comes from: its own override, its preset, or the Gansu default."""
    out: dict[str, Setting] = {}
    defaults = RuleParams()
    chosen = PRESETS[preset]
    for name in sorted(RuleParams.field_names()):
        if overrides and name in overrides:
            out[name] = Setting(overrides[name], _("本项目设定"), "")
        elif name in chosen.settings:
            out[name] = chosen.settings[name]
        elif name in GANSU_2022.settings:
            out[name] = GANSU_2022.settings[name]
        else:
            out[name] = Setting(getattr(defaults, name), OURS, _("默认关闭或系统默认值"))
    return out
