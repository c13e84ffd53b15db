from django.db import models
from django.utils.translation import gettext_lazy as _

# Rule runs and reports are jobs of the one jobs layer; re-exported for the app's readers.
from core.jobs.choices import JobStatus as JobStatus


class Centre(models.TextChoices):
    """5 critical-care centres + 5 county medical resource centres (SPEC §1)."""

    CHEST_PAIN = "chest_pain", _("胸痛中心")
    STROKE = "stroke", _("卒中中心")
    TRAUMA = "trauma", _("创伤中心")
    MATERNAL = "maternal", _("危重孕产妇救治中心")
    NEONATAL = "neonatal", _("危重儿童和新生儿救治中心")
    IMAGING = "imaging", _("影像中心")
    ECG = "ecg", _("心电中心")
    PATHOLOGY = "pathology", _("病理中心")
    LABORATORY = "laboratory", _("检验中心")
    STERILE_SUPPLY = "sterile_supply", _("消毒供应中心")


class CentreStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    BUILDING = "building", _("建设中")
    BUILT = "built", _("已建成")
    ACCREDITED = "accredited", _("已通过认证")


class CapacityStandard(models.TextChoices):
    """The national county-hospital capability standards a capacity assessment checks against."""

    RECOMMENDED = "recommended", _("推荐标准")
    BASIC = "basic", _("基本标准")


class SpecialtyKind(models.TextChoices):
    WEAK = "weak", _("薄弱专科")
    TCM_KEY = "tcm_key", _("中医重点专科")


class DonationKind(models.TextChoices):
    IN_KIND = "in_kind", _("实物捐赠")
    MONEY = "money", _("经费捐赠")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("严重")
    MAJOR = "major", _("较重")
    MINOR = "minor", _("一般")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("未整改")
    RESOLVED = "resolved", _("已解决")
    WAIVED = "waived", _("已豁免")
    # Closed by the commission accepting a rectification (限期整改); like a waiver, reruns keep it closed.
    RECTIFIED = "rectified", _("已整改")


class RectificationStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待整改")
    ANSWERED = "answered", _("已答复待审核")
    RETURNED = "returned", _("退回重改")
    ACCEPTED = "accepted", _("已通过")


class SubjectType(models.TextChoices):
    PROGRAM = "program", _("项目")
    PAIRING = "pairing", _("帮扶关系")
    TEAM = "team", _("帮扶队")
    DEPLOYMENT = "deployment", _("派驻")
    PERSON = "person", _("人员")
    AGREEMENT = "agreement", _("协议")
    HOSPITAL = "hospital", _("医院")
    COUNTY = "county", _("县区")


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("手动")
    SCHEDULE = "schedule", _("定时")
    EVENT = "event", _("数据变更")


class AppraisalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    # A published result replaced by a revision (a new draft with a reason, then published): kept, not shown
    # as the year's result.
    SUPERSEDED = "superseded", _("已被修订取代")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


# Grades whose lower bound a scorecard sets, highest first; 不合格 is everything below 合格.
BAND_GRADES = (Grade.EXCELLENT.value, Grade.GOOD.value, Grade.PASS.value)


class ReportKind(models.TextChoices):
    ANNUAL_WORKBOOK = "annual_workbook", _("年度报表 (Excel)")
    PROVINCIAL_REPORT = "provincial_report", _("省级年度报告 (PDF)")
    PROVINCIAL_DOCX = "provincial_docx", _("省级年度报告 (Word 公文)")
    EVALUATION = "evaluation", _("中期/终期评估")
