"""Labelled horizontal bars: the label above each bar, the numbers in a right-hand column.

Labels above the bars get the full width, so a 75-character option needs at most two lines, and the numbers
line up like a table. The axes span only the 0–100% track, so a bar's width is its percentage.
"""

from __future__ import annotations

from dataclasses import dataclass

from charts import palette
from charts.layout import PT, Block, Canvas, Style, rects, text
from charts.textfmt import display_width, wrap

VALUES_LABEL = "values"  # label of the data bars' collection (the grey tracks have "track")


@dataclass(frozen=True)
class Row:
    label: str
    percent: float  # bar length, 0..100
    numbers: str  # e.g. "12 (52.2%)"
    lead: bool = False  # the leading option: a marker, bold type and a stronger colour, not colour alone


LEAD_MARK = "★ "


GUTTER = 0.5  # inches between two columns of rows


def bar_rows(rows: list[Row], style: Style, width: float, columns: int = 1) -> Block:
    """The rows one under another; with `columns=2` (a slide with many options) down the left half first,
    then down the right, so that the type can stay twice as large."""
    if columns == 2 and len(rows) > 1:
        half = (len(rows) + 1) // 2
        col_w = (width - GUTTER) / 2
        first, second = bar_rows(rows[:half], style, col_w), bar_rows(rows[half:], style, col_w)

        def draw_both(canvas: Canvas, left: float, top: float) -> None:
            first.draw(canvas, left, top)
            second.draw(canvas, left + col_w + GUTTER, top)

        return Block(max(first.height, second.height), draw_both)
    return _one_column(rows, style, width)


def _one_column(rows: list[Row], style: Style, width: float) -> Block:
    size = style.label_size
    line_h = style.line_height(size)
    numbers_w = max(display_width(r.numbers) for r in rows) * size * 0.56 * PT + 0.15
    track_w = max(width - numbers_w, width * 0.45)
    wrapped = [
        wrap(LEAD_MARK + r.label if r.lead else r.label, style.columns(width, size), max_lines=4) for r in rows
    ]

    centres: list[float] = []
    label_tops: list[float] = []
    y = 0.0
    for lines in wrapped:
        label_tops.append(y)
        y += len(lines) * line_h + 0.02
        centres.append(y + style.bar_height / 2)
        y += style.bar_height + style.row_gap
    height = y - style.row_gap + 0.04

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, track_w, height)
        ax.set_xlim(0, 100)
        ax.set_ylim(height, 0)  # y in inches from the block's top
        half = style.bar_height / 2
        rects(ax, [(0, c - half, 100.0, style.bar_height) for c in centres], [palette.TRACK] * len(rows), "track")
        rects(
            ax,
            [(0, c - half, min(max(r.percent, 0.0), 100.0), 2 * half) for r, c in zip(rows, centres, strict=True)],
            [palette.LEAD if r.lead else palette.BAR for r in rows],
            VALUES_LABEL,
        )
        right = 100 * width / track_w  # the block's right edge, in data units
        for row, lines, label_top, centre in zip(rows, wrapped, label_tops, centres, strict=True):
            text(
                ax,
                0,
                label_top,
                "\n".join(lines),
                size,
                va="top",
                ha="left",
                color=palette.INK,
                linespacing=1.12,
                fontweight="bold" if row.lead else "normal",
                gid="label",
            )
            text(
                ax,
                right,
                centre,
                row.numbers,
                size,
                va="center",
                ha="right",
                color=palette.INK,
                fontweight="bold" if row.lead else "normal",
                gid="numbers",
            )

    return Block(height, draw)
