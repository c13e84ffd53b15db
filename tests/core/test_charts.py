"""Server-side SVG charts: accessible, escaped, and drawing what the figures say."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from core import charts

D = dt.date


@pytest.fixture(autouse=True)
def _chinese_then_restore():
    """Render in the default language, and leave no language active for the next test (a request that
    switched to English would otherwise leak it into code that renders outside a request)."""
    with translation.override("zh-hans"):
        yield


def test_bar_chart_labels_every_bar_with_its_value_and_escapes_labels():
    svg = charts.bar_chart([("TEAM_MIN_SIZE", 12), ("<script>", 3)], title="问题")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "问题" in svg
    assert svg.count('<g class="bar">') == 2
    assert ">12<" in svg and ">3<" in svg
    # user text never becomes markup
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_bar_chart_scales_bars_to_the_largest_value():
    svg = charts.bar_chart([("a", 10), ("b", 5)], title="t", width=480, label_width=150)
    widths = [float(w) for w in re.findall(r'<rect x="150" y="\d+" width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1]


def test_empty_bar_chart_says_no_data():
    assert "无数据" in charts.bar_chart([], title="t")


def test_donut_shows_the_share_and_survives_a_zero_total():
    assert ">75%<" in charts.donut(3, 4, title="t")
    assert ">0%<" in charts.donut(0, 0, title="t")


def test_progress_bar_turns_green_when_the_target_is_met():
    assert charts.OK in charts.progress_bar(3, 3, title="t")
    assert charts.WARN in charts.progress_bar(1, 3, title="t")


def test_timeline_marks_gaps_under_strength_and_the_leader():
    spans = [
        charts.TimelineSpan(D(2023, 1, 1), D(2023, 1, 10), 2, 1),
        charts.TimelineSpan(D(2023, 1, 11), D(2023, 1, 20), 0, 0),
        charts.TimelineSpan(D(2023, 1, 21), D(2023, 1, 31), 5, 0),
    ]
    bars = [
        charts.TimelineBar("王队长", D(2023, 1, 1), D(2023, 1, 10), True, "副院长"),
        charts.TimelineBar("李<医生>", D(2023, 1, 21), D(2023, 1, 31), False),
    ]
    svg = charts.coverage_timeline(
        date_from=D(2023, 1, 1), date_to=D(2023, 1, 31), bars=bars, spans=spans, minimum=5, title="t"
    )
    assert svg.count('class="tl-gap"') == 1
    assert 'data-start="2023-01-11" data-end="2023-01-20"' in svg
    assert svg.count('class="tl-under"') == 1  # 2 < 5 on 1–10 Jan; 5 on site is enough
    assert 'class="tl-leader-bad" data-start="2023-01-21"' in svg  # people on site, no leader
    assert 'class="tl-deployment tl-leader"' in svg and "队长 王队长" in svg
    assert "李&lt;医生&gt;" in svg
    # the <desc> tells a screen reader what the picture shows
    assert re.search(r"<desc[^>]*>[^<]*2023-01-11–2023-01-20", svg)


def test_timeline_month_labels_follow_the_language():
    kwargs = dict(date_from=D(2023, 1, 1), date_to=D(2023, 3, 31), bars=[], spans=[], minimum=None, title="t")
    with translation.override("zh-hans"):
        assert ">2月<" in charts.coverage_timeline(**kwargs)
    with translation.override("en"):
        assert ">Feb<" in charts.coverage_timeline(**kwargs)


def test_template_tags_render_the_same_charts():
    html = Template(
        "{% load charts %}{% bar_chart rows title='规则' %}{% donut 1 2 title='覆盖' %}"
        "{% progress_bar 1 3 title='x' %}"
    ).render(Context({"rows": [("ONE_LEADER", 4)]}))
    assert html.count("<svg") == 3 and ">4<" in html and ">50%<" in html


def test_thousands_filter_groups_digits_in_every_language():
    from core.templatetags.formatting import thousands

    assert thousands(1234567) == "1,234,567"
    assert thousands("12345") == "12,345"
    assert thousands(1234.5) == "1,234.5"
    assert thousands(None) == "" and thousands("—") == "—"
