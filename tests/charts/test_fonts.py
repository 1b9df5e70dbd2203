"""Fonts as a fresh machine has them: shipped scripts get real glyphs, the others one warning naming a font.

Run with CANVASS_FONTS_ISOLATED=1 (as .ci/run does) to hide every system font from matplotlib.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib import font_manager

from charts import fonts, samples
from charts.figures import build_figure
from charts.output import png_bytes
from charts.pdf import build_pdf
from tests import fontisolation

SHIPPED_SCRIPTS = [
    ["Ναι, συμφωνώ", "Όχι", "Ίσως"],  # Greek
    ["Да", "Нет", "Възможно"],  # Russian, Bulgarian
    ["Łódź, Čeština", "Őrség, Şişli, Ærø", "Ħamrun, straße, ġ ż"],  # Latin of the EU languages
    ["👍 yes", "👎 no", "🤷 maybe 🎉"],  # emoji: the shipped Noto Emoji
]


@pytest.fixture(autouse=True)
def fresh_font_state() -> Iterator[None]:
    fonts.reset()
    yield
    fonts.reset()


def render(labels: list[str]) -> tuple[bytes, bytes]:
    q = samples.choice(labels, [3, 2, 1], text=" / ".join(labels))
    results = samples.survey([q], k=3)
    return png_bytes(build_figure(results, q)), build_pdf(results)


def font_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == fonts.__name__ and r.levelno == logging.WARNING]


@pytest.mark.parametrize("labels", SHIPPED_SCRIPTS)
def test_shipped_scripts_render_with_real_glyphs(labels: list[str], caplog: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings():
        # matplotlib warns "Glyph N missing from font(s)" exactly when it draws the .notdef box
        warnings.simplefilter("error")
        png, pdf = render(labels)
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")
    assert font_warnings(caplog) == []


def test_emoji_are_drawn_with_the_shipped_font() -> None:
    _, pdf = render(SHIPPED_SCRIPTS[3])
    assert b"NotoEmoji" in pdf  # the glyphs came from charts/fontdata, embedded in the PDF
    assert fonts.EMOJI_FAMILY in fonts.families()
    assert all(path.is_file() for path in fonts.SHIPPED_FILES)
    assert (fonts.FONT_DIR / "OFL.txt").is_file()


def test_script_no_font_covers_logs_one_warning_naming_the_font(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such CJK Font",))  # as on a machine without one
    labels = ["同意する", "反对", "모르겠다"]
    png, _ = render(labels)
    render(labels)  # drawn again: no second warning
    assert png.startswith(b"\x89PNG")
    messages = font_warnings(caplog)
    assert len(messages) == 1
    assert "install fonts-noto-cjk" in messages[0] and "U+" in messages[0]
    assert not any(ch in messages[0] for ch in "".join(labels))  # code points only, never the text


def test_other_uncovered_script_names_another_font(caplog: pytest.LogCaptureFixture) -> None:
    render(["हाँ", "नहीं", "शायद"])  # Devanagari: neither DejaVu Sans, Noto Emoji nor a CJK font has it
    messages = font_warnings(caplog)
    assert len(messages) == 1 and "install fonts-noto-core" in messages[0]


def test_an_installed_cjk_font_is_used(caplog: pytest.LogCaptureFixture) -> None:
    if not set(fonts.CJK_FAMILIES) & set(fonts.families()):
        pytest.skip("no CJK font installed here (fonts-noto-cjk); the fresh-machine case is tested above")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render(["同意する", "反对", "모르겠다"])
    assert font_warnings(caplog) == []


def test_isolated_run_sees_only_the_project_fonts() -> None:
    if not fontisolation.enabled():
        pytest.skip(f"only under {fontisolation.ENV}=1 (.ci/run)")
    fonts.families()
    paths = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    assert paths and all(fontisolation.is_project_font(str(p)) for p in paths)
    assert fonts.families() == (fonts.BASE_FAMILY, fonts.EMOJI_FAMILY)
