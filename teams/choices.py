from django.db import models
from django.utils.translation import gettext_lazy as _


class Title(models.IntegerChoices):
    """Professional title; the integer order is what MEMBER_MIN_TITLE compares."""

    JUNIOR = 1, _("初级 (junior)")
    INTERMEDIATE = 2, _("中级 (intermediate)")
    ASSOCIATE_SENIOR = 3, _("副高 (associate senior)")
    SENIOR = 4, _("正高 (senior)")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class DeploymentRole(models.TextChoices):
    LEADER = "leader", _("队长 (team leader)")
    MEMBER = "member", _("队员 (member)")


class Post(models.TextChoices):
    """Post held at the recipient (挂职/任职)."""

    PRESIDENT = "院长", _("院长 (president)")
    VICE_PRESIDENT = "副院长", _("副院长 (vice president)")
    DEPT_HEAD = "科室主任", _("科室主任 (department head)")
    CLINICAL_DIRECTOR = "业务主任", _("业务主任 (clinical director)")
    HEAD_NURSE = "护士长", _("护士长 (head nurse)")
    PHYSICIAN = "医师", _("医师 (physician)")
    OTHER = "其他", _("其他 (other)")


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("草稿 (draft)")
    SUBMITTED = "submitted", _("已提交 (submitted)")
    FORWARDED = "forwarded", _("市州已汇总上报 (forwarded by city)")
    FILED = "filed", _("已备案 (filed)")
    RETURNED = "returned", _("已退回 (returned)")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("正常 (present)")
    LATE = "late", _("迟到 (late)")
    EARLY_LEAVE = "early_leave", _("早退 (left early)")
    MISSING_PUNCH = "missing_punch", _("缺卡 (missing punch)")
    ABSENT = "absent", _("旷工 (absent)")
    LEAVE = "leave", _("请假 (approved leave)")
    BUSINESS_TRIP = "business_trip", _("出差 (business trip)")
    REST = "rest", _("休息 (rest day)")


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
    DINGTALK = "dingtalk", _("钉钉导入 (DingTalk import)")
    MANUAL = "manual", _("手工录入 (manual)")


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
