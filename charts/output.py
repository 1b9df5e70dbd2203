"""Figure to bytes, deterministically: no timestamps, no software version in the PNG."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# zlib level 3 instead of 6: ~25 ms less per chart for ~10% larger files (charts are flat colours).
PNG_COMPRESS_LEVEL = 3


def png_bytes(fig: Figure) -> bytes:
    # FreeType's autohinter costs a third of a slide's drawing time; at 16 pt and more, on a 1600 px slide,
    # unhinted glyphs read as well. Read by Agg at draw time; every caller sets the same value.
    matplotlib.rcParams["text.hinting"] = "no_hinting"
    buf = io.BytesIO()
    # Agg output is a pure function of the artists; PNG text chunks are the only varying part, so drop them.
    FigureCanvasAgg(fig).print_png(  # type: ignore[no-untyped-call]
        buf, metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL}
    )
    return buf.getvalue()
