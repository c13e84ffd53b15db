from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineKind(models.TextChoices):
    AGREEMENT = "agreement", _("三方协议签订")
    ROSTER = "roster", _("派驻名单提交")
    ROSTER_FORWARD = "roster_forward", _("市州汇总上报名单")
    MONTHLY_ASSESSMENT = "monthly", _("月考核")
    SPOT_CHECKS = "spot_checks", _("在岗抽查")
    END_APPRAISAL = "end_appraisal", _("期满书面考核")
    MILESTONE = "milestone", _("协议事项节点")
    RECTIFICATION = "rectification", _("限期整改")
    ANNUAL_APPRAISAL = "annual_appraisal", _("年度考核")
    ANNUAL_REPORT = "annual_report", _("年度报告")


class DeadlineStatus(models.TextChoices):
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("已逾期")
    DUE_SOON = "due_soon", _("即将到期")
    UPCOMING = "upcoming", _("未到期")


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class RobotKind(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉")
    WECOM = "wecom", _("企业微信")
