"""Small inline SVG charts, generated as text (no library, deterministic output).

* ``month_calendar``: the month as a calendar, each day coloured by the people on call;
* ``bars``: horizontal bars (load per person);
* ``columns``: vertical bars (distribution of the time to answer).
"""

from __future__ import annotations

import calendar as stdcalendar
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")   # callers pass the reader's (i18n.Texts)
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def colour(name: str, names: Sequence[str]) -> str:
    return PALETTE[sorted(names).index(name) % len(PALETTE)] if name in names else "#bbbbbb"


def month_calendar(year: int, month: int, on_call: Mapping[int, Sequence[str]], holidays: Sequence[int] = (),
                   title: str = "", day_labels: Sequence[str] = DAY_LABELS, cell_h: int = 62) -> str:
    """``on_call``: day of month -> people on call that day (first is the main one); ``day_labels``
    Monday first, in the reader's language; ``cell_h`` 30 for a compact calendar."""
    cell_w, top = 110, 46 if title else 22
    compact = cell_h < 50
    weeks = stdcalendar.Calendar().monthdayscalendar(year, month)
    width, height = 7 * cell_w + 2, top + len(weeks) * cell_h + 2
    names = sorted({p for people in on_call.values() for p in people})
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart calendar" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title or "rota calendar")}">',
             f'<text x="2" y="16" {FONT} font-size="15" font-weight="bold">{escape(title)}</text>' if title else ""]
    for index, label in enumerate(day_labels):
        parts.append(f'<text x="{index * cell_w + cell_w // 2}" y="{top - 8}" {FONT} font-size="12" '
                     f'text-anchor="middle">{label}</text>')
    for row, week in enumerate(weeks):
        for column, day in enumerate(week):
            if not day:
                continue
            x, y = column * cell_w + 1, top + row * cell_h + 1
            people = list(on_call.get(day, ()))
            fill = colour(people[0], names) if people else "#f4f4f4"
            stroke = ' stroke="#d62728" stroke-width="3"' if day in holidays else ' stroke="#ffffff"'
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"{stroke}/>')
            text_fill = "#ffffff" if people else "#333333"
            parts.append(f'<text x="{x + 5}" y="{y + 16}" {FONT} font-size="13" font-weight="bold" '
                         f'fill="{text_fill}">{day}</text>')
            label = ", ".join(people[:3]) + ("…" if len(people) > 3 else "")
            if label:
                parts.append(f'<text x="{x + (30 if compact else 5)}" y="{y + (16 if compact else 38)}" {FONT} '
                             f'font-size="12" fill="{text_fill}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(items: Sequence[tuple[str, float]], title: str, unit: str = "") -> str:
    """Horizontal bars, one per item, scaled to the largest."""
    row_h, left, width = 28, 150, 760
    height = 30 + max(1, len(items)) * row_h
    largest = max((value for _, value in items), default=0) or 1
    names = [label for label, _ in items]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="2" y="16" {FONT} font-size="15" font-weight="bold">{escape(title)}</text>']
    for index, (label, value) in enumerate(items):
        y = 26 + index * row_h
        length = round((width - left - 90) * value / largest)
        parts.append(f'<text x="{left - 8}" y="{y + 17}" {FONT} font-size="12" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{max(length, 1)}" height="{row_h - 8}" '
                     f'fill="{colour(label, names)}"/>')
        parts.append(f'<text x="{left + length + 6}" y="{y + 17}" {FONT} font-size="12">'
                     f'{_number(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(items: Sequence[tuple[str, int]], title: str) -> str:
    """Vertical bars (a histogram), labels under each bar, counts above."""
    width, height, bottom, top = 760, 260, 36, 34
    count = max(1, len(items))
    slot = (width - 20) / count
    largest = max((value for _, value in items), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart columns" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
             f'<text x="2" y="16" {FONT} font-size="15" font-weight="bold">{escape(title)}</text>',
             f'<line x1="10" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#555"/>']
    for index, (label, value) in enumerate(items):
        x = 10 + index * slot
        bar = round((height - bottom - top - 14) * value / largest)
        y = height - bottom - bar
        parts.append(f'<rect x="{x + 6:.1f}" y="{y}" width="{slot - 12:.1f}" height="{bar}" fill="#4e79a7"/>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{y - 4}" {FONT} font-size="12" '
                     f'text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" {FONT} font-size="12" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
