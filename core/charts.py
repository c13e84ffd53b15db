"""Tiny server-side SVG charts: no JavaScript, no CDN, readable by screen readers.

Each function returns a ``SafeString`` holding one ``<svg role="img">`` with a ``<title>`` and a ``<desc>``;
every text that goes into the markup is escaped here, so callers may pass user data (hospital names).
Pages use them through the ``charts`` template tags (``{% load charts %}``) or call them from Python.
Colours meet WCAG AA contrast on white and are paired with text or patterns, never colour alone.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

ACCENT = "#0b5cad"
OK = "#067647"
WARN = "#b54708"
DANGER = "#b42318"
MUTED = "#52606d"
LEADER = "#6941c6"
GRID = "#d9e2ec"

_ids = itertools.count(1)


def _uid(prefix: str) -> str:
    # Unique per process so two charts on one page never share a <title> id.
    return f"{prefix}-{next(_ids)}"


def _fmt(value: float) -> str:
    """Coordinates with at most two decimals keep the markup small."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg_open(width: float, height: float, title: str, desc: str, css_class: str, extra: str = "") -> str:
    tid = _uid("chart-title")
    did = _uid("chart-desc")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css_class)}" '
        f'viewBox="0 0 {_fmt(width)} {_fmt(height)}" role="img" aria-labelledby="{tid} {did}" '
        f'preserveAspectRatio="xMinYMin meet"{extra}>'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    color: str = ACCENT,
    width: int = 480,
    label_width: int = 150,
    bar_height: int = 22,
) -> SafeString:
    """Horizontal bars, one per (label, value), each labelled with its value (the chart reads as a table)."""
    if not items:
        no_data = _("无数据")  # outside the f-string: xgettext does not read calls inside f-strings
        return mark_safe(
            _svg_open(width, 30, title, no_data, "bar-chart")
            + f'<text x="0" y="20" fill="{MUTED}">{escape(no_data)}</text></svg>'
        )
    gap = 6
    height = len(items) * (bar_height + gap) + gap
    top = max(value for _label, value in items) or 1
    plot = width - label_width - 60
    desc = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in items)
    parts = [_svg_open(width, height, title, desc, "bar-chart")]
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        w = max(plot * value / top, 1 if value else 0)
        parts.append(
            f'<g class="bar"><text x="{label_width - 6}" y="{_fmt(y + bar_height * 0.7)}" text-anchor="end" '
            f'font-size="13" fill="#1f2933">{escape(_truncate(label, 14))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{_fmt(w)}" height="{bar_height}" rx="3" fill="{color}"/>'
            f'<text x="{_fmt(label_width + w + 6)}" y="{_fmt(y + bar_height * 0.7)}" font-size="13" '
            f'fill="#1f2933">{escape(_number(value))}{escape(unit)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def donut(
    value: float,
    total: float,
    *,
    title: str,
    caption: str = "",
    color: str = OK,
    size: int = 140,
) -> SafeString:
    """A ring showing value / total with the percentage in the middle."""
    share = (value / total) if total else 0.0
    share = min(max(share, 0.0), 1.0)
    r = size / 2 - 12
    c = size / 2
    circumference = 2 * 3.141592653589793 * r
    dash = circumference * share
    pct = f"{share * 100:.0f}%"
    desc = f"{pct} ({_number(value)} / {_number(total)}) {caption}".strip()
    return mark_safe(
        _svg_open(size, size, title, desc, "donut")
        + f'<circle cx="{_fmt(c)}" cy="{_fmt(c)}" r="{_fmt(r)}" fill="none" stroke="{GRID}" '
        'stroke-width="16"/>'
        + f'<circle cx="{_fmt(c)}" cy="{_fmt(c)}" r="{_fmt(r)}" fill="none" stroke="{color}" '
        'stroke-width="16" '
        f'stroke-dasharray="{_fmt(dash)} {_fmt(circumference)}" transform="rotate(-90 {_fmt(c)} {_fmt(c)})"/>'
        + f'<text x="{_fmt(c)}" y="{_fmt(c + 2)}" text-anchor="middle" font-size="24" font-weight="700" '
        f'fill="#1f2933">{pct}</text>'
        + (
            f'<text x="{_fmt(c)}" y="{_fmt(c + 22)}" text-anchor="middle" font-size="11" fill="{MUTED}">'
            f"{escape(_truncate(caption, 12))}</text>"
            if caption
            else ""
        )
        + "</svg>"
    )


def progress_bar(value: float, total: float, *, title: str, width: int = 240, height: int = 14) -> SafeString:
    """A thin bar for quota progress; full and green when the target is met."""
    share = min(value / total, 1.0) if total else 0.0
    color = OK if total and value >= total else WARN
    return mark_safe(
        _svg_open(width, height, title, f"{_number(value)} / {_number(total)}", "progress")
        + f'<rect x="0" y="0" width="{width}" height="{height}" rx="{height / 2}" fill="{GRID}"/>'
        + f'<rect x="0" y="0" width="{_fmt(width * share)}" height="{height}" rx="{height / 2}" '
        f'fill="{color}"/>' + "</svg>"
    )


