"""Grid charts: one diverging stacked bar per item, in the order written, all centred on the scale's neutral
point so the rows compare at a glance. Above each bar, the item with its n, median and mean; a row rated by
fewer than k respondents is withheld: a grey track and the words, never a count.

Colour is never the only cue: values run left to right in scale order, the key is that same ordered strip with
its ends named, and the exact counts are in the table and alt text posted beside the chart. Every glyph costs
drawing time on each slide, so there is one text per row, two for the key, and no note that repeats them
(bench/charts.py holds the grid to its floor).
"""

from __future__ import annotations

import math

from bot.results import GridResult
from charts import palette
from charts.layout import Block, Canvas, Style, rects, text
from charts.scale import neutral_start
from charts.textfmt import number, wrap

GRID_SEGMENTS = "grid-segments"  # label of the rows' stacked segments' collection
WITHHELD_GID = "withheld"


def row_numbers(result: GridResult, index: int) -> str:
    row = result.rows[index]
    if row.respondents is None:
        return f"withheld (n < {result.k})"
    return f"n {row.respondents} · median {number(row.median or 0)} · mean {number(row.mean or 0)}"


def _row_head(result: GridResult, index: int) -> str:
    """The chart's row heading: the n only where it differs from the question's own (shown in the footer),
    so four rows do not repeat "n 12" and every glyph drawn says something."""
    row = result.rows[index]
    if row.respondents is None or row.respondents != result.respondents:
        return f"{row.label} · {row_numbers(result, index)}"
    return f"{row.label} · median {number(row.median or 0)} · mean {number(row.mean or 0)}"


def _key(result: GridResult, colours: list[str], style: Style, width: float) -> Block:
    """The values' colours as one ordered strip, lowest left, with its two ends named beside it."""
    small = style.small_size
    line_h = style.line_height(small)
    low = f"{result.scale_min}" + (f" = {result.min_label}" if result.min_label else "")
    high = f"{result.scale_max}" + (f" = {result.max_label}" if result.max_label else "")
    cell = line_h * 0.9
    strip_w = cell * len(colours)
    columns = style.columns(max((width - strip_w) / 2 - 0.15, 0.5), small)
    low_line, high_line = wrap(low, columns, max_lines=1)[0], wrap(high, columns, max_lines=1)[0]
    height = line_h + 0.14

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        low_w = min(len(low_line) * small * 0.6 / 72 + 0.1, (width - strip_w) / 2)
        rects(ax, [(low_w + i * cell, 0.02, cell, cell) for i in range(len(colours))], colours, "key",
              edgecolors="white", linewidths=0.5)  # fmt: skip
        text(ax, low_w - 0.06, 0.02 + cell / 2, low_line, small, va="center", ha="right", color=palette.INK,
             gid="key-low")  # fmt: skip
        text(ax, low_w + strip_w + 0.06, 0.02 + cell / 2, high_line, small, va="center", ha="left",
             color=palette.INK, gid="key-high")  # fmt: skip

    return Block(height, draw)


def grid_chart(result: GridResult, style: Style, width: float) -> list[Block]:
    """The key, then per item: its label with n, median and mean, and its stacked bar."""
    colours = palette.diverging(result.scale_max - result.scale_min + 1)
    size = style.label_size
    line_h = style.line_height(size)
    heads = [
        wrap(_row_head(result, i), style.columns(width, size), max_lines=3) for i in range(len(result.rows))
    ]
    bar_h = style.bar_height
    tops: list[float] = []
    y = 0.0
    for lines in heads:
        tops.append(y)
        y += len(lines) * line_h + 0.03 + bar_h + style.row_gap
    height = y - style.row_gap + 0.06

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(-100, 100)
        ax.set_ylim(height, 0)
        boxes, fills, withheld = [], [], []
        marks_x: list[float] = []
        marks_y: list[float] = []
        for row, lines, row_top in zip(result.rows, heads, tops, strict=True):
            bar_top = row_top + len(lines) * line_h + 0.03
            marks_x += [0.0, 0.0, math.nan]
            marks_y += [bar_top - 0.03, bar_top + bar_h + 0.03, math.nan]
            if row.respondents is None:
                withheld.append((-100.0, bar_top, 200.0, bar_h))
                continue
            x = neutral_start([b.percent for b in row.distribution])
            for bucket, colour in zip(row.distribution, colours, strict=True):
                if bucket.percent > 0:
                    boxes.append((x, bar_top, bucket.percent, bar_h))
                    fills.append(colour)
                x += bucket.percent
        if withheld:
            rects(ax, withheld, [palette.TRACK] * len(withheld), "withheld-track")
        rects(ax, boxes, fills, GRID_SEGMENTS, edgecolors="white", linewidths=0.6)
        # The neutral point through every bar, never through a label: one line, broken between rows.
        ax.plot(marks_x, marks_y, color=palette.MUTED, lw=0.9, ls=":", gid="neutral")
        for row, lines, row_top in zip(result.rows, heads, tops, strict=True):
            hidden = row.respondents is None
            text(ax, -100, row_top, "\n".join(lines), size, va="top", ha="left", linespacing=1.1,
                 color=palette.MUTED if hidden else palette.INK, gid=WITHHELD_GID if hidden else "row")  # fmt: skip

    return [_key(result, colours, style, width), Block(height, draw)]
