"""Charts drawn on the server as SVG: geometry here, markup in templates/charts/.

No script and no colour-only meaning: every bar carries its value as text and a ``<title>``, bars of
different series differ by pattern as well as colour, and each chart has a text alternative (the
figures table beside it).
"""

from __future__ import annotations

from dataclasses import dataclass

# Column chart (applications per month).
COLUMN_WIDTH, COLUMN_GAP, PLOT_HEIGHT, TOP, BOTTOM, LEFT = 36, 12, 160, 24, 40, 8
# Horizontal bars (percentages).
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_SPACE, VALUE_SPACE = 18, 4, 110, 300, 48


@dataclass(frozen=True)
class Column:
    x: int
    y: int
    width: int
    height: int
    value: int
    label: str
    title: str
    label_x: int


def columns(values: list[tuple[str, int, str]]) -> dict:
    """A column per (short label, value, full title), scaled to the largest value."""
    top = max((v for _label, v, _title in values), default=0) or 1
    cols = []
    for i, (label, value, title) in enumerate(values):
        height = round(PLOT_HEIGHT * value / top)
        x = LEFT + i * (COLUMN_WIDTH + COLUMN_GAP)
        cols.append(
            Column(x, TOP + PLOT_HEIGHT - height, COLUMN_WIDTH, height, value, label, title, x + COLUMN_WIDTH // 2)
        )
    width = LEFT * 2 + max(len(values), 1) * (COLUMN_WIDTH + COLUMN_GAP)
    return {
        "columns": cols,
        "width": width,
        "height": TOP + PLOT_HEIGHT + BOTTOM,
        "baseline": TOP + PLOT_HEIGHT,
        "label_y": TOP + PLOT_HEIGHT + 16,
    }


@dataclass(frozen=True)
class Bar:
    y: int
    width: int
    series: int
    value: int | None
    title: str
    text_x: int
    text_y: int


@dataclass(frozen=True)
class BarGroup:
    label: str
    label_y: int
    bars: list[Bar]


def percent_bars(groups: list[tuple[str, list[tuple[int | None, str]]]]) -> dict:
    """Horizontal 0-100 % bars: a group per row label, a bar per series (value or None, title)."""
    out, y = [], 4
    for label, series in groups:
        bars = []
        for s, (value, title) in enumerate(series):
            width = round(BAR_SPACE * (value or 0) / 100)
            bars.append(Bar(y, width, s, value, title, LABEL_WIDTH + width + 4, y + BAR_HEIGHT - 5))
            y += BAR_HEIGHT + BAR_GAP
        out.append(BarGroup(label, y - (BAR_HEIGHT + BAR_GAP) * len(series) // 2 - BAR_GAP + 5, bars))
        y += BAR_GAP * 3
    return {
        "groups": out,
        "width": LABEL_WIDTH + BAR_SPACE + VALUE_SPACE,
        "height": y,
        "x": LABEL_WIDTH,
        "scale_x": LABEL_WIDTH + BAR_SPACE,
    }