# --- coverage timeline -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TimelineBar:
    """One deployment on the timeline (dates already clipped to the shown year)."""

    label: str
    start: dt.date
    end: dt.date
    is_leader: bool
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class TimelineSpan:
    """Days ``start`` … ``end`` with ``on_site`` people and ``leaders`` leaders (from headcount_intervals)."""

    start: dt.date
    end: dt.date
    on_site: int
    leaders: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def coverage_timeline(
    *,
    date_from: dt.date,
    date_to: dt.date,
    bars: Sequence[TimelineBar],
    spans: Iterable[TimelineSpan],
    minimum: int | None,
    title: str,
    width: int = 1000,
) -> SafeString:
    """Deployments as bars over the period, people on site per day as a step area, gaps and
    under-strength days highlighted (TEAM_MIN_SIZE / COVERAGE_GAP), the leader in its own colour.

    Highlighted days carry ``data-start``/``data-end`` (ISO dates) so tests and scripts can read them.
    """
    spans = list(spans)
    # Labels outside the f-strings below: xgettext does not read calls inside f-strings.
    t_on_site, t_gap, t_under = _("在岗人数"), _("空档（无人在岗）"), _("人数不足")
    t_leader_strip, t_leaders, t_leader = _("队长在岗"), _("在岗队长"), _("队长")
    t_minimum = _("最低 %(n)s 人") % {"n": minimum}
    t_no_deployments = _("本年度无派驻")
    left = 150
    right = 16
    plot_w = width - left - right
    days = (date_to - date_from).days + 1

    def x(day: dt.date) -> float:
        return left + plot_w * (day - date_from).days / days

    peak = max([s.on_site for s in spans] + [minimum or 0, 1])
    axis_h = 22
    area_top = axis_h + 8
    area_h = 110
    strip_y = area_top + area_h + 6
    strip_h = 10
    rows_top = strip_y + strip_h + 14
    row_h = 20
    height = rows_top + max(len(bars), 1) * row_h + 8

    def _w(start: dt.date, end: dt.date, minimum_px: float) -> float:
        return max(x(end + _DAY) - x(start), minimum_px)

    def y_count(n: float) -> float:
        return area_top + area_h - area_h * n / peak

    gaps = [s for s in spans if s.on_site == 0]
    under = [s for s in spans if minimum is not None and 0 < s.on_site < minimum]
    no_leader = [s for s in spans if s.on_site > 0 and s.leaders != 1]
    desc = _timeline_desc(gaps, under, no_leader, minimum)
    parts = [_svg_open(width, height, title, desc, "timeline")]
    parts.append(
        "<defs>"
        '<pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fee4e2"/><line x1="0" y1="0" x2="0" y2="6" stroke="{DANGER}" '
        'stroke-width="2"/></pattern></defs>'
    )
    # Month grid and labels.
    month = dt.date(date_from.year, date_from.month, 1)
    while month <= date_to:
        mx = x(max(month, date_from))
        parts.append(f'<line x1="{_fmt(mx)}" y1="{axis_h}" x2="{_fmt(mx)}" y2="{height}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{_fmt(mx + 3)}" y="15" font-size="12" fill="{MUTED}">'
            f"{escape(_month_label(month))}</text>"
        )
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    # Axis: the label sits mid-height so it never collides with the minimum line's label.
    small = f'text-anchor="end" font-size="10" fill="{MUTED}"'
    parts.append(
        f'<text x="{left - 8}" y="{area_top + area_h / 2 + 4}" text-anchor="end" font-size="12" '
        f'fill="{MUTED}">{escape(t_on_site)}</text>'
        f'<text x="{left - 4}" y="{area_top + area_h}" {small}>0</text>'
    )
    if not minimum or minimum != peak:
        parts.append(f'<text x="{left - 4}" y="{area_top + 9}" {small}>{peak}</text>')
    # Gaps (nobody on site) and under-strength days: full-height bands behind the area.
    for s in gaps:
        parts.append(
            f'<g class="tl-gap" data-start="{s.start.isoformat()}" data-end="{s.end.isoformat()}">'
            f"<title>{escape(t_gap)} {s.start.isoformat()} – {s.end.isoformat()}</title>"
            f'<rect x="{_fmt(x(s.start))}" y="{area_top}" width="{_fmt(_w(s.start, s.end, 2))}" '
            f'height="{area_h}" fill="url(#tl-hatch)"/></g>'
        )
    for s in under:
        parts.append(
            f'<g class="tl-under" data-start="{s.start.isoformat()}" data-end="{s.end.isoformat()}" '
            f'data-on-site="{s.on_site}"><title>{escape(t_under)} {s.start.isoformat()} – '
            f"{s.end.isoformat()}: {s.on_site} &lt; {minimum}</title>"
            f'<rect x="{_fmt(x(s.start))}" y="{area_top}" width="{_fmt(_w(s.start, s.end, 2))}" '
            f'height="{area_h}" fill="#fef0c7"/></g>'
        )
    # People on site: a step area, one rectangle per interval of constant head-count.
    for s in spans:
        if s.on_site == 0:
            continue
        color = WARN if minimum is not None and s.on_site < minimum else ACCENT
        parts.append(
            f'<rect class="tl-count" x="{_fmt(x(s.start))}" y="{_fmt(y_count(s.on_site))}" '
            f'width="{_fmt(max(x(s.end + _DAY) - x(s.start), 1))}" '
            f'height="{_fmt(area_top + area_h - y_count(s.on_site))}" fill="{color}" fill-opacity="0.85">'
            f"<title>{s.start.isoformat()} – {s.end.isoformat()}: {s.on_site}</title></rect>"
        )
    parts.append(
        f'<line x1="{left}" y1="{area_top + area_h}" x2="{width - right}" y2="{area_top + area_h}" '
        f'stroke="{MUTED}"/>'
    )
    if minimum:
        my = y_count(minimum)
        parts.append(
            f'<line class="tl-min" x1="{left}" y1="{_fmt(my)}" x2="{width - right}" y2="{_fmt(my)}" '
            f'stroke="{DANGER}" stroke-dasharray="6 4"/>'
            f'<text x="{left - 8}" y="{_fmt(my + 4)}" text-anchor="end" font-size="12" fill="{DANGER}">'
            f"{escape(t_minimum)}</text>"
        )
    # ONE_LEADER strip: days with people on site but no leader or several.
    parts.append(
        f'<text x="{left - 8}" y="{strip_y + 9}" text-anchor="end" font-size="11" fill="{MUTED}">'
        f"{escape(t_leader_strip)}</text>"
    )
    for s in spans:
        if s.on_site == 0:
            continue
        ok = s.leaders == 1
        parts.append(
            f'<rect class="{"tl-leader-ok" if ok else "tl-leader-bad"}" data-start="{s.start.isoformat()}" '
            f'data-end="{s.end.isoformat()}" x="{_fmt(x(s.start))}" y="{strip_y}" '
            f'width="{_fmt(max(x(s.end + _DAY) - x(s.start), 1))}" height="{strip_h}" '
            f'fill="{LEADER if ok else DANGER}"><title>{escape(t_leaders)}: {s.leaders}</title></rect>'
        )
    # One row per deployment; the leader's bar has its own colour and a label.
    for i, bar in enumerate(bars):
        y = rows_top + i * row_h
        color = LEADER if bar.is_leader else "#7aa7d6"
        label = f"{t_leader} {bar.label}" if bar.is_leader else bar.label
        weight = ' font-weight="700"' if bar.is_leader else ""
        parts.append(
            f'<g class="tl-deployment{" tl-leader" if bar.is_leader else ""}" '
            f'data-start="{bar.start.isoformat()}" data-end="{bar.end.isoformat()}">'
            f"<title>{escape(label)} {bar.start.isoformat()} – {bar.end.isoformat()} "
            f"{escape(bar.detail)}</title>"
            f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'fill="{LEADER if bar.is_leader else "#1f2933"}"'
            f"{weight}>{escape(_truncate(label, 12))}</text>"
            f'<rect x="{_fmt(x(bar.start))}" y="{y + 2}" width="{_fmt(_w(bar.start, bar.end, 2))}" '
            f'height="{row_h - 6}" rx="3" fill="{color}"/></g>'
        )
    if not bars:
        parts.append(
            f'<text x="{left}" y="{rows_top + 13}" font-size="12" fill="{MUTED}">'
            f"{escape(t_no_deployments)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


_DAY = dt.timedelta(days=1)


def _timeline_desc(
    gaps: list[TimelineSpan], under: list[TimelineSpan], no_leader: list[TimelineSpan], minimum: int | None
) -> str:
    bits = []
    if gaps:
        bits.append(_("空档") + ": " + ", ".join(f"{s.start.isoformat()}–{s.end.isoformat()}" for s in gaps))
    if under:
        bits.append(
            _("人数不足")
            + f" (<{minimum}): "
            + ", ".join(f"{s.start.isoformat()}–{s.end.isoformat()}" for s in under)
        )
    if no_leader:
        bits.append(_("队长人数异常") + ": " + ", ".join(f"{s.start}–{s.end}" for s in no_leader))
    return "; ".join(bits) or _("全年满足人数与覆盖要求")


def _month_label(month: dt.date) -> str:
    # Chinese writes months as numbers (3月); other languages get the locale-free English abbreviation.
    if (get_language() or "zh").startswith("zh"):
        return f"{month.month}月"
    return calendar.month_abbr[month.month]


def _truncate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"
