"""Server-side SVG charts for the printable reports (no JavaScript; WeasyPrint renders inline SVG)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

_COLOURS = ["#0b5cad", "#2f9e44", "#f59f00", "#c92a2a", "#5f3dc4", "#1098ad"]


def bar_chart(
    data: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 560,
    height: int = 240,
    value_format: str = "{:g}",
    max_value: float | None = None,
) -> str:
    """A vertical bar chart as an SVG string; labels under the bars, values above them."""
    pad_left, pad_bottom, pad_top = 40, 46, 30
    n = max(len(data), 1)
    top = max_value if max_value is not None else max([v for _, v in data] + [1])
    top = top or 1
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    slot = plot_w / n
    bar_w = max(slot * 0.6, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 10}" y2="{pad_top + plot_h}" '
        'stroke="#52606d"/>',
    ]
    for i, (label, value) in enumerate(data):
        h = plot_h * (value / top) if top else 0
        x = pad_left + i * slot + (slot - bar_w) / 2
        y = pad_top + plot_h - h
        colour = _COLOURS[i % len(_COLOURS)]
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">'
            f"{escape(value_format.format(value))}</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{pad_top + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label[:8])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
