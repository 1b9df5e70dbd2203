"""The Agg renderer behind every PNG: one bitmap per line of text, and one renderer per thread, reused.

Matplotlib >= 3.10 composites text glyph by glyph from Python (a transform, a FreeType render and a blit for
each, ~20 µs a glyph; a slide has ~500). Here FreeType lays out and rasterises each line once, as when the line
is measured, and it is blitted in one call, as matplotlib <= 3.9 did: the same glyphs from the same fallback
fonts, only each line's origin snaps to a whole pixel. Mathtext (never used here) goes the stock way.

A 1600 x 900 renderer is a 5.8 MB buffer that costs ~6 ms to allocate and fault in, and matplotlib caches
text metrics per renderer, so each thread keeps its last one and clears it for the next figure of that size.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font

from charts import fonts

_local = threading.local()
# What the line-at-once path needs of FreeType's wrapper; without it (a future matplotlib), the stock path.
_LINES = all(hasattr(FT2Font, a) for a in ("set_text", "draw_glyphs_to_bitmap", "get_image", "get_bitmap_offset"))


class LineTextRenderer(RendererAgg):
    def draw_text(
        self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False, mtext: Any = None
    ) -> None:
        shaped = mtext is not None and (
            getattr(mtext, "get_fontfeatures", lambda: None)() or getattr(mtext, "get_language", lambda: None)()
        )
        if ismath or shaped or not _LINES:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]
            return
        font = self._prepare_font(prop)  # type: ignore[no-untyped-call]
        font.set_text(s, 0, flags=get_hinting_flag())  # type: ignore[no-untyped-call]
        font.draw_glyphs_to_bitmap(antialiased=gc.get_antialiased())
        descent = font.get_descent() / 64.0
        xo, yo = (v / 64.0 for v in font.get_bitmap_offset())
        xd, yd = descent * math.sin(math.radians(angle)), descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(
            np.asarray(font.get_image()), round(x + xo + xd), round(y + yo + yd) + 1, angle, gc
        )


def renderer(width: int, height: int, dpi: float) -> LineTextRenderer:
    """This thread's renderer for a figure of `width` x `height` pixels, cleared."""
    key = (width, height, dpi, fonts.generation())
    cached: tuple[tuple[Any, ...], LineTextRenderer] | None = getattr(_local, "renderer", None)
    if cached is None or cached[0] != key:
        cached = (key, LineTextRenderer(width, height, dpi))  # type: ignore[no-untyped-call]
        _local.renderer = cached
    cached[1].clear()  # type: ignore[no-untyped-call]
    return cached[1]
