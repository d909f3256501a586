"""Server-rendered SVG charts: no JavaScript, a <title> and <desc>, and labelled marks.

Every chart is drawn next to a data table in the template, so the numbers stay readable
without the picture. Text is escaped here; callers pass plain strings and numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

SEVERITY_COLOURS = {
    "block": "#8b0000",
    "high": "#c0392b",
    "medium": "#b7950b",
    "low": "#6aa84f",
    "info": "#7f8c8d",
    "error": "#000000",
}
# distinguishable on white, and told apart by dash pattern too
SERIES_STYLES = [
    ("#0b5394", ""),
    ("#c0392b", "6 3"),
    ("#38761d", "2 3"),
    ("#7f6000", "8 3 2 3"),
    ("#674ea7", "1 2"),
    ("#000000", "10 4"),
]
LABEL_WIDTH = 220
BAR_WIDTH = 360
ROW = 22
Number = int | float | Decimal


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> str:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" aria-labelledby="{id}-title {id}-desc" class="chart">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=desc,
    )


def _money(value: Number) -> str:
    return f"${value:,.0f}"


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Number]],
    fmt: Callable[[Number], str] = _money,
) -> SafeString:
    """One horizontal bar per row, longest = full width, value printed after the bar."""
    peak = max((float(v) for _, v in rows), default=0.0) or 1.0
    height = ROW * max(len(rows), 1) + 8
    parts = [_open(chart_id, title, desc, LABEL_WIDTH + BAR_WIDTH + 120, height)]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        width = round(BAR_WIDTH * float(value) / peak)
        parts.append(
            format_html(
                '<g><text x="0" y="{ty}" font-size="12">{label}</text>'
                '<rect x="{x}" y="{y}" width="{w}" height="14" fill="#0b5394">'
                "<title>{label}: {value}</title></rect>"
                '<text x="{vx}" y="{ty}" font-size="12">{value}</text></g>',
                ty=y + 12,
                label=_clip(label),
                x=LABEL_WIDTH,
                y=y,
                w=width,
                value=fmt(value),
                vx=LABEL_WIDTH + width + 6,
            )
        )
    if not rows:
        parts.append('<text x="0" y="16" font-size="12">No data</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is built by format_html


def stacked_hbar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, dict[str, int]]],
    keys: Sequence[str],
    colours: dict[str, str] = SEVERITY_COLOURS,
) -> SafeString:
    """One bar per row split into segments (e.g. severities), with a legend."""
    peak = max((sum(c.values()) for _, c in rows), default=0) or 1
    height = ROW * (max(len(rows), 1) + 1) + 8
    parts = [_open(chart_id, title, desc, LABEL_WIDTH + BAR_WIDTH + 80, height)]
    for i, key in enumerate(keys):  # legend
        parts.append(
            format_html(
                '<rect x="{x}" y="2" width="10" height="10" fill="{c}"></rect>'
                '<text x="{tx}" y="11" font-size="11">{k}</text>',
                x=LABEL_WIDTH + i * 60,
                c=colours.get(key, "#555"),
                tx=LABEL_WIDTH + i * 60 + 13,
                k=key,
            )
        )
    for i, (label, counts) in enumerate(rows):
        y = 4 + (i + 1) * ROW
        x = float(LABEL_WIDTH)
        parts.append(
            format_html('<g><text x="0" y="{}" font-size="12">{}</text>', y + 12, _clip(label))
        )
        for key in keys:
            n = counts.get(key, 0)
            if not n:
                continue
            w = BAR_WIDTH * n / peak
            parts.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{w}" height="14" fill="{c}">'
                    "<title>{label}, {key}: {n}</title></rect>",
                    x=f"{x:.1f}",
                    y=y,
                    w=f"{w:.1f}",
                    c=colours.get(key, "#555"),
                    label=label,
                    key=key,
                    n=n,
                )
            )
            x += w
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12">{}</text></g>',
                f"{x + 6:.1f}",
                y + 12,
                sum(counts.values()),
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is built by format_html


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """One line per series over the same x positions, with a y axis from 0 to the peak."""
    width, height, left, top, bottom = 720, 260, 40, 10, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max((max(values, default=0) for _, values in series), default=0) or 1
    step = plot_w / max(len(x_labels) - 1, 1)
    parts = [_open(chart_id, title, desc, width, height + 20 * len(series))]
    base = top + plot_h
    parts.append(
        format_html(
            '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#555"></line>'
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#555"></line>'
            '<text x="{tx}" y="{ty}" font-size="11" text-anchor="end">{peak}</text>'
            '<text x="{tx}" y="{b}" font-size="11" text-anchor="end">0</text>',
            l=left,
            t=top,
            b=base,
            r=left + plot_w,
            tx=left - 4,
            ty=top + 8,
            peak=peak,
        )
    )
    last = len(x_labels) - 1
    for i, label in enumerate(x_labels):
        if (i % 4 == 0 and last - i >= 2) or i == last:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="{}">{}</text>',
                    f"{left + i * step:.1f}",
                    base + 14,
                    "end" if i == last and i else "middle",
                    label,
                )
            )
    for n, (name, values) in enumerate(series):
        colour, dash = SERIES_STYLES[n % len(SERIES_STYLES)]
        points = " ".join(
            f"{left + i * step:.1f},{base - plot_h * v / peak:.1f}" for i, v in enumerate(values)
        )
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{c}" stroke-width="2" stroke-dasharray="{d}" '
                'points="{p}"><title>{name}</title></polyline>'
                '<line x1="{l}" y1="{ly}" x2="{l2}" y2="{ly}" stroke="{c}" stroke-width="2" '
                'stroke-dasharray="{d}"></line>'
                '<text x="{tx}" y="{ty}" font-size="12">{name}</text>',
                c=colour,
                d=dash,
                p=points,
                name=name,
                l=left,
                l2=left + 30,
                ly=height + 20 * n + 6,
                tx=left + 36,
                ty=height + 20 * n + 10,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is built by format_html


def _clip(label: str, size: int = 32) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"
