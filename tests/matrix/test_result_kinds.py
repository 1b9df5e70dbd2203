"""Matrix results of grid and lessons questions: the HTML table is escaped whole, every lesson is in it."""

from __future__ import annotations

from dataclasses import replace

from adapters.matrix.formatting import question_html
from bot.results import LessonEntry, LessonsResult
from charts import samples

HOSTILE = '<a href="https://evil.example">@room</a>'


def test_grid_and_lessons_results_are_escaped_html() -> None:
    grid, lessons = samples.toolbox().questions
    grid_html = question_html(grid)
    assert "<pre>" in grid_html and "Early-warning and conflict analysis" in grid_html and "withheld" in grid_html
    assert isinstance(lessons, LessonsResult)
    cells = (replace(lessons.cells[0], entries=(LessonEntry(HOSTILE, HOSTILE),)), *lessons.cells[1:])
    html = question_html(replace(lessons, cells=cells))
    assert "<a href" not in html and "&lt;a href=&quot;https://evil.example&quot;&gt;@room&lt;/a&gt;" in html
    assert "&lt;5" in html  # a cell below k
