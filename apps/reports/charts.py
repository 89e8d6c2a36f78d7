"""Server-rendered SVG charts: no JavaScript, no CDN, and they print."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD_TOP, PAD_BOTTOM, PAD_SIDE = 560, 240, 28, 36, 12


def bar_chart(bars: list[tuple[str, Decimal]], *, title: str, currency: str) -> SafeString:
    """A vertical bar chart; each bar is labelled below and its value printed above (no axis to read)."""
    count = max(len(bars), 1)
    slot = (WIDTH - 2 * PAD_SIDE) / count
    bar_width = slot * 0.6
    peak = max((value for _label, value in bars), default=Decimal("0"))
    usable = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = []
    for index, (label, value) in enumerate(bars):
        height = float(value / peak * usable) if peak > 0 and value > 0 else 0.0
        x = PAD_SIDE + index * slot + (slot - bar_width) / 2
        y = PAD_TOP + usable - height
        parts.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_width:.1f}",
                f"{height:.1f}",
                f"{label}: {value} {currency}",
                f"{x + bar_width / 2:.1f}",
                f"{y - 6:.1f}",
                f"{value:,.0f}",
                f"{HEIGHT - PAD_BOTTOM + 18:.1f}",
                label,
            )
        )
    body = format_html_join(
        "",
        '<g><rect class="bar" x="{0}" y="{1}" width="{2}" height="{3}"><title>{4}</title></rect>'
        '<text x="{5}" y="{6}" text-anchor="middle" class="value">{7}</text>'
        '<text x="{5}" y="{8}" text-anchor="middle" class="label">{9}</text></g>',
        parts,
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/>{}</svg>',
        title,
        WIDTH,
        HEIGHT,
        title,
        PAD_SIDE,
        HEIGHT - PAD_BOTTOM,
        WIDTH - PAD_SIDE,
        HEIGHT - PAD_BOTTOM,
        body,
    )
