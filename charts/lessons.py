"""Lessons charts: per category, the respondents who filed a negative lesson (left, room for improvement)
and a positive one (right, practice to replicate), out of the question's respondents. A cell below k draws
no bar and says "<k": its size is never shown, and its entries are withheld everywhere (bot/aggregation.py).
The entries of the other cells go in the text and the handout.
"""

from __future__ import annotations

from bot.results import NEGATIVE_NAME, POSITIVE_NAME, LessonsResult
from bot.tables import cell_count
from charts import palette
from charts.layout import Block, Canvas, Style, rects, text
from charts.textfmt import pct, wrap

LESSON_BARS = "lesson-bars"  # label of the cells' bars' collection
POSITIVE, NEGATIVE = palette.POS_MID, palette.NEG_MID


def cell_label(result: LessonsResult, count: int | None) -> str:
    if count is None:
        return cell_count(None, result.k)
    return f"{count} ({pct(100 * count / max(result.respondents, 1))})"


def lessons_chart(result: LessonsResult, style: Style, width: float) -> list[Block]:
    size, small = style.label_size, style.small_size
    line_h, small_h = style.line_height(size), style.line_height(small)
    bar_h = style.bar_height
    labels = [wrap(c, style.columns(width, size), max_lines=2) for c in result.categories]
    head_h = small_h + 0.08
    tops: list[float] = []
    y = head_h
    for lines in labels:
        tops.append(y)
        y += len(lines) * line_h + 0.03 + bar_h + style.row_gap
    height = y - style.row_gap + 0.06
    n = max(result.respondents, 1)

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(-100, 100)
        ax.set_ylim(height, 0)
        text(ax, -2, 0, f"← {NEGATIVE_NAME}", small, va="top", ha="right", color=palette.INK, gid="side")
        text(ax, 2, 0, f"{POSITIVE_NAME} →", small, va="top", ha="left", color=palette.INK, gid="side")
        boxes, fills = [], []
        tracks = []
        for i, (lines, row_top) in enumerate(zip(labels, tops, strict=True)):
            bar_top = row_top + len(lines) * line_h + 0.03
            tracks.append((-100.0, bar_top, 200.0, bar_h))
            for positive, colour in ((True, POSITIVE), (False, NEGATIVE)):
                count = result.cell(i, positive).respondents
                if count:
                    share = 100 * count / n * 0.78  # room for the numbers beyond the bar's end
                    boxes.append((0.0, bar_top, share, bar_h) if positive else (-share, bar_top, share, bar_h))
                    fills.append(colour)
        rects(ax, tracks, [palette.TRACK] * len(tracks), "track")
        rects(ax, boxes, fills, LESSON_BARS, edgecolors="white", linewidths=0.6)
        ax.plot([0, 0], [head_h - 0.02, height], color=palette.MUTED, lw=0.9, gid="axis")
        for i, (lines, row_top) in enumerate(zip(labels, tops, strict=True)):
            bar_top = row_top + len(lines) * line_h + 0.03
            text(ax, -100, row_top, "\n".join(lines), size, va="top", ha="left", color=palette.INK,
                 linespacing=1.1, gid="category")  # fmt: skip
            for positive in (True, False):
                count = result.cell(i, positive).respondents
                end = 100 * (count or 0) / n * 0.78 + 1.5
                x, ha = (end, "left") if positive else (-end, "right")
                colour = palette.INK if count is not None else palette.MUTED
                text(ax, x, bar_top + bar_h / 2, cell_label(result, count), small, va="center", ha=ha,
                     color=colour, gid="cell" if count is not None else "cell-below-k")  # fmt: skip

    note = (
        f"Respondents who filed at least one lesson in each cell, of n = {result.respondents}; a cell below "
        f"{result.k} shows <{result.k}. {result.entry_count} lessons in all, listed in full in the handout."
        + (f" {result.withheld_note}" if result.withheld_note else "")
    )
    note_lines = wrap(note, style.columns(width, small))

    def draw_note(canvas: Canvas, left: float, top: float) -> None:
        canvas.text(left, top + 0.06, "\n".join(note_lines), small, va="top", ha="left", color=palette.MUTED,
                    linespacing=1.12, gid="note")  # fmt: skip

    return [Block(height, draw), Block(len(note_lines) * small_h + 0.1, draw_note)]
