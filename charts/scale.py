"""Scale charts: a diverging stacked bar centred on the neutral point, or NPS's three segments.

Under the bar, a column per value gives every count and percentage (NPS also names its three groups in a line);
wide segments carry their value inside, so colour is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.results import ScaleResult
from charts import palette
from charts.columns import Column, distribution_columns
from charts.layout import Block, Canvas, Plane, Style, rects, text
from charts.textfmt import number, pct

SEGMENTS_LABEL = "segments"  # label of the stacked segments' collection


@dataclass(frozen=True)
class Segment:
    name: str  # shown inside the segment when it is wide enough
    key: str  # the key entry's first line
    count: int
    percent: float
    colour: str


@dataclass(frozen=True)
class NpsSplit:
    detractors: int
    passives: int
    promoters: int
    detractors_percent: float
    passives_percent: float
    promoters_percent: float
    score: float


def nps_split(result: ScaleResult) -> NpsSplit:
    def count(lo: int, hi: int) -> int:
        return sum(b.count for b in result.distribution if lo <= b.value <= hi)

    d, p, m = count(0, 6), count(7, 8), count(9, 10)
    n = max(result.respondents, 1)
    dp = result.detractors_percent if result.detractors_percent is not None else 100 * d / n
    pp = result.passives_percent if result.passives_percent is not None else 100 * p / n
    mp = result.promoters_percent if result.promoters_percent is not None else 100 * m / n
    score = result.nps if result.nps is not None else mp - dp
    return NpsSplit(d, p, m, dp, pp, mp, score)


def nps_segments(split: NpsSplit) -> list[Segment]:
    return [
        Segment(
            "Detractors", "Detractors (0–6)", split.detractors, split.detractors_percent, palette.DETRACTORS
        ),
        Segment("Passives", "Passives (7–8)", split.passives, split.passives_percent, palette.PASSIVES),
        Segment("Promoters", "Promoters (9–10)", split.promoters, split.promoters_percent, palette.PROMOTERS),
    ]


def scale_segments(result: ScaleResult) -> list[Segment]:
    colours = palette.diverging(len(result.distribution))
    return [
        Segment(str(b.value), str(b.value), b.count, b.percent, c)
        for b, c in zip(result.distribution, colours, strict=True)
    ]


def neutral_start(percents: list[float]) -> float:
    """Where the bar starts so that the neutral point (middle value, or between the middle two) is at 0."""
    half = len(percents) // 2
    start = -sum(percents[:half])
    if len(percents) % 2:
        start -= percents[half] / 2
    return start


def _segments(
    ax: Plane,
    segments: list[Segment],
    start: float,
    span: tuple[float, float],
    bar_top: float,
    bar_h: float,
    style: Style,
    width: float,
) -> None:
    lefts, x = [], start
    for s in segments:
        lefts.append(x)
        x += s.percent
    centre = bar_top + bar_h / 2
    rects(
        ax,
        [(left, bar_top, s.percent, bar_h) for s, left in zip(segments, lefts, strict=True)],
        [s.colour for s in segments],
        SEGMENTS_LABEL,
        edgecolors="white",
        linewidths=0.8,
    )
    inches_per_unit = width / (span[1] - span[0])
    for s, left in zip(segments, lefts, strict=True):
        if s.percent * inches_per_unit >= 0.12 + 0.07 * len(s.name):
            text(
                ax,
                left + s.percent / 2,
                centre,
                s.name,
                style.label_size,
                ha="center",
                va="center",
                color=palette.text_on(s.colour),
                gid="segment",
            )


def diverging_bar(result: ScaleResult, style: Style, width: float) -> list[Block]:
    """The balance (a stacked bar centred on the neutral point, median and neutral labelled), then the
    distribution: one column per value with its count and percentage."""
    segments = scale_segments(result)
    start = neutral_start([s.percent for s in segments])
    small_h = style.line_height(style.small_size)
    bar_h = style.bar_height * 1.6
    bar_top = small_h * 2 + 0.06
    neutral_top = bar_top + bar_h + 0.05
    height = neutral_top + small_h + 0.12
    neutral = (result.scale_min + result.scale_max) / 2

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(-100, 100)
        ax.set_ylim(height, 0)
        text(
            ax,
            -100,
            0,
            f"mean {number(result.mean)} · scale {result.scale_min}–{result.scale_max}",
            style.small_size,
            ha="left",
            va="top",
            color=palette.MUTED,
            gid="stats",
        )
        ax.plot([0, 0], [bar_top - 0.04, bar_top + bar_h + 0.04], color=palette.MUTED, lw=1.0, ls=":", gid="neutral")
        _segments(ax, segments, start, (-100, 100), bar_top, bar_h, style, width)
        text(
            ax,
            0,
            neutral_top,
            f"neutral {number(neutral)}",
            style.small_size,
            ha="center",
            va="top",
            color=palette.MUTED,
            gid="neutral-label",
        )
        # The median respondent sits halfway along the bar, inside the median value's segment.
        x = start + 50
        ax.plot(
            [x, x],
            [bar_top - 0.06, bar_top + bar_h + 0.03],
            color=palette.INK,
            lw=2.6,
            gid="median",
            solid_capstyle="butt",
        )
        ha = "left" if x < -80 else "right" if x > 80 else "center"
        text(
            ax,
            x,
            bar_top - 0.07,
            f"median {number(result.median)}",
            style.small_size,
            ha=ha,
            va="bottom",
            color=palette.INK,
            fontweight="bold",
            gid="median-label",
        )

    columns = [
        Column(b.value, b.count, b.percent, s.colour)
        for b, s in zip(result.distribution, segments, strict=True)
    ]
    ends = (_end(result.scale_min, result.min_label, "←"), _end(result.scale_max, result.max_label, "→"))
    return [Block(height, draw), distribution_columns(columns, result.median, ends, style, width)]


def _end(value: int, label: str, arrow: str) -> str:
    core = f"{value} = {label}" if label else str(value)
    return f"{arrow} {core}" if arrow == "←" else f"{core} {arrow}"


def nps_bar(result: ScaleResult, style: Style, width: float) -> list[Block]:
    """The score and the three groups, then the 0–10 distribution in the groups' colours."""
    split = nps_split(result)
    segments = nps_segments(split)
    score_size = style.title_size * 1.1
    score_h = style.line_height(score_size)
    bar_top = score_h + 0.08
    bar_h = style.bar_height * 1.6
    key_top = bar_top + bar_h + 0.08
    height = key_top + 2 * style.line_height(style.small_size) + 0.12

    def draw(canvas: Canvas, left: float, top: float) -> None:
        ax = canvas.axes(left, top, width, height)
        ax.set_xlim(0, 100)
        ax.set_ylim(height, 0)
        text(
            ax,
            0,
            0,
            f"NPS {split.score:+.0f}",
            score_size,
            ha="left",
            va="top",
            fontweight="bold",
            color=palette.INK,
            gid="nps",
        )
        _segments(ax, segments, 0.0, (0, 100), bar_top, bar_h, style, width)
        # The groups in words, in the bar's order: one text (each text artist costs a shaping pass).
        text(
            ax,
            0,
            key_top,
            "   ·   ".join(f"{g.key}: {g.count} ({pct(g.percent)})" for g in segments)
            + f"\nNPS = % promoters − % detractors · median {number(result.median)} · mean {number(result.mean)}",
            style.small_size,
            ha="left",
            va="top",
            color=palette.INK,
            linespacing=1.12,
            gid="key",
        )

    group = {0: palette.DETRACTORS, 7: palette.PASSIVES, 9: palette.PROMOTERS}
    colour = palette.DETRACTORS
    columns = []
    for b in result.distribution:
        colour = group.get(b.value, colour)
        columns.append(Column(b.value, b.count, b.percent, colour))
    ends = (_end(result.scale_min, result.min_label, "←"), _end(result.scale_max, result.max_label, "→"))
    return [Block(height, draw), distribution_columns(columns, result.median, ends, style, width)]
