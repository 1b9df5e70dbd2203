"""`CANVASS_FONTS_ISOLATED=1`: matplotlib sees only the fonts that the project itself installs.

That is matplotlib's bundled fonts plus `charts/fontdata/`. System fonts (fontconfig, /usr/share/fonts, a
font someone installed by hand) are dropped from the font list, so a test that passes only thanks to one
fails here, as it would on a fresh machine. `.ci/run` runs the chart tests once more this way.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "CANVASS_FONTS_ISOLATED"


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def project_font_dirs() -> tuple[Path, ...]:
    import matplotlib

    import charts

    return (Path(matplotlib.get_data_path()).resolve(), (Path(charts.__file__).parent / "fontdata").resolve())


def is_project_font(fname: str) -> bool:
    path = Path(fname).resolve()
    return any(path.is_relative_to(d) for d in project_font_dirs())


def isolate() -> None:
    """Drop every font that is not the project's from matplotlib's (process-wide) font list, in place."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    manager.ttflist[:] = [f for f in manager.ttflist if is_project_font(f.fname)]
    manager.afmlist[:] = [f for f in manager.afmlist if is_project_font(f.fname)]
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]  # private caches; no public reset
    font_manager._get_font.cache_clear()  # type: ignore[attr-defined]
