from django.db import models
from django.utils.translation import gettext_lazy as _


class StintKind(models.TextChoices):
    FURTHER_STUDY = "further_study", _("进修")
    RESIDENCY = "residency", _("住院医师规范化培训")
    SHORT_COURSE = "short_course", _("短期培训")


class RemoteServiceKind(models.TextChoices):
    CONSULTATION = "consultation", _("远程会诊")
    WARD_ROUND = "ward_round", _("远程查房")
    PATHOLOGY = "pathology", _("远程病理")
    IMAGING = "imaging", _("远程影像诊断")
    EDUCATION = "education", _("远程教育")


class StintStatus(models.TextChoices):
    """A recipient nominates a trainee; the host (supporter) accepts or declines. Only accepted stints
    count for TRAINING_QUOTA and RESIDENCY_BASE."""

    NOMINATED = "nominated", _("已推荐，待接收")
    ACCEPTED = "accepted", _("已接收")
    DECLINED = "declined", _("未接收")
