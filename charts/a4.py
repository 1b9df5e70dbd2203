"""The A4 page both PDFs are made of (the handout, charts/pdf.py; a participant's copy,
charts/contribution.py): its size, margins, and blocks laid from the top margin down."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from charts.layout import PDF, Block, Canvas

A4_WIDTH, A4_HEIGHT = 8.27, 11.69  # inches
MARGIN = 0.7
FOOTER = 0.55


def a4_page(blocks: Sequence[Block]) -> tuple[Figure, Canvas]:
    """One page holding `blocks`, one under the other from the top margin; the caller adds its footer."""
    fig = Figure(figsize=(A4_WIDTH, A4_HEIGHT), dpi=PDF.dpi, facecolor="white")
    canvas = Canvas(fig)
    top = MARGIN
    for block in blocks:
        block.draw(canvas, MARGIN, top)
        top += block.height
    return fig, canvas
