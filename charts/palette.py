"""Colour-blind-safe colours: Okabe–Ito for categories, an orange–purple diverging ramp for scales."""

from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
BAR = OKABE_ITO[4]  # one colour for every bar: the labels, not the hue, tell options apart
LEAD = OKABE_ITO[5]  # vermillion: the leading option (always with a ★ and bold type too)
TRACK = "#EDEDED"  # the 0–100% background track behind a bar
INK = "#222222"
MUTED = "#555555"  # secondary text; contrast ratio > 7:1 on white

# Diverging ramp (ColorBrewer PuOr end points), safe for deuteranopia and protanopia;
# grey for the neutral point.
NEG_DARK, NEG_LIGHT = "#B35806", "#FDB863"
POS_LIGHT, POS_DARK = "#B2ABD2", "#542788"
NEG_MID, POS_MID = "#E08214", "#8073AC"
NEUTRAL = "#BDBDBD"

# NPS segments: the two ends of the diverging ramp around the grey neutral.
DETRACTORS, PASSIVES, PROMOTERS = NEG_MID, NEUTRAL, POS_MID


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02X}" for c in rgb)


def _ramp(start: str, end: str, steps: int) -> list[str]:
    if steps == 1:
        return [start]
    a, b = _rgb(start), _rgb(end)
    out = []
    for i in range(steps):
        t = i / (steps - 1)
        out.append(_hex((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)))
    return out


def diverging(n: int) -> list[str]:
    """`n` colours from the most negative to the most positive value; the middle one is grey when n is odd."""
    side = n // 2
    if side == 1:
        neg, pos = [NEG_MID], [POS_MID]
    else:
        neg, pos = _ramp(NEG_DARK, NEG_LIGHT, side), _ramp(POS_LIGHT, POS_DARK, side)
    return neg + ([NEUTRAL] if n % 2 else []) + pos


def text_on(background: str) -> str:
    """Black or white, whichever contrasts more with `background` (WCAG relative luminance)."""

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in _rgb(background))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.179 else "#FFFFFF"
