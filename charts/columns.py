"""A column per scale value: count and percentage above each, the value beneath, the ends named.

This is the distribution at a glance (a scale's 1–5 or NPS's 0–10); the stacked bar above it shows the balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from charts import palette
from charts.layout import Block, Canvas, Style, text
from charts.textfmt import number, pct, wrap

COLUMNS_LABEL = "columns"  # BarContainer label of the distribution columns


@dataclass(frozen=True)
class Column:
    value: int
    count: int
    percent: float
    colour: str


def distribution_columns(
    columns: list[Column], median: float, ends: tuple[str, str], style: Style, width: float
) -> Block:
    small, label = style.small_size, style.label_size
    small_h, label_h = style.line_height(small), style.line_height(label)
    pitch = width / max(len(columns), 1)
    numbers_h = 2 * small_h + 0.04
    bars_h = style.bar_height * 4
    base = numbers_h + bars_h  # the baseline, from the block's top
    end_lines = [wrap(e, style.columns(width / 2 - 0.1, small), max_lines=2) for e in ends]
    ends_top = base + 0.05 + label_h + small_h + 0.04
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
        ax.bar(
            [x_of(c.value) for c in columns],
            [-h for h in heights],
            bottom=base,
            width=pitch * 0.64,
            color=[c.colour for c in columns],
            edgecolor=palette.MUTED,
            linewidth=0.4,
            label=COLUMNS_LABEL,
        )
        ax.plot([0, width], [base, base], color=palette.MUTED, lw=0.8)
        for c, h in zip(columns, heights, strict=True):
            x = x_of(c.value)
            text(ax, x, base - h - 0.03, f"{c.count}\n{pct(c.percent)}", small, ha="center", va="bottom",
                 color=palette.INK, linespacing=1.05, gid="column-numbers")  # fmt: skip
            text(ax, x, base + 0.05, str(c.value), label, ha="center", va="top", color=palette.INK,
                 fontweight="bold" if c.value == median else "normal", gid="column-value")  # fmt: skip
        mx = x_of(median)
        ha = "left" if mx < pitch else "right" if mx > width - pitch else "center"
        mx = mx - pitch * 0.4 if ha == "left" else mx + pitch * 0.4 if ha == "right" else mx
        text(ax, mx, base + 0.05 + label_h, f"▲ median {number(median)}", small, ha=ha,
             va="top", color=palette.INK, fontweight="bold", gid="column-median")  # fmt: skip
        text(ax, 0, ends_top, "\n".join(end_lines[0]), small, ha="left", va="top", color=palette.MUTED,
             linespacing=1.12, gid="end")  # fmt: skip
        text(ax, width, ends_top, "\n".join(end_lines[1]), small, ha="right", va="top", color=palette.MUTED,
             linespacing=1.12, gid="end")  # fmt: skip

    return Block(height, draw)
