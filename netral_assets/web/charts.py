"""Charts for the dashboard, drawn on the server as SVG (no script, no library in the page): a
horizontal bar per row (38 provinces read well on a phone) and a daily line. Numbers are formatted
in Indonesian (`model.formatting`), text is escaped, and every mark carries a <title> for screen
readers and hover.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from ..model.formatting import format_number

NAVY, RED, GRID, MUTED = "#12284C", "#C8102E", "#E3E8F0", "#5B6B82"
FONT = "Plus Jakarta Sans, DejaVu Sans, sans-serif"


def bar_chart(rows: list[tuple[str, int]], title: str, width: int = 640, bar: int = 18, gap: int = 6,
              label_width: int = 210) -> Markup:
    """One bar per (label, value), longest first as given, scaled to the largest value."""
    top = max((v for _, v in rows), default=0) or 1
    height = max(1, len(rows)) * (bar + gap) + gap
    span = width - label_width - 70
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
             f'font-family="{FONT}" font-size="12" data-chart="bars" data-rows="{len(rows)}">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = round(span * value / top, 1)
        text = f"{label}: {format_number(value)}"
        parts.append(f'<g><title>{escape(text)}</title>'
                     f'<text x="{label_width - 8}" y="{y + bar * 0.72:.1f}" text-anchor="end" fill="{NAVY}">'
                     f"{escape(_clip(label, 30))}</text>"
                     f'<rect x="{label_width}" y="{y}" width="{span}" height="{bar}" fill="{GRID}" rx="3"/>'
                     f'<rect class="bar" x="{label_width}" y="{y}" width="{max(w, 0)}" height="{bar}" '
                     f'fill="{RED if value == 0 else NAVY}" rx="3"/>'
                     f'<text x="{label_width + span + 6}" y="{y + bar * 0.72:.1f}" fill="{NAVY}" font-weight="700">'
                     f"{format_number(value)}</text></g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(days: dict[str, int], start: str, end: str, title: str, width: int = 640, height: int = 220) -> Markup:
    """Frames per day from `start` to `end` (days without events are zero), with the peak marked."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    series = [(first + dt.timedelta(d)).isoformat() for d in range((last - first).days + 1)]
    values = [days.get(d, 0) for d in series]
    top = max(values, default=0) or 1
    left, right, upper, lower = 56, 12, 14, 34
    plot_w, plot_h = width - left - right, height - upper - lower
    step = plot_w / max(1, len(series) - 1)
    points = [(left + i * step, upper + plot_h * (1 - v / top)) for i, v in enumerate(values)]
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
             f'font-family="{FONT}" font-size="12" data-chart="line" data-days="{len(series)}">',
             f"<title>{escape(title)}</title>"]
    for fraction in (0, 0.5, 1):
        y = upper + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f"{format_number(round(top * fraction))}</text>")
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        area = f"{left},{upper + plot_h} {path} {left + plot_w:.1f},{upper + plot_h}"
        parts.append(f'<polygon points="{area}" fill="{NAVY}" fill-opacity="0.08"/>'
                     f'<polyline class="line" points="{path}" fill="none" stroke="{NAVY}" stroke-width="2.5" '
                     'stroke-linejoin="round"/>')
    for (x, y), day, value in zip(points, series, values, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3 if len(points) <= 62 else 1.5}" fill="{NAVY}">'
                     f"<title>{escape(_day(day))}: {format_number(value)} bingkai</title></circle>")
    parts.append(f'<text x="{left}" y="{height - 10}" fill="{MUTED}">{escape(_day(series[0]))}</text>'
                 f'<text x="{width - right}" y="{height - 10}" text-anchor="end" fill="{MUTED}">'
                 f"{escape(_day(series[-1]))}</text></svg>")
    return Markup("".join(parts))


MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def _day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
