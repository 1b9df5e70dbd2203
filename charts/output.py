"""Figure to bytes, deterministically: no timestamps, no software version in the PNG."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # Agg output is a pure function of the artists; PNG text chunks are the only varying part, so drop them.
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})  # type: ignore[no-untyped-call]
    return buf.getvalue()
