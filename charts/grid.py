"""Grid charts: one diverging stacked bar per item, in the order written, all centred on the scale's neutral
point so the rows compare at a glance. A row rated by fewer than k respondents is withheld: a grey track and
the words, never a count. The numbers of each row sit in a right-hand column, so colour is never the only cue.
"""

from __future__ import annotations

from bot.results import GridResult
from charts import palette
from charts.layout import PT, Block, Canvas, Style, rects, text
from charts.scale import neutral_start
from charts.textfmt import display_width, number, wrap

GRID_SEGMENTS = "grid-segments"  # label of the rows' stacked segments' collection
WITHHELD_GID = "withheld"


def row_numbers(result: GridResult, index: int) -> str:
    row = result.rows[index]
    if row.respondents is None:
        return f"withheld (n < {result.k})"
    return f"n {row.respondents} · median {number(row.median or 0)} · mean {number(row.mean or 0)}"


def _key(result: GridResult, colours: list[str], style: Style, width: float) -> Block:
    """The values' colours in one row of swatches, the end labels beside the ends."""
    small = style.small_size
    line_h = style.line_height(small)
    values = list(range(result.scale_min, result.scale_max + 1))
    ends = []
    if result.min_label:
        ends.append(f"{result.scale_min} = {result.min_label}")
    if result.max_label:
        ends.append(f"{result.scale_max} = {result.max_label}")
    end_lines = wrap(" · ".join(ends), style.columns(width, small), max_lines=2) if ends else []
    swatch = line_h * 0.8
    height = line_h + 0.06 + len(end_lines) * line_h + 0.1

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        pitch = swatch + 0.12 + small * 0.6 * PT * max(len(str(v)) for v in values)
        rects(ax, [(i * pitch, 0.02, swatch, swatch) for i in range(len(values))], colours, "key",
              edgecolors=palette.MUTED, linewidths=0.3)  # fmt: skip
        for i, v in enumerate(values):
            text(ax, i * pitch + swatch + 0.04, 0.0, str(v), small, va="top", ha="left", color=palette.INK,
                 gid="key-value")  # fmt: skip
        if end_lines:
            text(ax, 0, line_h + 0.06, "\n".join(end_lines), small, va="top", ha="left", color=palette.MUTED,
                 linespacing=1.12, gid="key-ends")  # fmt: skip

    return Block(height, draw)


def grid_chart(result: GridResult, style: Style, width: float) -> list[Block]:
    """The key, then per item: its label above, the stacked bar, and n, median and mean to the right."""
    colours = palette.diverging(result.scale_max - result.scale_min + 1)
    size, small = style.label_size, style.small_size
    line_h = style.line_height(size)
    numbers = [row_numbers(result, i) for i in range(len(result.rows))]
    numbers_w = max((display_width(n) for n in numbers), default=1) * small * 0.56 * PT + 0.15
    track_w = max(width - numbers_w, width * 0.5)
    labels = [wrap(row.label, style.columns(width, size), max_lines=3) for row in result.rows]
    bar_h = style.bar_height * 1.2
    tops: list[float] = []
    y = 0.0
    for lines in labels:
        tops.append(y)
        y += len(lines) * line_h + 0.03 + bar_h + style.row_gap
    height = y - style.row_gap + 0.06

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, track_w, height)
        ax.set_xlim(-100, 100)
        ax.set_ylim(height, 0)
        boxes, fills, inside = [], [], []
        withheld = []
        for row, lines, row_top in zip(result.rows, labels, tops, strict=True):
            bar_top = row_top + len(lines) * line_h + 0.03
            if row.respondents is None:
                withheld.append((-100.0, bar_top, 200.0, bar_h))
                continue
            percents = [b.percent for b in row.distribution]
            x = neutral_start(percents)
            for bucket, colour in zip(row.distribution, colours, strict=True):
                if bucket.percent > 0:
                    boxes.append((x, bar_top, bucket.percent, bar_h))
                    fills.append(colour)
                    if bucket.percent * track_w / 200 >= 0.12 + 0.07 * len(str(bucket.value)):
                        inside.append((x + bucket.percent / 2, bar_top + bar_h / 2, str(bucket.value), colour))
                x += bucket.percent
        if withheld:
            rects(ax, withheld, [palette.TRACK] * len(withheld), "withheld-track")
        rects(ax, boxes, fills, GRID_SEGMENTS, edgecolors="white", linewidths=0.6)
        for x, yc, s, colour in inside:
            text(ax, x, yc, s, small, ha="center", va="center", color=palette.text_on(colour), gid="segment")
        for lines, row_top in zip(labels, tops, strict=True):  # through the bars only, never a label
            bar_top = row_top + len(lines) * line_h + 0.03
            ax.plot([0, 0], [bar_top - 0.03, bar_top + bar_h + 0.03], color=palette.MUTED, lw=0.9, ls=":",
                    gid="neutral")  # fmt: skip
        right = 100 + 200 * (width - track_w) / track_w  # the block's right edge, in data units
        for row, lines, row_top, nums in zip(result.rows, labels, tops, numbers, strict=True):
            bar_top = row_top + len(lines) * line_h + 0.03
            text(ax, -100, row_top, "\n".join(lines), size, va="top", ha="left", color=palette.INK,
                 linespacing=1.1, gid="row-label")  # fmt: skip
            hidden = row.respondents is None
            colour, gid = (palette.MUTED, WITHHELD_GID) if hidden else (palette.INK, "row-numbers")
            text(ax, right, bar_top + bar_h / 2, nums, small, va="center", ha="right", color=colour, gid=gid)

    neutral = (result.scale_min + result.scale_max) / 2
    note = (
        f"Each bar is centred on the neutral point ({number(neutral)}): values below it extend left, above it right."
        f" A row rated by fewer than {result.k} respondents is withheld."
    )
    note_lines = wrap(note, style.columns(width, small))

    def draw_note(canvas: Canvas, left: float, top: float) -> None:
        canvas.text(left, top + 0.06, "\n".join(note_lines), small, va="top", ha="left", color=palette.MUTED,
                    linespacing=1.12, gid="note")  # fmt: skip

    note_block = Block(len(note_lines) * style.line_height(small) + 0.1, draw_note)
    return [_key(result, colours, style, width), Block(height, draw), note_block]
