"""Charts as server-rendered SVG (ADR 0021): the same markup in the desk, the portal and the PDF, no
JavaScript. Each chart is drawn from a :class:`~escalade.reports.selectors.Table` that the page also
shows as an accessible table beside it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 48, 40, 16
PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c")


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
    colours: Sequence[str] = (),
) -> SafeString:
    """Grouped vertical bars: one group per label, one bar per series; the title is the SVG's name."""
    colours = tuple(colours) or PALETTE
    values = [_number(v) for _name, points in series for v in points]
    top = max([*values, 1.0])
    plot_width = WIDTH - MARGIN_LEFT - 8
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    group = plot_width / max(len(labels), 1)
    bar = max(group * 0.8 / max(len(series), 1), 1.0)
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
            'aria-label="{}" class="chart"><title>{}</title>',
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT,
            title,
            title,
        ),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#666"/>',
            MARGIN_LEFT,
            HEIGHT - MARGIN_BOTTOM,
            WIDTH - 8,
            HEIGHT - MARGIN_BOTTOM,
        ),
        format_html('<text x="4" y="{}" font-size="11" fill="#444">{}</text>', MARGIN_TOP + 8, _short(top)),
    ]
    for index, label in enumerate(labels):
        x0 = MARGIN_LEFT + index * group + group * 0.1
        for rank, (_name, points) in enumerate(series):
            value = _number(points[index]) if index < len(points) else 0.0
            height = plot_height * value / top
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                    _f(x0 + rank * bar),
                    _f(HEIGHT - MARGIN_BOTTOM - height),
                    _f(bar),
                    _f(height),
                    colours[rank % len(colours)],
                    label,
                    _short(value),
                )
            )
        if len(labels) <= 16 or index % max(len(labels) // 12, 1) == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#444">{}</text>',
                    _f(x0 + group * 0.4),
                    HEIGHT - MARGIN_BOTTOM + 14,
                    label,
                )
            )
    for rank, (name, _points) in enumerate(series):
        x = MARGIN_LEFT + rank * 140
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="#222">{}</text>',
                x,
                HEIGHT - 14,
                colours[rank % len(colours)],
                x + 14,
                HEIGHT - 5,
                name,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is format_html-escaped


def _f(value: float) -> str:
    return f"{value:.1f}"


def _short(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def gauge(*, title: str, percent: float | None) -> SafeString:
    """A horizontal bar filled to ``percent`` (SLA compliance), with the number written on it."""
    shown = max(0.0, min(percent or 0.0, 100.0))
    text = "—" if percent is None else f"{percent:.1f} %"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 28" width="200" height="28" role="img" '
        'aria-label="{}: {}" class="gauge"><title>{}</title><rect width="200" height="20" fill="#e5e7eb"/>'
        '<rect width="{}" height="20" fill="{}"/>'
        '<text x="6" y="15" font-size="12" fill="#111">{}</text></svg>',
        title, text, title, _f(shown * 2), "#16a34a" if shown >= 90 else "#ea580c", escape(text),
    )  # fmt: skip
