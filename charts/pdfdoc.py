"""Figures to one PDF: deterministic, with embedded TrueType fonts (searchable, copyable, not Type 3)."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

# No creation or modification date, a fixed producer: the same results give the same bytes.
METADATA: dict[str, str | None] = {
    "CreationDate": None,
    "ModDate": None,
    "Producer": "Canvass",
    "Creator": "Canvass",
}


def save_pdf(figures: list[Figure], title: str) -> bytes:
    # Type 42 = TrueType embedded (subset) with a ToUnicode map; the default Type 3 draws glyphs as procedures
    # that PDF readers cannot search. Read at draw time and only by the PDF backend; every writer sets the same.
    matplotlib.rcParams["pdf.fonttype"] = 42
    buf = io.BytesIO()
    with PdfPages(buf, metadata={**METADATA, "Title": title}) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return buf.getvalue()
