"""The scene-setter: one image with small multiples of every visible choice and scale question."""

from __future__ import annotations

from matplotlib.figure import Figure

from bot.domain import QuestionKind
from bot.results import SurveyResults, VisibleResult
from bot.textfmt import status_line
from charts import palette
from charts.figures import body
from charts.guard import visible_questions
from charts.layout import SUMMARY_CELL, Block, Canvas, Style, spacer, stack, text_block
from charts.report_text import responses
from charts.textfmt import wrap

SUMMARY_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.SCALE})
COLUMNS = 2
GUTTER = 0.35  # inches between columns


def summary_questions(results: SurveyResults) -> list[VisibleResult]:
    return [q for q in visible_questions(results) if q.question.kind in SUMMARY_KINDS]


def _cell(question: VisibleResult, style: Style, width: float) -> list[Block]:
    title = wrap(
        f"{question.question.number}. {question.question.text}",
        style.columns(width, style.title_size) - 2,
        max_lines=3,
    )
    return [
        text_block(
            title, style.title_size, style, gap_after=0.02, fontweight="bold", color=palette.INK, gid="title"
        ),
        text_block(
            [f"n = {question.respondents}"],
            style.small_size,
            style,
            gap_after=0.08,
            color=palette.MUTED,
            gid="subtitle",
        ),
        *body(question, style, width),
    ]


def _grid(cells: list[list[Block]], cell_width: float) -> list[Block]:
    rows = []
    for start in range(0, len(cells), COLUMNS):
        row = cells[start : start + COLUMNS]
        height = max(sum(b.height for b in cell) for cell in row)

        def draw(canvas: Canvas, left: float, top: float, row: list[list[Block]] = row) -> None:
            for i, cell in enumerate(row):
                y = top
                for block in cell:
                    block.draw(canvas, left + i * (cell_width + GUTTER), y)
                    y += block.height

        rows += [Block(height, draw), spacer(0.3)]
    return rows


def build_summary_figure(results: SurveyResults, style: Style = SUMMARY_CELL) -> Figure | None:
    """None when no choice or scale question is visible: then there is nothing to show."""
    questions = summary_questions(results)
    if not questions:
        return None
    cell_width = style.width
    margin = style.margin + 0.1
    inner = COLUMNS * cell_width + (COLUMNS - 1) * GUTTER
    total_width = inner + 2 * margin
    head = [
        text_block(
            wrap(results.title, style.columns(inner, 14)),
            14,
            style,
            gap_after=0.04,
            fontweight="bold",
            color=palette.INK,
            gid="title",
        ),
        text_block(
            [f"{responses(results).rstrip('.')} · {status_line(results)}"],
            style.small_size + 1,
            style,
            gap_after=0.25,
            color=palette.MUTED,
            gid="subtitle",
        ),
    ]
    return stack(
        head + _grid([_cell(q, style, cell_width) for q in questions], cell_width),
        total_width,
        style.dpi,
        style.margin + 0.1,
    )
