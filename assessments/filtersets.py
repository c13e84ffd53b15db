from __future__ import annotations

import django_filters as df
from django.utils.translation import gettext_lazy as _

from pairings.filtersets import UpdatedSinceFilterSet, scoped
from pairings.models import City, Program

from .choices import FindingStatus, Severity
from .models import Finding


class FindingFilterSet(UpdatedSinceFilterSet):
    program = df.ModelChoiceFilter(queryset=scoped(Program), label=_("项目"))
    rule_code = df.CharFilter(label=_("规则"))
    severity = df.ChoiceFilter(choices=Severity.choices, label=_("严重程度"))
    status = df.ChoiceFilter(choices=FindingStatus.choices, label=_("状态"))
    city = df.ModelChoiceFilter(field_name="pairing__recipient__city", queryset=scoped(City), label=_("市州"))
    pairing = df.NumberFilter(label=_("帮扶关系ID"))

    class Meta:
        model = Finding
        fields = ["rule_code", "severity", "status"]
