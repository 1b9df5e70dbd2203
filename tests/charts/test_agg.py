"""The PNG renderer: the same picture as matplotlib's own Agg text path, a reused buffer that leaks nothing
from one chart into the next, and RGB only where the figure is opaque."""

from __future__ import annotations

import io
import threading

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from PIL import Image

from charts import agg, fonts, samples
from charts.layout import text
from charts.output import png_bytes
from charts.slides import question_slide

MIXED = ["Climat 😀 énergie ΕΛΛΑΔΑ effective", "Łódź “quoted” … ★ 👍🏽 Да", "$5 or $10 · 50% off"]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def drawn(fig: Figure, renderer: RendererAgg) -> np.ndarray:
    matplotlib.rcParams["text.hinting"] = "no_hinting"
    renderer.clear()  # type: ignore[no-untyped-call]
    fig.draw(renderer)
    return np.asarray(renderer.buffer_rgba())[..., :3].astype(int)  # type: ignore[no-untyped-call]


def mixed_figure() -> Figure:
    fig = Figure(figsize=(8, 2), dpi=120, facecolor="white")
    for i, s in enumerate(MIXED):
        text(fig, 0.02, 0.85 - i * 0.3, s, 20, va="top", color="#222222", fontweight="bold" if i else "normal")
    return fig


def test_lines_draw_the_same_glyphs_as_matplotlibs_glyph_by_glyph_path() -> None:
    results = samples.toolbox()
    for fig in (mixed_figure(), question_slide(results, results.questions[0])):
        w, h = fig.canvas.get_width_height(physical=True)
        stock = drawn(fig, RendererAgg(w, h, fig.dpi))  # type: ignore[no-untyped-call]
        lines = drawn(fig, agg.LineTextRenderer(w, h, fig.dpi))  # type: ignore[no-untyped-call]
        ink_stock, ink_lines = (stock.min(axis=2) < 128), (lines.min(axis=2) < 128)
        # Only each line's origin snaps to a whole pixel: the ink is where it was, to within a pixel.
        assert abs(int(ink_stock.sum()) - int(ink_lines.sum())) < 0.03 * ink_stock.sum()
        assert np.abs(stock - lines).mean() < 4
        ys, xs = np.nonzero(ink_stock)
        ys2, xs2 = np.nonzero(ink_lines)
        assert abs(ys.min() - ys2.min()) <= 1 and abs(xs.max() - xs2.max()) <= 1


def test_a_reused_renderer_keeps_nothing_of_the_previous_chart() -> None:
    workshop, toolbox = samples.workshop(), samples.toolbox()
    first = png_bytes(question_slide(toolbox, toolbox.questions[0]))
    png_bytes(question_slide(workshop, workshop.questions[1]))  # same size: the same buffer, cleared
    assert png_bytes(question_slide(toolbox, toolbox.questions[0])) == first
    fonts.reset()  # the installed fonts may have changed: metrics cached under the old ones are dropped
    assert png_bytes(question_slide(toolbox, toolbox.questions[0])) == first


def test_each_thread_draws_on_its_own_renderer() -> None:
    seen: list[RendererAgg] = []

    def grab() -> None:
        seen.append(agg.renderer(100, 50, 72))

    threads = [threading.Thread(target=grab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen[0] is not seen[1]
    assert agg.renderer(100, 50, 72) is agg.renderer(100, 50, 72)


def test_opaque_figures_are_rgb_and_transparent_ones_keep_their_alpha() -> None:
    results = samples.workshop()
    slide = Image.open(io.BytesIO(png_bytes(question_slide(results, results.questions[1]))))
    assert slide.mode == "RGB" and slide.size == (1599, 900)
    assert round(slide.info["dpi"][0]) == 120
    clear = Figure(figsize=(2, 1), dpi=100, facecolor="none")
    text(clear, 0.1, 0.5, "see-through", 12)
    assert Image.open(io.BytesIO(png_bytes(clear))).mode == "RGBA"
    assert pixels(png_bytes(mixed_figure())).min() < 64  # the text is there, dark on white
