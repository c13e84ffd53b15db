"""Forms of the teams app: thin; choices are scoped through for_user, rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from teams.choices import DeploymentRole, Gender, Post, Title
from teams.models import Staff, Team
from teams.selectors.staff import staff_search


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


def staff_label(staff: Staff) -> str:
    """崔慧 · 副高 · 心内科 · 身份证尾号 1234: enough to tell namesakes apart without showing the ID."""
    parts = [staff.name, str(Title(staff.title).label).split(" ")[0]]
    if staff.specialty:
        parts.append(staff.specialty)
    if staff.national_id:
        parts.append(str(_("身份证尾号 %(t)s")) % {"t": staff.national_id[-4:]})
    elif staff.licence_no:
        parts.append(str(_("执业证尾号 %(t)s")) % {"t": staff.licence_no[-4:]})
    return " · ".join(parts)


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return staff_label(obj)


class RosterEntryForm(forms.Form):
    staff = StaffChoiceField(queryset=Staff.objects.none(), label=_("人员"))
    role = forms.ChoiceField(choices=DeploymentRole.choices, label=_("角色"))
    post = forms.ChoiceField(choices=Post.choices, label=_("挂职岗位"))
    planned_start = forms.DateField(label=_("计划开始"), widget=DateInput)
    planned_end = forms.DateField(label=_("计划结束"), widget=DateInput)

    def __init__(self, *args: Any, supporter_id: int, q: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Staff.objects.filter(employer_id=supporter_id)
        if q:
            # The picker's search (name, title, specialty, ID tail); a POST validates against everyone.
            qs = staff_search(qs, q)
        self.fields["staff"].queryset = qs.order_by("name", "pk")  # type: ignore[attr-defined]


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


class StaffForm(forms.Form):
    """One person of the directory; validation lives in teams/services/staff.py (shared with the API)."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    title = forms.TypedChoiceField(
        label=_("职称"), choices=[(v, str(lbl).split(" ")[0]) for v, lbl in Title.choices], coerce=int
    )
    specialty = forms.CharField(label=_("专业"), max_length=60, required=False)
    department = forms.CharField(label=_("科室"), max_length=60, required=False)
    national_id = forms.CharField(label=_("身份证号"), max_length=40, required=False)
    licence_no = forms.CharField(label=_("执业证书编号"), max_length=40, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Gender.choices], required=False)
    clinical_since = forms.DateField(label=_("从事临床工作起始"), required=False, widget=DateInput)
    management_since = forms.DateField(label=_("从事管理工作起始"), required=False, widget=DateInput)


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、职称、专业或身份证后四位")}),
    )


class ExpertVisitForm(forms.Form):
    """One batch of visiting experts; the checks live in teams/services/visits.py (shared with the API)."""

    pairing = forms.ModelChoiceField(queryset=None, label=_("受援医院"))  # type: ignore[arg-type]
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput)
    person_times = forms.IntegerField(label=_("人次"), min_value=1, max_value=10_000)
    specialties = forms.CharField(label=_("专家及专业"), max_length=200, required=False)
    activities = forms.CharField(
        label=_("工作内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args: Any, pairings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pairing"]
        field.queryset = pairings  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.recipient.name}（{p.program.code}）"  # type: ignore[attr-defined]


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


class WorkReportForm(ActivityForm):
    """工作月报 (issue 19): the month's workload and a short narrative, filed by the person themselves."""

    work_done = forms.CharField(label=_("本月工作"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    next_plan = forms.CharField(label=_("下月计划"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    NARRATIVE = ("work_done", "problems", "next_plan")

    def figures(self) -> dict[str, int]:
        return {k: v for k, v in self.cleaned_data.items() if k != "month" and k not in self.NARRATIVE}

    def narrative(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in self.NARRATIVE}


class LeaveForm(forms.Form):
    """请假 (issue 19): the days and the reason; the leader and the recipient approve."""

    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("事由"), max_length=200)


class PartnerLeaderChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A partner hospital's person by name, title and hospital: the lead sees whom it designates, not the
    partner's identity numbers."""

    def label_from_instance(self, obj: Any) -> str:
        return " · ".join([obj.name, str(Title(obj.title).label), obj.employer.name])


class LeaderDesignationForm(forms.Form):
    staff = PartnerLeaderChoiceField(queryset=Staff.objects.none(), label=_("确定为队长的人员"))
    designated_on = forms.DateField(label=_("确定日期"), widget=DateInput)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = candidates  # type: ignore[attr-defined]
