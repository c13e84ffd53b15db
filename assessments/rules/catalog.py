"""What each rule means for an officer: the explanation, the clause it enforces, the parameters it reads.

The rule classes carry developer docstrings; pages (the finding page, the rule catalog) show this instead.
Explanations are Chinese msgids translated in the catalog; document names and quoted clauses stay Chinese
(they are the policy's own words). A rule without an entry here shows its title only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop

from teams.choices import Title

GANSU = "甘卫医政发〔2022〕37号"
GUANGDONG = "粤府办〔2019〕18号 附件1"
BOZHOU = "亳州市三级医院对口帮扶县级医院实施方案（2016）"


@dataclasses.dataclass(frozen=True)
class RuleInfo:
    explanation: str  # msgid
    document: str
    clause: str  # the requirement in the document's words
    params: tuple[str, ...]


CATALOG: dict[str, RuleInfo] = {
    "TEAM_MIN_SIZE": RuleInfo(
        gettext_noop(
            "帮扶队在服务期内每天在岗的派驻人员不得少于规定人数（中医医院可适用较低人数）。"
            "系统按天统计在岗人数，把连续不足的日期合并为一个区间报告；完全无人在岗的日期由“派驻空档”规则报告。"
        ),
        GANSU,
        "派驻至少5名（中医医院至少3名）…组成帮扶队",
        ("team_min_size", "team_min_size_tcm"),
    ),
    "TEAM_MAX_SIZE": RuleInfo(
        gettext_noop("帮扶队每天在岗人数不得超过规定上限（如广东“每队5人”）。超出的日期合并为区间报告。"),
        GUANGDONG,
        "组团式帮扶队5人（1名队长、4名队员）",
        ("team_max_size",),
    ),
    "COVERAGE_GAP": RuleInfo(
        gettext_noop("服务期内每一天都应有派驻人员在岗。无人在岗的连续日期作为一个空档报告，属严重问题。"),
        GANSU,
        "全年都有派驻人员",
        ("coverage_gap",),
    ),
    "ONE_LEADER": RuleInfo(
        gettext_noop("有人员在岗的每一天，应有且只有一名队长在岗。“无队长”和“多名队长”分别报告。"),
        GANSU,
        "帮扶队设队长1名",
        ("one_leader",),
    ),
    "LEADER_POST": RuleInfo(
        gettext_noop("队长在受援医院挂职的岗位应为规定岗位（院长或副院长）。岗位可更正，属一般问题。"),
        GANSU,
        "队长挂职受援医院院长或副院长",
        ("leader_post", "leader_posts"),
    ),
    "LEADER_MGMT_YEARS": RuleInfo(
        gettext_noop(
            "队长在派驻开始时应具有规定年限的管理工作经历。人员档案未填写管理工作起始时间的按无经历计。"
        ),
        GANSU,
        "队长具有3年以上管理工作经历",
        ("leader_mgmt_years",),
    ),
    "MEMBER_CLINICAL_YEARS": RuleInfo(
        gettext_noop(
            "队员在派驻开始时应具有规定年限的临床工作经历。人员档案未填写临床工作起始时间的按无经历计。"
        ),
        GANSU,
        "队员具有5年以上临床工作经历",
        ("member_clinical_years", "member_experience_basis"),
    ),
    "MEMBER_MIN_TITLE": RuleInfo(
        gettext_noop("队员的专业技术职称应不低于规定职称（职称由低到高：初级、中级、副高、正高）。"),
        GANSU,
        "队员具有中级以上职称",
        ("member_min_title",),
    ),
    "LEADER_MIN_STAY": RuleInfo(
        gettext_noop(
            "队长在同一受援医院连续派驻的时间应不少于规定月数。前后相接的派驻合并计算；"
            "尚未结束的派驻按计划时间判断。"
        ),
        GANSU,
        "队长派驻时间不少于1年",
        ("leader_min_stay_months",),
    ),
    "MEMBER_MIN_STAY": RuleInfo(
        gettext_noop(
            "队员在同一受援医院连续派驻的时间应不少于规定月数。前后相接的派驻合并计算；"
            "尚未结束的派驻按计划时间判断。"
        ),
        GANSU,
        "队员派驻时间不少于6个月",
        ("member_min_stay_months",),
    ),
    "NO_DOUBLE_DEPLOYMENT": RuleInfo(
        gettext_noop(
            "同一人员在同一天不得有两项派驻，也不得同时列入两份计划时间重叠的派驻名单。属严重问题。"
        ),
        GANSU,
        "派驻人员不得重复派驻",
        ("no_double_deployment",),
    ),
    "ROSTER_FILED": RuleInfo(
        gettext_noop(
            "每名派驻人员应在派驻开始前列入已报备的派驻人员名单；项目设有名单截止日期的，首批名单还应在截止日期前报备。"
        ),
        GANSU,
        "派驻人员名单于轮换前报省卫生健康委备案（省外支援医院由市州汇总后统一报省）",
        ("roster_filed",),
    ),
    "AGREEMENT_SIGNED": RuleInfo(
        gettext_noop("每个帮扶关系应签订三方协议（支援医院、县政府、受援医院），各方在截止日期前签署完毕。"),
        GANSU,
        "签订三方协议，明确帮扶目标和年度任务",
        ("agreement_signed", "agreement_parties"),
    ),
    "ANNUAL_AGREEMENT": RuleInfo(
        gettext_noop(
            "每年有帮扶队派驻的，应在当年首批轮换开始前签订年度补充协议，明确当年目标、任务和项目。"
        ),
        GANSU,
        "每年轮换前签订年度补充协议",
        ("annual_agreement",),
    ),
    "AGREEMENT_ITEMS_OVERDUE": RuleInfo(
        gettext_noop(
            "协议（三方协议或年度补充协议）列出的目标、节点、任务和项目应在完成时限前完成。"
            "过了完成时限仍未完成（也未取消）的事项逐项报告，按签约的支援医院归属；完成时限当天尚不算逾期。"
        ),
        GANSU,
        "签订三方协议，明确帮扶目标和年度任务",
        ("agreement_items_overdue",),
    ),
    "TRAINING_QUOTA": RuleInfo(
        gettext_noop(
            "支援医院每年应为受援医院免费培训规定人数的人员；规定了最短进修时间的，不足时间的进修不计入，并在问题中列出。"
        ),
        GANSU,
        "每年为受援医院免费培训临床骨干医师或医技人员不少于3名",
        (
            "training_quota",
            "training_min_months",
            "training_quota_period",
            "training_prorate",
            "training_backbone_only",
        ),
    ),
    "RESIDENCY_BASE": RuleInfo(
        gettext_noop(
            "作为住院医师规范化培训基地的支援医院，每年应招收受援医院符合条件的人员参加住培。按支援医院和年度报告。"
        ),
        GANSU,
        "支援医院为住培基地的，要招收受援医院符合条件的人员参加培训",
        ("residency_base",),
    ),
    "EXPERT_VISITS": RuleInfo(
        gettext_noop(
            "支援医院每年应派出规定批次和人次的专家开展柔性帮扶。批次计入开始的年度，年度结束后判断。"
        ),
        GUANGDONG,
        "每年柔性派驻专家不少于4批次、20人次",
        ("expert_visit_batches", "expert_visit_person_times"),
    ),
    "SPOT_CHECKS": RuleInfo(
        gettext_noop("支援医院每月应对派驻人员组织规定次数的电话在岗抽查。只判断已结束的完整月份。"),
        BOZHOU,
        "支援医院每月至少组织3次电话在岗抽查",
        ("spot_checks_per_month",),
    ),
    "MONTHLY_SCORE": RuleInfo(
        gettext_noop("派驻人员每月考核应达到合格分；不合格的月份按规定扣减当月补助。"),
        BOZHOU,
        "月考核80分以下的扣减当月补助1000元（月补助4000元）",
        ("monthly_pass_score", "monthly_deduction", "monthly_subsidy"),
    ),
    "ATTENDANCE_RATE": RuleInfo(
        gettext_noop(
            "派驻人员每月出勤率（出勤天数 / 应出勤天数，批准的请假不计入缺勤）应不低于规定比例。"
            "只判断已结束的月份。"
        ),
        GANSU,
        "严格考勤管理",
        ("attendance_threshold",),
    ),
    "END_APPRAISAL": RuleInfo(
        gettext_noop("派驻期满后，受援医院应在规定天数内出具书面考核意见，存入本人档案。"),
        GANSU,
        "派驻期满由受援医院出具书面考核意见",
        ("end_appraisal_days",),
    ),
    "LEADER_DESIGNATION": RuleInfo(
        gettext_noop(
            "多家医院共同帮扶的，由牵头医院确定队长。队长由非牵头医院派出时，应记录现牵头医院的确定（由谁、何时确定）；"
            "牵头医院变更后需重新确定。"
        ),
        GANSU,
        "多家医院共同帮扶的，由牵头医院确定队长",
        ("leader_designation",),
    ),
    "CAPACITY_CENTRES": RuleInfo(
        gettext_noop(
            "到项目结束时，受援医院应建成规定数量的急危重症救治中心、县域医疗资源共享中心或中医重点专科。"
        ),
        "定西市实施方案",
        "至少建成2个中心或重点专科",
        ("capacity_centres_min",),
    ),
    "GRADE_TARGET": RuleInfo(
        gettext_noop(
            "到项目结束时，常住人口超过规定人数的县，应至少有一所县级医院达到二级医院医疗服务能力（力争二甲）。"
        ),
        GANSU,
        "常住人口超过5万的县至少有1所县级医院达到二级医院水平",
        ("grade_target", "grade_target_min_population"),
    ),
}


def rule_info(code: str) -> RuleInfo | None:
    return CATALOG.get(code)


def explanation(code: str) -> str:
    info = CATALOG.get(code)
    return gettext(info.explanation) if info else ""


# Evidence keys as an officer reads them; a key not listed is shown as it is.
EVIDENCE_LABELS: dict[str, str] = {
    "agreement": gettext_noop("协议编号"),
    "appraisal": gettext_noop("考核意见编号"),
    "assessment": gettext_noop("月考核编号"),
    "batches": gettext_noop("批次"),
    "checks": gettext_noop("抽查次数"),
    "county_hospitals": gettext_noop("县级医院数"),
    "days": gettext_noop("天数"),
    "deadline": gettext_noop("截止日期"),
    "deduction_cny": gettext_noop("扣减补助（元）"),
    "deployments": gettext_noop("派驻编号"),
    "due": gettext_noop("应完成日期"),
    "end": gettext_noop("结束日期"),
    "enrolled": gettext_noop("招收人数"),
    "excused": gettext_noop("请假天数"),
    "expected": gettext_noop("应出勤天数"),
    "filed_on": gettext_noop("备案日期"),
    "first_rotation_start": gettext_noop("首批轮换开始"),
    "government_signed_on": gettext_noop("县政府签署日期"),
    "intervals": gettext_noop("区间"),
    "item": gettext_noop("协议事项编号"),
    "leaders": gettext_noop("队长人数"),
    "max_on_site": gettext_noop("最多在岗人数"),
    "min_months": gettext_noop("最短月数"),
    "min_on_site": gettext_noop("最少在岗人数"),
    "min_population": gettext_noop("人口下限"),
    "month": gettext_noop("月份"),
    "on_site": gettext_noop("在岗人数"),
    "pass_score": gettext_noop("合格分"),
    "person_times": gettext_noop("人次"),
    "population": gettext_noop("常住人口"),
    "present": gettext_noop("出勤天数"),
    "problem": gettext_noop("问题"),
    "rate": gettext_noop("出勤率"),
    "recipient_signed_on": gettext_noop("受援医院签署日期"),
    "recorded_deduction_cny": gettext_noop("已记录扣减（元）"),
    "reference_date": gettext_noop("判断日期"),
    "required": gettext_noop("应达到"),
    "responsible_department": gettext_noop("责任科室"),
    "required_batches": gettext_noop("应达批次"),
    "required_end": gettext_noop("应至少到"),
    "required_months": gettext_noop("应达月数"),
    "required_person_times": gettext_noop("应达人次"),
    "required_title": gettext_noop("应达职称"),
    "required_years": gettext_noop("应达年限"),
    "role": gettext_noop("角色"),
    "roster": gettext_noop("名单编号"),
    "roster_deadline": gettext_noop("名单截止日期"),
    "roster_entries": gettext_noop("名单条目编号"),
    "rosters": gettext_noop("名单编号"),
    "score": gettext_noop("得分"),
    "signed_on": gettext_noop("签署日期"),
    "staff": gettext_noop("人员"),
    "start": gettext_noop("开始日期"),
    "status": gettext_noop("进展"),
    "subsidy_cny": gettext_noop("月补助（元）"),
    "supporter_signed_on": gettext_noop("支援医院签署日期"),
    "threshold": gettext_noop("规定比例"),
    "title": gettext_noop("职称"),
    "too_short": gettext_noop("进修时间不足"),
    "trained": gettext_noop("已培训人数"),
    "trainee": gettext_noop("学员"),
    "weekdays": gettext_noop("工作日"),
    "year": gettext_noop("年度"),
    "years": gettext_noop("年限"),
    "post": gettext_noop("岗位"),
    "allowed_posts": gettext_noop("规定岗位"),
    "management_since": gettext_noop("管理工作起始"),
    "clinical_since": gettext_noop("临床工作起始"),
    "tcm": gettext_noop("中医医院"),
    "minimum": gettext_noop("最少人数"),
    "maximum": gettext_noop("最多人数"),
}


def evidence_label(key: str) -> str:
    return gettext(EVIDENCE_LABELS[key]) if key in EVIDENCE_LABELS else key


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, Mapping):
        return "；".join(f"{evidence_label(str(k))}：{_cell(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return gettext("、").join(_cell(v) for v in value) if value else "—"
    return str(value)


def evidence_rows(evidence: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The evidence as (label, value) rows; a list of records becomes a small table of its own.

    A value is either text or ``{"columns": [...], "rows": [[...], ...]}`` for a list of records (the
    intervals of a staffing finding, the too-short training stints).
    """
    out: list[tuple[str, Any]] = []
    for key, value in evidence.items():
        label = evidence_label(str(key))
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            columns = list(dict.fromkeys(k for v in value for k in v))
            out.append(
                (
                    label,
                    {
                        "columns": [evidence_label(str(c)) for c in columns],
                        "rows": [[_cell(v.get(c)) for c in columns] for v in value],
                    },
                )
            )
        else:
            out.append((label, _cell(value)))
    return out


