"""The multi-page survey report: a cover, then one page per question (text only for hidden questions)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from bot.results import HiddenResult, QuestionResult, SurveyResults, TextResult
from bot.textfmt import hidden_text, status_line
from charts import palette
from charts.figures import body, header
from charts.guard import as_visible
from charts.layout import PDF, Block, Style, spacer, stack, text_block
from charts.report_text import promise, responses, window
from charts.textfmt import wrap

A4_HEIGHT = 11.69  # inches; pages are A4 wide and at least A4 tall
MAX_ANSWERS = 60  # free-text answers printed per page; the rest are in the CSV/JSON export
# Deterministic output: no creation or modification date, a fixed producer.
METADATA: dict[str, str | None] = {
    "CreationDate": None,
    "ModDate": None,
    "Producer": "Canvass",
    "Creator": "Canvass",
}


def _lines(text: str, style: Style, size: float, width: float, max_lines: int | None = None) -> list[str]:
    return wrap(text, style.columns(width, size), max_lines)


def cover(results: SurveyResults, style: Style = PDF) -> Figure:
    width = style.width - 2 * style.margin
    blocks = [
        spacer(1.2),
        text_block(["Survey results"], style.label_size, style, gap_after=0.1, color=palette.MUTED),
        text_block(
            _lines(results.title, style, 24, width),
            24,
            style,
            gap_after=0.3,
            fontweight="bold",
            color=palette.INK,
            gid="title",
        ),
        text_block(_lines(window(results), style, 12, width), 12, style, gap_after=0.1, color=palette.INK),
        text_block([f"Status: {status_line(results)}"], 12, style, gap_after=0.1, color=palette.INK),
        text_block(
            _lines(responses(results), style, 12, width),
            12,
            style,
            gap_after=0.4,
            color=palette.INK,
            gid="responses",
        ),
        text_block(
            _lines(promise(results), style, style.small_size, width),
            style.small_size,
            style,
            color=palette.MUTED,
        ),
    ]
    return stack(blocks, style.width, style.dpi, style.margin + 0.5, A4_HEIGHT)


def hidden_page(results: SurveyResults, question: QuestionResult, style: Style = PDF) -> Figure:
    """A text-only page: the question and why nothing is shown. No axes, no numbers."""
    width = style.width - 2 * style.margin
    reason = hidden_text(question.k if isinstance(question, HiddenResult) else results.k, results)
    blocks = [
        text_block(
            _lines(question.question.text, style, style.title_size, width),
            style.title_size,
            style,
            gap_after=0.2,
            fontweight="bold",
            color=palette.INK,
            gid="title",
        ),
        text_block(
            [f"Not enough responses: {reason}."], style.label_size, style, color=palette.MUTED, gid="hidden"
        ),
    ]
    return stack(blocks, style.width, style.dpi, style.margin + 0.25, A4_HEIGHT)


def answers_blocks(question: TextResult, style: Style, width: float) -> list[Block]:
    size = style.small_size
    shown = question.answers[:MAX_ANSWERS]
    blocks = [
        spacer(0.2),
        text_block(
            ["Answers (shuffled)"],
            style.label_size,
            style,
            gap_after=0.05,
            fontweight="bold",
            color=palette.INK,
        ),
    ]
    for answer in shown:
        blocks.append(
            text_block(
                _lines(f"• {answer}", style, size, width, max_lines=6),
                size,
                style,
                gap_after=0.04,
                color=palette.INK,
                gid="answer",
            )
        )
    if len(question.answers) > len(shown):
        more = f"… and {len(question.answers) - len(shown)} more answers in the CSV/JSON export."
        blocks.append(text_block([more], size, style, color=palette.MUTED))
    return blocks


def question_page(results: SurveyResults, question: QuestionResult, style: Style = PDF) -> Figure:
    visible = as_visible(results, question)
    if visible is None:
        return hidden_page(results, question, style)
    width = style.width - 2 * style.margin
    blocks = header(results, visible, style, width) + body(visible, style, width)
    if isinstance(visible, TextResult):
        blocks += answers_blocks(visible, style, width)
    return stack(blocks, style.width, style.dpi, style.margin + 0.25, A4_HEIGHT)


def pages(results: SurveyResults) -> list[Figure]:
    return [cover(results)] + [question_page(results, q) for q in results.questions]


def build_pdf(results: SurveyResults) -> bytes:
    buf = io.BytesIO()
    with PdfPages(buf, metadata={**METADATA, "Title": results.title}) as pdf:
        for fig in pages(results):
            pdf.savefig(fig)
    return buf.getvalue()
