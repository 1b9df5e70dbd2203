"""A column per scale value: beneath each, the value with its count and percentage; the ends named.

This is the distribution at a glance (a scale's 1–5 or NPS's 0–10); the stacked bar above it shows the balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from charts import palette
from charts.layout import EM_RATIO, PT, Block, Canvas, Style, rects, text
from charts.textfmt import display_width, number, pct, wrap

COLUMNS_LABEL = "columns"  # label of the distribution columns' collection


@dataclass(frozen=True)
class Column:
    value: int
    count: int
    percent: float
    colour: str


def distribution_columns(
    columns: list[Column], median: float, ends: tuple[str, str], style: Style, width: float
) -> Block:
    pitch = width / max(len(columns), 1)
    numbers = [f"{c.value}\n{c.count} ({pct(c.percent)})" for c in columns]
    widest = max((display_width(n.split("\n")[1]) for n in numbers), default=1)
    # Type small enough that neighbouring columns' numbers never touch.
    under = min(style.small_size, pitch * 0.94 / (widest * EM_RATIO * PT))
    small = style.small_size
    small_h = style.line_height(small)
    bars_h = style.bar_height * 4
    base = 0.05 + bars_h  # the baseline, from the block's top
    # One text per column (value, count, percentage): every text artist costs a shaping pass when drawn.
    under_h = 2 * style.line_height(under) * 1.02
    end_lines = [wrap(e, style.columns(width / 2 - 0.1, small), max_lines=2) for e in ends]
    ends_top = base + 0.05 + under_h + small_h + 0.06
    height = ends_top + max(len(e) for e in end_lines) * small_h + 0.06
    top_percent = max((c.percent for c in columns), default=0.0) or 1.0
    first = columns[0].value if columns else 0

    def x_of(value: float) -> float:
        return (value - first + 0.5) * pitch

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)  # inches from the block's top
        heights = [bars_h * c.percent / top_percent for c in columns]
        bar_w = pitch * 0.64
        rects(
            ax,
            [(x_of(c.value) - bar_w / 2, base - h, bar_w, h) for c, h in zip(columns, heights, strict=True)],
            [c.colour for c in columns],
            COLUMNS_LABEL,
            edgecolors=palette.MUTED,
            linewidths=0.4,
        )
        ax.plot([0, width], [base, base], color=palette.MUTED, lw=0.8)
        for c, label_text in zip(columns, numbers, strict=True):
            text(ax, x_of(c.value), base + 0.05, label_text, under, ha="center", va="top", color=palette.INK,
                 linespacing=1.02, gid="column")  # fmt: skip
        mx = x_of(median)
        ha = "left" if mx < pitch else "right" if mx > width - pitch else "center"
        mx = mx - pitch * 0.4 if ha == "left" else mx + pitch * 0.4 if ha == "right" else mx
        text(ax, mx, base + 0.05 + under_h + 0.04, f"▲ median {number(median)}", small, ha=ha,
             va="top", color=palette.INK, fontweight="bold", gid="column-median")  # fmt: skip
        text(ax, 0, ends_top, "\n".join(end_lines[0]), small, ha="left", va="top", color=palette.MUTED,
             linespacing=1.12, gid="end")  # fmt: skip
        text(ax, width, ends_top, "\n".join(end_lines[1]), small, ha="right", va="top", color=palette.MUTED,
             linespacing=1.12, gid="end")  # fmt: skip

    return Block(height, draw)
