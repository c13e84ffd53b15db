"""Forms of the teams app: thin; choices are scoped through for_user, rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from teams.choices import DeploymentRole, Post
from teams.models import Staff, Team


class DateInput(forms.DateInput):
    """A browser date box. It takes ISO only (``2024-11-04``): rendering in the locale's format
    (``2024/11/04``) leaves the box empty, and re-saving a form then fails as "required"."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or "%Y-%m-%d")


class RosterCreateForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("帮扶队（批次）"))

    def __init__(self, *args: Any, user: Any, supporter_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Team.objects.for_user(user).select_related("pairing__recipient")
        if supporter_id is not None:
            qs = qs.filter(pairing__supporters__hospital_id=supporter_id)
        self.fields["team"].queryset = qs.order_by("-year", "rotation")  # type: ignore[attr-defined]


class RosterEntryForm(forms.Form):
    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), label=_("人员"))
    role = forms.ChoiceField(choices=DeploymentRole.choices, label=_("角色"))
    post = forms.ChoiceField(choices=Post.choices, label=_("挂职岗位"))
    planned_start = forms.DateField(label=_("计划开始"), widget=DateInput)
    planned_end = forms.DateField(label=_("计划结束"), widget=DateInput)

    def __init__(self, *args: Any, supporter_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(employer_id=supporter_id).order_by(  # type: ignore[attr-defined]
            "name"
        )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件 (.xlsx / .csv)"))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    hospital = forms.IntegerField(widget=forms.HiddenInput)
    userid = forms.CharField(widget=forms.HiddenInput, max_length=64)
    staff = forms.IntegerField(label=_("人员"))


class AttendanceUploadForm(UploadForm):
    hospital = forms.ModelChoiceField(queryset=None, label=_("受援医院"))  # type: ignore[arg-type]

    def __init__(self, *args: Any, hospitals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = hospitals  # type: ignore[attr-defined]
        if hospitals.count() == 1:
            self.fields["hospital"].initial = hospitals.first()


class DeploymentDatesForm(forms.Form):
    """实际到岗 / 实际离岗 / 提前返回原因 (teams.services.deployments.deployment_record_dates)."""

    actual_start = forms.DateField(label=_("实际到岗日期"), required=False, widget=DateInput)
    actual_end = forms.DateField(label=_("实际离岗日期"), required=False, widget=DateInput)
    early_return_reason = forms.CharField(
        label=_("提前返回原因"), max_length=200, required=False, help_text=_("实际离岗早于计划结束时必填")
    )


class ReplacementForm(forms.Form):
    """替换: who takes over from when (teams.services.deployments.deployment_replace)."""

    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), label=_("替换人员"))
    start = forms.DateField(label=_("替换人员到岗日期"), widget=DateInput)
    reason = forms.CharField(label=_("替换原因"), max_length=200)

    def __init__(self, *args: Any, supporter_id: int, exclude_staff_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (  # type: ignore[attr-defined]
            Staff.objects.filter(employer_id=supporter_id).exclude(pk=exclude_staff_id).order_by("name")
        )


class ActivityForm(forms.Form):
    """One person's workload of one month (teams.services.activity.activity_record)."""

    month = forms.DateField(
        label=_("月份"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    outpatient_visits = forms.IntegerField(label=_("门诊人次"), min_value=0, initial=0)
    surgeries = forms.IntegerField(label=_("手术台次"), min_value=0, initial=0)
    lectures = forms.IntegerField(label=_("授课次数"), min_value=0, initial=0)
    teaching_rounds = forms.IntegerField(label=_("教学查房"), min_value=0, initial=0)
    case_discussions = forms.IntegerField(label=_("病例讨论"), min_value=0, initial=0)
    remote_consultations = forms.IntegerField(label=_("远程会诊"), min_value=0, initial=0)

    def figures(self) -> dict[str, int]:
        return {k: v for k, v in self.cleaned_data.items() if k != "month"}
