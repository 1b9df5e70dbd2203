"""Grid and lessons charts, slides and handout, read through their artists and back from the PDFs."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from bot.results import GridResult, LessonEntry, LessonsResult
from charts import samples
from charts.alt_text import alt_text
from charts.figures import build_figure
from charts.grid import GRID_SEGMENTS
from charts.guard import HiddenResultError
from charts.lessons import LESSON_BARS
from charts.pdf import build_pdf
from charts.slides import build_slides
from tests.charts.test_figures import container, line_x, texts

HOSTILE = LessonEntry("$x^2$ <b>bold</b> \u202eevil", "A *star* and a $dollar$ — " + "long " * 380)


def toolbox() -> tuple[GridResult, LessonsResult]:
    grid, lessons = samples.toolbox().questions
    assert isinstance(grid, GridResult) and isinstance(lessons, LessonsResult)
    return grid, lessons


def test_grid_chart_has_one_diverging_bar_per_item_in_written_order() -> None:
    results = samples.toolbox()
    grid, _ = toolbox()
    fig = build_figure(results, grid)
    heads = texts(fig, "row") + texts(fig, "withheld")
    assert len(heads) == len(samples.TOOLBOX_ROWS)
    assert all(h.startswith(f"{row} · ") for h, row in zip(heads, samples.TOOLBOX_ROWS, strict=True))  # as written
    shown = [r for r in grid.rows if not r.withheld]
    segments = container(fig, GRID_SEGMENTS)
    assert len(segments) == sum(1 for r in shown for b in r.distribution if b.count)
    # The withheld row (early warning, 2 ratings < k = 5) says so and draws no segment, no count.
    assert texts(fig, "withheld") == ["Early-warning and conflict analysis · withheld (n < 5)"]
    assert grid.rows[-1].withheld and not any("n 2 " in t for t in texts(fig))
    # Rated by all 12 (the footer's n): no "n 12" on the row; a row with fewer ratings names its own n.
    assert texts(fig, "row")[0] == "Political and diplomatic démarches · median 4 · mean 3.75"
    fewer = replace(grid, rows=(replace(grid.rows[0], respondents=9), *grid.rows[1:]))
    assert texts(build_figure(results, fewer), "row")[0].startswith("Political and diplomatic démarches · n 9 · ")
    assert texts(fig, "key-low") == ["1 = Not effective"] and texts(fig, "key-high") == ["5 = Very effective"]
    # Each bar is centred on the neutral value: the first row's 3s (2 of 12) straddle the neutral line.
    first = sorted((b for b in segments if abs(b.y - segments[0].y) < 1e-6), key=lambda b: b.x)
    assert len(first) == 4  # values 2, 3, 4, 5 (nobody chose 1)
    neutral = line_x(fig, "neutral")
    assert len(neutral) == 1  # one line, broken between the rows so that it never crosses a label
    assert first[1].x + first[1].width / 2 == pytest.approx(neutral[0], abs=1e-6)
    assert first[1].width == pytest.approx(first[0].width)  # 2 twos and 2 threes: the same width


def test_lessons_chart_counts_cells_and_never_draws_one_below_k() -> None:
    results = samples.toolbox()
    _, lessons = toolbox()
    fig = build_figure(results, lessons)
    assert texts(fig, "category") == list(samples.TOOLBOX_CATEGORIES)
    counted = [c for c in lessons.cells if c.respondents is not None]
    below = [c for c in lessons.cells if c.respondents is None]
    assert counted and below  # the sample has both
    assert len(container(fig, LESSON_BARS)) == len(counted)
    assert texts(fig, "cell-below-k") == ["<5"] * len(below)
    assert "<5" in alt_text(results, lessons) and "lessons are listed in the text" in alt_text(results, lessons)


def test_neither_kind_draws_below_k() -> None:
    results = replace(samples.toolbox(), respondents=None)
    for question in results.questions:
        with pytest.raises(HiddenResultError):
            build_figure(results, question)


def test_slides_and_handout_render_both_kinds_and_every_lesson_whole() -> None:
    base = samples.toolbox()
    grid, lessons = toolbox()
    cells = list(lessons.cells)
    cells[0] = replace(cells[0], entries=(HOSTILE, *cells[0].entries))
    results = replace(base, questions=(grid, replace(lessons, cells=tuple(cells))))
    slides = PdfReader(io.BytesIO(build_slides(results)))
    assert len(slides.pages) == 3  # overview, grid, lessons
    grid_slide = " ".join(slides.pages[1].extract_text().split())
    assert all(row in grid_slide for row in samples.TOOLBOX_ROWS) and "withheld (n < 5)" in grid_slide
    lessons_slide = " ".join(slides.pages[2].extract_text().split())
    assert "negative: room for improvement" in lessons_slide and "<5" in lessons_slide

    handout = PdfReader(io.BytesIO(build_pdf(results)))
    text = " ".join(" ".join(p.extract_text().split()) for p in handout.pages)
    for cell in results.questions[1].cells:  # type: ignore[union-attr]
        for entry in cell.entries:
            assert entry.title.split()[0] in text
    # The hostile lesson: drawn literally (no mathtext, no markup), its 1,900-character description whole.
    assert "$x^2$ <b>bold</b>" in text and "A *star* and a $dollar$" in text
    assert text.count("long") >= 380
