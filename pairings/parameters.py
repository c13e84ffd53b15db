"""What each rule parameter means, in the words a province officer uses (shown on the parameters page).

One entry per ``RuleParams`` field: a short label and an explanation in Chinese. A test keeps this list equal
to the fields, so a new parameter cannot reach the page without its explanation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # a dev-only package: types alone
    from django_stubs_ext import StrOrPromise

PARAMETER_HELP: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "team_min_size": (_("派驻队伍最少人数"), _("每批派驻队伍在服务期内每天在岗的最少人数；留空表示不检查。")),
    "team_min_size_tcm": (_("中医医院队伍最少人数"), _("受援医院为中医医院时，每天在岗的最少人数。")),
    "team_max_size": (_("派驻队伍最多人数"), _("每天在岗的最多人数；留空表示不设上限（广东为固定 5 人）。")),
    "coverage_gap": (_("检查派驻空档"), _("服务期内任何一天无人在岗即记为问题。")),
    "one_leader": (_("每队一名队长"), _("每批队伍须有且只有一名队长。")),
    "leader_post": (_("队长挂职岗位"), _("队长须在受援医院担任下面所列的管理岗位。")),
    "leader_posts": (_("队长可担任的岗位"), _("队长可挂职的岗位，多个用逗号分隔，如：院长,副院长。")),
    "leader_mgmt_years": (_("队长管理工作年限"), _("队长须具有的最少管理工作年限；留空表示不检查。")),
    "member_clinical_years": (_("队员临床工作年限"), _("队员须具有的最少临床工作年限；留空表示不检查。")),
    "member_min_title": (
        _("队员最低职称"),
        _("队员的最低职称：1 初级，2 中级，3 副高，4 正高；留空表示不检查。"),
    ),
    "leader_min_stay_months": (_("队长最短驻点月数"), _("队长连续驻点的最少月数；留空表示不检查。")),
    "member_min_stay_months": (_("队员最短驻点月数"), _("队员连续驻点的最少月数；留空表示不检查。")),
    "no_double_deployment": (_("禁止同时派驻两处"), _("同一人同一时间只能派驻在一家受援医院。")),
    "roster_filed": (_("名单须按时备案"), _("派驻人员名单须在截止日期和轮换开始前提交备案。")),
    "agreement_signed": (_("须签订帮扶协议"), _("每家支援医院须在截止日期前签订帮扶协议。")),
    "annual_agreement": (_("须签订年度协议"), _("每年须签订年度补充协议，写明当年目标与任务。")),
    "training_quota": (
        _("每年接收进修人数"),
        _("支援医院每年须免费接收受援医院进修的最少人数；留空表示不检查。"),
    ),
    "training_min_months": (_("进修最短月数"), _("一次进修计入名额所需的最少月数。")),
    "residency_base": (_("住培基地"), _("支援医院须为受援医院提供住院医师规范化培训的便利。")),
    "expert_visit_batches": (_("专家下沉批次"), _("每年专家到受援医院服务的最少批次；留空表示不检查。")),
    "expert_visit_person_times": (_("专家下沉人次"), _("每年专家到受援医院服务的最少人次；留空表示不检查。")),
    "spot_checks_per_month": (_("每月在岗抽查次数"), _("支援医院每月对派驻人员在岗情况的最少抽查次数。")),
    "monthly_pass_score": (_("月考核合格分"), _("派驻人员月考核的合格分数线；留空表示不检查。")),
    "monthly_deduction": (_("月考核不合格扣减（元）"), _("月考核不合格时扣减的补助金额。")),
    "monthly_subsidy": (_("月补助（元）"), _("派驻人员每月的工作补助。")),
    "attendance_threshold": (_("出勤率下限"), _("派驻人员月出勤率的最低比例（0 到 1）；留空表示不检查。")),
    "end_appraisal_days": (_("期满考核时限（天）"), _("派驻期满后完成考核鉴定的天数；留空表示不检查。")),
    "grade_target": (
        _("等级创建目标"),
        _("人口 5 万以上的县至少有一所县级医院达到二级（力争二甲）服务能力。"),
    ),
    "grade_target_min_population": (_("等级目标人口门槛"), _("适用等级创建目标的县人口下限。")),
    "outcome_in_county_visit_rate": (
        _("县域内就诊率目标"),
        _("县域内就诊率的目标（0 到 1，如 0.9 即 90%），与县卫生健康局填报的数据对照；留空表示不设目标。"),
    ),
    "outcome_county_hospitalisation_rate": (
        _("县域内住院率目标"),
        _("县域内住院率的目标（0 到 1，如 0.85 即 85%）；留空表示不设目标。"),
    ),
    "outcome_grassroots_visit_share": (
        _("基层就诊占比目标"),
        _("基层医疗卫生机构就诊人次占比的目标（0 到 1，如 0.65 即 65%）；留空表示不设目标。"),
    ),
    "agreement_items_overdue": (
        _("检查协议事项逾期"),
        _("年度补充协议中已过里程碑日期仍未完成的事项记为问题。"),
    ),
    "agreement_parties": (
        _("协议签署方"),
        _("三方协议须由哪些单位签署：支援医院、县级人民政府、受援医院（广东为支援医院与受援医院一对一）。"),
    ),
    "capacity_centres_min": (
        _("至少建成的中心数"),
        _(
            "项目结束时受援医院至少建成的急危重症救治中心、县域医疗资源共享中心或中医重点专科数；留空表示不检查。"
        ),
    ),
    "leader_designation": (
        _("非牵头医院队长须经指定"),
        _("队长来自非牵头的支援医院时，须有牵头医院的指定记录。"),
    ),
    "member_experience_basis": (
        _("队员工作年限口径"),
        _("按临床工作年限还是参加工作年限计算（亳州为工作满 6 年）。"),
    ),
    "monthly_assessment_due_day": (_("月考核截止日"), _("每月考核须在次月的第几天前完成，用于提醒与日程。")),
    "annual_appraisal_due_days": (
        _("年度考核截止（年末后天数）"),
        _("某年度的年度考核结果须在该年结束后多少天内公布，用于提醒与日程。"),
    ),
    "annual_report_due_days": (
        _("年度报告截止（年末后天数）"),
        _("某年度的省级年度工作报告须在该年结束后多少天内生成报送，用于提醒与日程。"),
    ),
    "monthly_items": (
        _("月考核表项目"),
        _("本项目自己的月考核表：各项目名称与满分，满分合计 100；留空使用默认四项。"),
    ),
    "reminder_days": (_("提前提醒天数"), _("截止日前多少天发送提醒，可填多个，如 7,1；逾期后另行提醒。")),
    "training_backbone_only": (_("只计临床骨干"), _("培训人数只计临床骨干医师或医技人员。")),
    "training_prorate": (_("不足一年按比例"), _("首年或末年不足一整年时，培训人数要求按服务天数折算。")),
    "training_quota_period": (
        _("培训人数的计算周期"),
        _("按每年计算，或按整个项目周期计算（亳州为项目期内每家至少 3 名）。"),
    ),
}
