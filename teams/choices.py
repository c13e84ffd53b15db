from django.db import models
from django.utils.translation import gettext_lazy as _


class Title(models.IntegerChoices):
    """Professional title; the integer order is what MEMBER_MIN_TITLE compares."""

    JUNIOR = 1, _("初级")
    INTERMEDIATE = 2, _("中级")
    ASSOCIATE_SENIOR = 3, _("副高")
    SENIOR = 4, _("正高")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class DeploymentRole(models.TextChoices):
    LEADER = "leader", _("队长")
    MEMBER = "member", _("队员")


class Post(models.TextChoices):
    """Post held at the recipient (挂职/任职)."""

    PRESIDENT = "院长", _("院长")
    VICE_PRESIDENT = "副院长", _("副院长")
    DEPT_HEAD = "科室主任", _("科室主任")
    CLINICAL_DIRECTOR = "业务主任", _("业务主任")
    HEAD_NURSE = "护士长", _("护士长")
    PHYSICIAN = "医师", _("医师")
    OTHER = "其他", _("其他")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    FORWARDED = "forwarded", _("市州已汇总上报")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("已退回")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("正常")
    LATE = "late", _("迟到")
    EARLY_LEAVE = "early_leave", _("早退")
    MISSING_PUNCH = "missing_punch", _("缺卡")
    ABSENT = "absent", _("旷工")
    LEAVE = "leave", _("请假")
    BUSINESS_TRIP = "business_trip", _("出差")
    REST = "rest", _("休息")


# Statuses that count as being at work for the attendance rate (late/early still came).
PRESENT_STATUSES = frozenset(
    {
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.EARLY_LEAVE,
        AttendanceStatus.BUSINESS_TRIP,
    }
)
# Approved absences are excused: they leave the expected working days.
EXCUSED_STATUSES = frozenset({AttendanceStatus.LEAVE, AttendanceStatus.REST})


class AttendanceSource(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉导入")
    MANUAL = "manual", _("手工录入")


class ReportStatus(models.TextChoices):
    """Where a month's workload stands (工作月报, issue 19). Only confirmed figures count anywhere."""

    SUBMITTED = "submitted", _("已提交")
    REVIEWED = "reviewed", _("队长已审阅")
    CONFIRMED = "confirmed", _("受援医院已确认")


class LeaveStatus(models.TextChoices):
    """A leave request (请假): the team leader approves first, then the recipient (issue 19)."""

    REQUESTED = "requested", _("待队长审批")
    LEADER_APPROVED = "leader_approved", _("待受援医院审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
