"""Choice lists of the registry and programs. Policy terms keep their Chinese names."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HospitalRole(models.TextChoices):
    SUPPORTER = "supporter", _("支援医院")
    RECIPIENT = "recipient", _("受援医院")


class HospitalKind(models.TextChoices):
    GENERAL = "general", _("综合医院")
    TCM = "tcm", _("中医医院")


class HospitalOrigin(models.TextChoices):
    IN_PROVINCE = "in_province", _("省内")
    OTHER_PROVINCE = "other_province", _("省外")
    MILITARY = "military", _("军队")


class HospitalGrade(models.TextChoices):
    UNGRADED = "ungraded", _("未定级")
    LEVEL1 = "1", _("一级")
    LEVEL2 = "2", _("二级")
    LEVEL2B = "2B", _("二级乙等")
    LEVEL2A = "2A", _("二级甲等")
    LEVEL3 = "3", _("三级")
    LEVEL3B = "3B", _("三级乙等")
    LEVEL3A = "3A", _("三级甲等")


# Grades that count as "二级 capacity" for GRADE_TARGET (SPEC §3, §5).
GRADES_AT_LEAST_LEVEL2 = frozenset(
    {
        HospitalGrade.LEVEL2,
        HospitalGrade.LEVEL2B,
        HospitalGrade.LEVEL2A,
        HospitalGrade.LEVEL3,
        HospitalGrade.LEVEL3B,
        HospitalGrade.LEVEL3A,
    }
)


class ProgramPreset(models.TextChoices):
    GANSU_2022 = "gansu_2022", _("甘肃 2022 (甘卫医政发〔2022〕37号)")
    GUANGDONG_2019 = "guangdong_2019", _("广东 2019 (粤府办〔2019〕18号)")
    BOZHOU_2016 = "bozhou_2016", _("亳州/安徽 2016")
    MIANYANG = "mianyang", _("绵阳")
    HINGGAN = "hinggan", _("兴安盟")
    DINGXI = "dingxi", _("定西")


class ProgramStatus(models.TextChoices):
    """A program is prepared as a draft, runs while active (rules checked nightly), then ends."""

    DRAFT = "draft", _("筹备中")
    ACTIVE = "active", _("进行中")
    ENDED = "ended", _("已结束")


class AssistanceKind(models.TextChoices):
    """How the supporter helps (SPEC "Kinds of assistance"): resident teams, or the other forms."""

    TEAM = "team", _("组团式")
    ENTRUSTED = "entrusted", _("托管")
    MEDICAL_ALLIANCE = "alliance", _("医联体")
    REMOTE = "remote", _("远程")


class PairingStatus(models.TextChoices):
    ACTIVE = "active", _("帮扶中")
    SUSPENDED = "suspended", _("暂停")
    ENDED = "ended", _("已结束")


class AgreementKind(models.TextChoices):
    TRIPARTITE = "tripartite", _("三方协议")
    ANNUAL = "annual", _("年度补充协议")


class AgreementItemKind(models.TextChoices):
    GOAL = "goal", _("目标")
    MILESTONE = "milestone", _("节点")
    TASK = "task", _("任务")
    PROJECT = "project", _("项目")
    TECHNOLOGY = "technology", _("技术")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")
    DELAYED = "delayed", _("滞后")
    CANCELLED = "cancelled", _("已取消")
