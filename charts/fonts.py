"""Font choice with fallback: real glyphs for every EU script and emoji on a fresh machine.

Matplotlib (>= 3.6) falls back glyph by glyph through a list of families. The list is DejaVu Sans (bundled
with matplotlib: Latin, Greek, Cyrillic, so every EU script), then Noto Emoji (shipped in `charts/fontdata/`,
monochrome outlines, because matplotlib cannot scale colour bitmap emoji fonts), then any CJK font that the
system happens to have. A character that none of them covers is drawn as a box, and one WARNING per kind of
script says which font package to install, instead of a warning per glyph or silent boxes.
"""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from pathlib import Path

from matplotlib import font_manager

log = logging.getLogger(__name__)

BASE_FAMILY = "DejaVu Sans"
EMOJI_FAMILY = "Noto Emoji"
FONT_DIR = Path(__file__).with_name("fontdata")
SHIPPED_FILES: tuple[Path, ...] = (FONT_DIR / "NotoEmoji-Regular.ttf",)
# Used when installed (none is shipped: a CJK font is 15 MB or more).
CJK_FAMILIES: tuple[str, ...] = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Droid Sans Fallback", "WenQuanYi Zen Hei")
CJK_HINT = "fonts-noto-cjk (Debian/Ubuntu; elsewhere any Noto Sans CJK font)"
OTHER_HINT = "fonts-noto-core (Debian/Ubuntu; elsewhere the Noto Sans font for that script)"
# Hangul Jamo, CJK punctuation to Yi, Hangul syllables, compatibility ideographs, half/full width forms,
# supplementary ideographs: what a CJK font covers.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),
    (0x2E80, 0xA4CF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)
_GLYPH_WARNING = r"Glyph \d+ .*missing from (current )?font"
_warned: set[str] = set()
_warned_lock = threading.Lock()
_generation = 0  # bumped by reset(): renderers that cached text metrics under the old fonts are dropped


@functools.cache
def families() -> tuple[str, ...]:
    """The fallback list: DejaVu Sans, the shipped emoji font, then the CJK fonts that are installed."""
    _quiet_missing_glyphs()
    _register_shipped()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = tuple(name for name in (EMOJI_FAMILY, *CJK_FAMILIES) if name in installed)
    return (BASE_FAMILY, *found)


def reset() -> None:
    """Forget the cached font list and coverage (after the set of installed fonts changed)."""
    global _generation
    _generation += 1
    families.cache_clear()
    _coverage.cache_clear()
    _all_coverage.cache_clear()
    with _warned_lock:
        _warned.clear()


def generation() -> int:
    """How many times the font state was reset: a key for anything cached under the fonts of the time."""
    return _generation


def families_for(text: str) -> list[str]:
    """The fallback list only when `text` needs it: each extra family costs time in every text draw."""
    chars = {ord(c) for c in text if c not in "\n"}
    primary = families()[0]
    if chars <= _coverage(primary):
        return [primary]
    missing = chars - _all_coverage()
    if missing:
        _warn_uncovered(missing)
    return list(families())


@functools.cache
def _coverage(family: str) -> frozenset[int]:
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    return frozenset(font_manager.get_font(path).get_charmap())


@functools.cache
def _all_coverage() -> frozenset[int]:
    return frozenset().union(*(_coverage(f) for f in families()))


def _register_shipped() -> None:
    known = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    for path in SHIPPED_FILES:
        if path.resolve() not in known:
            font_manager.fontManager.addfont(path)


def _is_cjk(code_point: int) -> bool:
    return any(lo <= code_point <= hi for lo, hi in _CJK_RANGES)


def _warn_uncovered(missing: set[int]) -> None:
    # Once per hint and process: the same labels are drawn again at every render. Only code points are named,
    # never the text around them (it may be a participant's words).
    by_hint: dict[str, list[int]] = {}
    for cp in sorted(missing):
        by_hint.setdefault(CJK_HINT if _is_cjk(cp) else OTHER_HINT, []).append(cp)
    for hint, points in by_hint.items():
        with _warned_lock:
            if hint in _warned:
                continue
            _warned.add(hint)
        shown = " ".join(f"U+{cp:04X}" for cp in points[:3]) + (" ..." if len(points) > 3 else "")
        log.warning("chart text has characters no installed font covers (%s): drawn as boxes; install %s", shown, hint)


def _quiet_missing_glyphs() -> None:
    # The per-glyph UserWarning would flood logs; _warn_uncovered says it once, with the font to install.
    # Installed once (process-wide) on first use, not at import.
    warnings.filterwarnings("ignore", message=_GLYPH_WARNING, category=UserWarning)
    # Likewise "Failed to find font weight bold for Noto Emoji": the regular face is used, which is fine.
    logging.getLogger("matplotlib.font_manager").addFilter(_drop_weight_fallback)


def _drop_weight_fallback(record: logging.LogRecord) -> bool:
    return "Failed to find font weight" not in record.getMessage()
