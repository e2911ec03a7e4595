"""Geometry of the server-rendered SVG bar charts on the overview page (no chart library, no script)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    href: str | None
    label_x: float
    label_y: float
    bar_x: float
    bar_y: float
    bar_width: float
    value_x: float
    value_y: float


@dataclass
class BarChart:
    width: int
    height: int
    bar_height: int
    bars: list[Bar]


def bar_chart(rows: list[tuple[str, int, str | None]], rtl: bool = False, width: int = 640,
              row_height: int = 48, bar_height: int = 18) -> BarChart:
    """Lay out one labelled horizontal bar per row, label above its bar, value at the bar's end.

    With rtl the bars grow from the right edge. Text is always anchored at its "start", which the
    page's inherited `direction` turns into the right edge for Arabic, so only x positions mirror.
    """
    value_room = 56
    top = max((value for _, value, _ in rows), default=0) or 1
    usable = width - value_room
    bars = []
    for i, (label, value, href) in enumerate(rows):
        y = i * row_height
        length = max(2.0, usable * value / top) if value else 0.0
        bar_x = width - length if rtl else 0.0
        value_x = width - length - 8 if rtl else length + 8
        bars.append(Bar(
            label=label, value=value, href=href,
            label_x=float(width) if rtl else 0.0, label_y=y + 17,
            bar_x=round(bar_x, 1), bar_y=y + 24, bar_width=round(length, 1),
            value_x=round(value_x, 1), value_y=y + 24 + bar_height - 4,
        ))
    return BarChart(width=width, height=max(row_height, len(rows) * row_height), bar_height=bar_height, bars=bars)
