"""Font choice with fallback, so Greek, Cyrillic, CJK and emoji render where the fonts exist.

Matplotlib (>= 3.6) falls back glyph by glyph through a list of families. We keep only the families that are
installed, so a machine without the CJK or emoji fonts still renders (missing glyphs become boxes).
"""

from __future__ import annotations

import functools
import logging
import warnings

from matplotlib import font_manager

# Latin/Greek/Cyrillic first, then CJK, then a monochrome emoji font. Colour bitmap emoji fonts (Noto Color
# Emoji) are left out on purpose: FreeType in matplotlib cannot scale them and raises.
PREFERRED_FAMILIES: tuple[str, ...] = (
    "DejaVu Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
    "Symbola",
    "Noto Emoji",
)
_GLYPH_WARNING = r"Glyph \d+ .*missing from (current )?font"


@functools.cache
def families() -> tuple[str, ...]:
    """The installed subset of PREFERRED_FAMILIES, in order; never empty (matplotlib ships DejaVu Sans)."""
    _quiet_missing_glyphs()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = tuple(name for name in PREFERRED_FAMILIES if name in installed)
    return found or ("DejaVu Sans",)


@functools.cache
def _primary_coverage() -> frozenset[int]:
    """Code points the first family has; text made only of these needs no fallback."""
    path = font_manager.findfont(font_manager.FontProperties(family=families()[0]), fallback_to_default=True)
    return frozenset(font_manager.get_font(path).get_charmap())


def families_for(text: str) -> list[str]:
    """The fallback list only when `text` needs it: each extra family costs time in every text draw."""
    primary = families()
    if len(primary) > 1 and not all(ord(c) in _primary_coverage() for c in text if c not in "\n"):
        return list(primary)
    return [primary[0]]


def _quiet_missing_glyphs() -> None:
    # A glyph no installed font has is drawn as a box; that is the documented fallback, not an error, so the
    # per-glyph UserWarning would only flood logs. Installed once (process-wide) on first use, not at import.
    warnings.filterwarnings("ignore", message=_GLYPH_WARNING, category=UserWarning)
    # Likewise "Failed to find font weight bold for Symbola": the regular face is used, which is fine.
    logging.getLogger("matplotlib.font_manager").addFilter(_drop_weight_fallback)


def _drop_weight_fallback(record: logging.LogRecord) -> bool:
    return "Failed to find font weight" not in record.getMessage()
