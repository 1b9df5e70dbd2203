"""Manual layout in inches: blocks are measured first, then placed, so no tight_layout pass is needed."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Affine2D

from charts import fonts

PT = 1 / 72  # inches per point
EM_RATIO = 0.6  # average advance of one display column, in em; slightly generous so text never overflows


@dataclass(frozen=True)
class Style:
    width: float  # inches
    dpi: int
    title_size: float = 12.5
    label_size: float = 10.0
    small_size: float = 8.5
    bar_height: float = 0.24  # inches
    row_gap: float = 0.12
    margin: float = 0.25

    def line_height(self, size: float) -> float:
        return size * 1.35 * PT

    def scaled(self, factor: float) -> Style:
        """The same design, smaller: for content that would not fit a fixed page."""
        return replace(
            self,
            title_size=self.title_size * factor,
            label_size=self.label_size * factor,
            small_size=self.small_size * factor,
            bar_height=self.bar_height * factor,
            row_gap=self.row_gap * factor,
        )

    def columns(self, width_in: float, size: float) -> int:
        """How many display columns of text at `size` fit in `width_in`."""
        return int(width_in / (size * EM_RATIO * PT))


# 6.4 in at 200 dpi: 1280 px wide, shown at ~640 CSS px in a chat client on a 2x screen.
CHAT = Style(width=6.4, dpi=200)
PDF = Style(width=8.27, dpi=72)  # A4 width; vector output, dpi only affects raster fallbacks
# A 16:9 slide, 1600 x 900 px as a PNG: type sized to be read from the back of a room.
SLIDE = Style(
    width=13.333,
    dpi=120,
    title_size=30.0,
    label_size=20.0,
    small_size=16.0,
    bar_height=0.42,
    row_gap=0.2,
    margin=0.6,
)
SUMMARY_CELL = Style(
    width=4.2,
    dpi=200,
    title_size=9.5,
    label_size=8.0,
    small_size=7.0,
    bar_height=0.16,
    row_gap=0.08,
    margin=0.15,
)


_KEEP = frozenset("\n\u200d\ufe0f")  # line breaks, and the joiners that build emoji sequences


def clean(s: str) -> str:
    """Participant text made safe to draw: control, format (bidi overrides), surrogate and unassigned
    characters would draw as boxes, or reorder nothing and confuse; they become U+FFFD."""
    return "".join(
        c if c in _KEEP or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn") else "\ufffd"
        for c in s
    )


def text(target: Figure | Plane, x: float, y: float, s: str, size: float, **kw: Any) -> Text:
    """Every text goes through here: the font fallback list, and no mathtext (a '$' in a label is literal)."""
    s = clean(s)
    return target.text(x, y, s, fontsize=size, fontfamily=fonts.families_for(s), parse_math=False, **kw)


Box = tuple[float, float, float, float]  # left, top, width, height in a Plane's data units


class Plane:
    """A rectangle of a figure with its own data coordinates, like an Axes but drawn straight onto the figure:
    an Axes costs ~20 ms to build (ticks, spines, clip paths) and nothing of it is shown here."""

    def __init__(self, canvas: Canvas, left: float, top: float, width: float, height: float) -> None:
        self.canvas, self.left, self.top, self.width, self.height = canvas, left, top, width, height
        self.xlim, self.ylim = (0.0, 1.0), (0.0, 1.0)

    def set_xlim(self, lo: float, hi: float) -> None:
        self.xlim = (lo, hi)

    def set_ylim(self, bottom: float, top: float) -> None:
        self.ylim = (bottom, top)  # (height, 0): y counts down from the top, as in the layout

    def x(self, value: float) -> float:
        lo, hi = self.xlim
        return self.left + (value - lo) / (hi - lo) * self.width

    def y(self, value: float) -> float:
        bottom, top = self.ylim
        return self.top + self.height - (value - bottom) / (top - bottom) * self.height

    def text(self, x: float, y: float, s: str, **kw: Any) -> Text:
        return self.canvas.fig.text(self.x(x), self.y(y), s, transform=self.canvas.inches, **kw)

    def plot(self, xs: list[float], ys: list[float], **kw: Any) -> Line2D:
        line = Line2D([self.x(v) for v in xs], [self.y(v) for v in ys], transform=self.canvas.inches, **kw)
        self.canvas.fig.add_artist(line)
        return line


def rects(plane: Plane, boxes: list[Box], colours: list[str], label: str, **kw: Any) -> PolyCollection:
    """Rectangles as one collection: an order of magnitude cheaper to build than ax.bar's one patch each."""
    verts = []
    for x, y, w, h in boxes:
        x0, x1, y0, y1 = plane.x(x), plane.x(x + w), plane.y(y), plane.y(y + h)
        verts.append([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    coll = PolyCollection(
        verts, facecolors=colours, label=label, transform=plane.canvas.inches, **{"linewidths": 0, **kw}
    )
    plane.canvas.fig.add_artist(coll)
    return coll


class Canvas:
    """A figure addressed in inches from the top-left corner."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.w, self.h = (float(v) for v in fig.get_size_inches())
        # Inches from the top-left corner to display coordinates.
        self.inches = Affine2D().scale(1, -1).translate(0, self.h) + fig.dpi_scale_trans

    def text(self, x: float, y: float, s: str, size: float, **kw: Any) -> Text:
        return text(self.fig, x / self.w, 1 - y / self.h, s, size, **kw)

    def axes(self, left: float, top: float, width: float, height: float) -> Plane:
        return Plane(self, left, top, width, height)


@dataclass(frozen=True)
class Block:
    """Something of known height that draws itself at (left, top) on a Canvas, in inches."""

    height: float
    draw: Callable[[Canvas, float, float], None]


def stack(blocks: list[Block], width: float, dpi: int, margin: float, min_height: float = 0.0) -> Figure:
    """A figure holding `blocks` one under another."""
    height = max(sum(b.height for b in blocks) + 2 * margin, min_height)
    fig = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    canvas = Canvas(fig)
    top = margin
    for block in blocks:
        block.draw(canvas, margin, top)
        top += block.height
    return fig


def text_block(lines: list[str], size: float, style: Style, gap_after: float = 0.0, **kw: Any) -> Block:
    line_h = style.line_height(size)

    def draw(canvas: Canvas, left: float, top: float) -> None:
        if lines:
            canvas.text(left, top, "\n".join(lines), size, va="top", ha="left", linespacing=1.12, **kw)

    return Block(len(lines) * line_h + gap_after, draw)


def spacer(height: float) -> Block:
    return Block(height, lambda canvas, left, top: None)
