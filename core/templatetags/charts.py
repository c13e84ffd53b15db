"""``{% load charts %}``: the server-side SVG charts of pairings/charts.py for any template.

{% bar_chart rows title="按规则统计" %}           rows: [(label, value), …]
{% donut covered total title="覆盖率" caption="有人在岗" %}
{% progress_bar done required title="培训任务" %}
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from core import charts

register = template.Library()


@register.simple_tag
def bar_chart(
    items: Sequence[tuple[str, float]], title: str = "", unit: str = "", color: str = ""
) -> SafeString:
    return charts.bar_chart(list(items), title=str(title), unit=str(unit), color=color or charts.ACCENT)


@register.simple_tag
def donut(value: float, total: float, title: str = "", caption: str = "", color: str = "") -> SafeString:
    color = color or charts.OK
    return charts.donut(value or 0, total or 0, title=str(title), caption=str(caption), color=color)


@register.simple_tag
def progress_bar(value: float, total: float, title: str = "") -> SafeString:
    return charts.progress_bar(value or 0, total or 0, title=str(title))
