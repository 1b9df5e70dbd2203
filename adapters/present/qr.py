"""The join link as a QR code, drawn as one SVG path (no image file, no external service)."""

from __future__ import annotations

import segno

QUIET_ZONE = 4  # modules of white border, as the standard asks


def qr_svg(link: str) -> str:
    matrix = segno.make(link, error="m", micro=False).matrix
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return (
        f'<svg class="qr-code" viewBox="0 0 {size} {size}" aria-hidden="true" focusable="false">'
        f'<rect class="qr-light" width="{size}" height="{size}"/><path class="qr-dark" d="{path}"/></svg>'
    )
