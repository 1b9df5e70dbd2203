"""The presenter page shows grid and lessons results: escaped, a withheld row without a number, a small
lessons cell as "<k"; the entries themselves stay in the chat and the handout."""

from __future__ import annotations

from adapters.present.render import page
from bot.domain import QuestionKind
from bot.presenting import PresentView
from bot.results import GridResult, GridRow, LessonCell, LessonEntry, LessonsResult, ScaleBucket
from bot.service import Progress
from tests.present.test_render import HOSTILE, header, results, survey


def test_grid_and_lessons_on_the_presenter_page() -> None:
    buckets = tuple(ScaleBucket(v, c, 20.0 * c) for v, c in zip(range(1, 6), (0, 1, 1, 2, 1), strict=True))
    grid = GridResult(header(0, QuestionKind.GRID), 5, (GridRow(HOSTILE, 5, buckets, 4.0, 3.6), GridRow("B", None)),
                      1, 5, "", "", 5)  # fmt: skip
    entry = LessonEntry(HOSTILE, HOSTILE)
    cells = (LessonCell(HOSTILE, True, 5, (entry,) * 5), LessonCell(HOSTILE, False, None, (entry,)))
    lessons = LessonsResult(header(1, QuestionKind.LESSONS), 5, (HOSTILE,), cells, 5)
    html = page(PresentView(survey(), Progress(5, 9, 5), results(grid, lessons), ""))
    assert "<img" not in html and "<script>alert" not in html and 'onerror="' not in html
    assert "mean 3.6 · median 4 · n 5" in html and "withheld (n &lt; 5)" in html
    assert "&lt;5" in html and "5 lessons: see the handout." in html
    assert "Entries of cells with fewer than 5 respondents are withheld." in html