PARAM_LABELS: dict[str, str] = {
    "team_min_size": gettext_noop("帮扶队最少在岗人数"),
    "team_min_size_tcm": gettext_noop("中医医院帮扶队最少在岗人数"),
    "team_max_size": gettext_noop("帮扶队最多在岗人数"),
    "coverage_gap": gettext_noop("检查派驻空档"),
    "one_leader": gettext_noop("检查队长在岗"),
    "leader_post": gettext_noop("检查队长挂职岗位"),
    "leader_posts": gettext_noop("队长挂职岗位"),
    "leader_mgmt_years": gettext_noop("队长管理工作年限"),
    "member_clinical_years": gettext_noop("队员临床工作年限"),
    "member_min_title": gettext_noop("队员最低职称"),
    "leader_min_stay_months": gettext_noop("队长最短派驻月数"),
    "member_min_stay_months": gettext_noop("队员最短派驻月数"),
    "no_double_deployment": gettext_noop("检查重复派驻"),
    "roster_filed": gettext_noop("检查名单备案"),
    "agreement_signed": gettext_noop("检查三方协议"),
    "annual_agreement": gettext_noop("检查年度补充协议"),
    "agreement_items_overdue": gettext_noop("检查协议事项逾期"),
    "training_quota": gettext_noop("每年免费培训人数"),
    "training_min_months": gettext_noop("最短进修月数"),
    "residency_base": gettext_noop("检查住培招收"),
    "expert_visit_batches": gettext_noop("每年专家批次"),
    "expert_visit_person_times": gettext_noop("每年专家人次"),
    "spot_checks_per_month": gettext_noop("每月在岗抽查次数"),
    "monthly_pass_score": gettext_noop("月考核合格分"),
    "monthly_deduction": gettext_noop("不合格扣减补助（元）"),
    "monthly_subsidy": gettext_noop("月补助（元）"),
    "attendance_threshold": gettext_noop("最低出勤率"),
    "end_appraisal_days": gettext_noop("期满考核意见期限（天）"),
    "grade_target": gettext_noop("检查县域二级医院目标"),
    "grade_target_min_population": gettext_noop("常住人口下限"),
    "capacity_centres_min": gettext_noop("至少建成中心/专科数"),
    "outcome_in_county_visit_rate": gettext_noop("县域内就诊率目标"),
    "outcome_county_hospitalisation_rate": gettext_noop("县域内住院率目标"),
    "outcome_grassroots_visit_share": gettext_noop("基层就诊占比目标"),
    "leader_designation": gettext_noop("检查非牵头医院队长的确定"),
    "agreement_parties": gettext_noop("协议签署方"),
    "member_experience_basis": gettext_noop("队员年限口径（临床/工作）"),
    "training_quota_period": gettext_noop("培训人数按年度/帮扶期"),
    "training_prorate": gettext_noop("不足一年按比例折算"),
    "training_backbone_only": gettext_noop("只计临床骨干医师或医技人员"),
}


def param_label(name: str) -> str:
    return gettext(PARAM_LABELS[name]) if name in PARAM_LABELS else name


def param_value(name: str, value: Any) -> str:
    """A parameter's effective value as an officer reads it."""
    if value is None or value is False:
        return gettext("关闭")
    if value is True:
        return gettext("开启")
    if name == "member_min_title":
        return str(dict(Title.choices).get(value, value))
    if name == "attendance_threshold":
        return f"{float(value):.0%}"
    if isinstance(value, list | tuple):
        return "/".join(str(v) for v in value)
    return str(value)
