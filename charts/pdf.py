"""The A4 handout: a cover with the overview, then each question from a new page, every free-text answer
in full (identical ones grouped with "×N"), on as many A4 pages as it takes. Fonts are embedded TrueType."""

from __future__ import annotations

from matplotlib.figure import Figure

from bot.results import (
    NEGATIVE_NAME,
    POSITIVE_NAME,
    HiddenResult,
    LessonsResult,
    QuestionResult,
    SurveyResults,
    TextResult,
    VisibleResult,
)
from bot.tables import grouped_entries
from bot.textfmt import hidden_text, status_line
from charts import palette
from charts.a4 import A4_HEIGHT, A4_WIDTH, FOOTER, MARGIN, a4_page
from charts.answers import group_answers
from charts.figures import body, subtitle
from charts.guard import as_visible
from charts.headline import headline
from charts.layout import PDF, Block, Canvas, Style, spacer, text_block
from charts.pdfdoc import METADATA, save_pdf
from charts.report_text import promise, response_rate, responses, window
from charts.textfmt import wrap

__all__ = ["METADATA", "build_pdf", "pages"]

FACTORS = (1.0, 0.85, 0.72, 0.6, 0.5, 0.42)  # a chart too tall for one page is drawn smaller, not cut


def _lines(text: str, style: Style, size: float, width: float, max_lines: int | None = None) -> list[str]:
    return wrap(text, style.columns(width, size), max_lines)


class _Pages:
    """Blocks flowed onto A4 pages: a block that does not fit the rest of a page starts the next one."""

    def __init__(self) -> None:
        self.pages: list[list[Block]] = [[]]
        self.used = 0.0
        self.room = A4_HEIGHT - MARGIN - FOOTER

    def add(self, block: Block) -> None:
        if self.used + block.height > self.room and self.pages[-1]:
            self.new_page()
        self.pages[-1].append(block)
        self.used += block.height

    def new_page(self) -> None:
        if self.pages[-1]:
            self.pages.append([])
        self.used = 0.0

    def left(self) -> float:
        return self.room - self.used


def _cover(results: SurveyResults, style: Style, width: float) -> list[Block]:
    return [
        spacer(0.4),
        text_block(["Survey results · handout"], style.label_size, style, gap_after=0.1, color=palette.MUTED),
        text_block(
            _lines(results.title, style, 24, width),
            24,
            style,
            gap_after=0.25,
            fontweight="bold",
            color=palette.INK,
            gid="title",
        ),
        text_block(
            [response_rate(results)], 18, style, gap_after=0.12, fontweight="bold", color=palette.INK, gid="rate"
        ),
        text_block(
            _lines(responses(results), style, 11, width), 11, style, gap_after=0.06, color=palette.INK, gid="responses"
        ),
        text_block(_lines(window(results), style, 11, width), 11, style, gap_after=0.06, color=palette.INK),
        text_block([f"Status: {status_line(results)}"], 11, style, gap_after=0.12, color=palette.INK),
        *(
            text_block(_lines(note, style, 11, width), 11, style, gap_after=0.08, color=palette.INK, gid="note")
            for note in results.notes
        ),
        text_block(
            _lines(promise(results), style, style.small_size, width),
            style.small_size,
            style,
            gap_after=0.35,
            color=palette.MUTED,
        ),
        text_block(["Overview"], 14, style, gap_after=0.1, fontweight="bold", color=palette.INK),
    ]


def _overview_row(results: SurveyResults, q: QuestionResult, style: Style, width: float) -> Block:
    size, small = style.label_size, style.small_size
    title = _lines(f"{q.question.number}. {q.question.text}", style, size, width)
    line = _lines(headline(results, q), style, small, width - 0.25)
    h = len(title) * style.line_height(size) + len(line) * style.line_height(small) + 0.12

    def draw(canvas: Canvas, left: float, top: float) -> None:
        canvas.text(left, top, "\n".join(title), size, va="top", ha="left", color=palette.INK,
                    fontweight="bold", linespacing=1.12, gid="overview-question")  # fmt: skip
        canvas.text(left + 0.25, top + len(title) * style.line_height(size), "\n".join(line), small,
                    va="top", ha="left", color=palette.MUTED, linespacing=1.12, gid="overview-headline")  # fmt: skip

    return Block(h, draw)


def _question_head(results: SurveyResults, q: QuestionResult, style: Style, width: float) -> list[Block]:
    blocks = [
        text_block(
            [f"Question {q.question.number} of {len(results.questions)}"],
            style.small_size,
            style,
            gap_after=0.04,
            fontweight="bold",
            color=palette.BAR,
            gid="number",
        ),
        text_block(
            _lines(q.question.text, style, style.title_size, width),
            style.title_size,
            style,
            gap_after=0.04,
            fontweight="bold",
            color=palette.INK,
            gid="title",
        ),
    ]
    visible = as_visible(results, q)
    if visible is not None:
        line = _lines(subtitle(results, visible), style, style.small_size, width)
        blocks.append(text_block(line, style.small_size, style, gap_after=0.16, color=palette.MUTED, gid="subtitle"))
    return blocks


def _fitted_body(question: VisibleResult, style: Style, width: float, room: float) -> list[Block]:
    """The chart at the largest size that fits one page; an extreme one shrinks until it does."""
    blocks: list[Block] = []
    factors = list(FACTORS)
    while factors:
        factor = factors.pop(0)
        blocks = body(question, style.scaled(factor), width)
        needed = sum(b.height for b in blocks)
        if needed <= room:
            break
        if not factors and factor > 0.05:
            factors.append(factor * min(room / needed, 0.9))
    return blocks


def _answers(question: TextResult, style: Style, width: float) -> list[Block]:
    groups = group_answers(question)
    size = style.label_size
    head = f"All {len(question.answers)} answers, in full (shuffled; identical answers once, with ×N)"
    blocks = [text_block(_lines(head, style, size, width), size, style, gap_after=0.08, fontweight="bold",
                         color=palette.INK)]  # fmt: skip
    for group in groups:  # one block per answer: at most 2,000 characters, so it always fits a page
        blocks.append(text_block(_lines(f"• {group.shown}", style, size, width), size, style, gap_after=0.07,
                                 color=palette.INK, gid="answer"))  # fmt: skip
    return [*blocks, spacer(0.2)]


def _lessons(question: LessonsResult, style: Style, width: float) -> list[Block]:
    """Every lesson whole, under its category and polarity; shuffled within each group by content."""
    size, small = style.label_size, style.small_size
    head = f"All {question.entry_count} lessons, in full (grouped by category and polarity; shuffled in each group)"
    if question.withheld_note:
        head += f". {question.withheld_note}"
    blocks = [spacer(0.15), text_block(_lines(head, style, size, width), size, style, gap_after=0.1,
                                       fontweight="bold", color=palette.INK)]  # fmt: skip
    for cell in question.cells:
        if not cell.entries or cell.respondents is None:
            continue
        polarity = POSITIVE_NAME if cell.positive else NEGATIVE_NAME
        group = f"{cell.category} — {polarity} · {len(cell.entries)}"
        blocks.append(text_block(_lines(group, style, size, width), size, style, gap_after=0.06,
                                 fontweight="bold", color=palette.BAR, gid="lesson-group"))  # fmt: skip
        for entry, n in grouped_entries(cell):  # a title (150) and a description (2,000 characters) fit a page
            title = _lines(f"• {entry.title}" + (f" ×{n}" if n > 1 else ""), style, size, width)
            blocks.append(text_block(title, size, style, gap_after=0.02, fontweight="bold", color=palette.INK,
                                     gid="lesson-title"))  # fmt: skip
            if entry.description:
                lines = _lines(entry.description, style, small, width - 0.2)
                blocks.append(_indented(text_block(lines, small, style, gap_after=0.08, color=palette.INK,
                                                   gid="lesson-description"), 0.2))  # fmt: skip
        blocks.append(spacer(0.1))
    return blocks


def _indented(block: Block, by: float) -> Block:
    return Block(block.height, lambda canvas, left, top: block.draw(canvas, left + by, top))


def _flow(results: SurveyResults, style: Style = PDF) -> list[list[Block]]:
    width = A4_WIDTH - 2 * MARGIN
    flow = _Pages()
    for block in _cover(results, style, width):
        flow.add(block)
    for q in results.questions:
        flow.add(_overview_row(results, q, style, width))
    for q in results.questions:
        flow.new_page()
        for block in _question_head(results, q, style, width):
            flow.add(block)
        visible = as_visible(results, q)
        if visible is None:
            k = q.k if isinstance(q, HiddenResult) else results.k
            flow.add(text_block([f"Not enough responses: {hidden_text(k, results)}."], style.label_size, style,
                                color=palette.MUTED, gid="hidden"))  # fmt: skip
            continue
        if isinstance(visible, TextResult):
            for block in _answers(visible, style, width):
                flow.add(block)
        for block in _fitted_body(visible, style, width, flow.room):
            flow.add(block)
        if isinstance(visible, LessonsResult):
            for block in _lessons(visible, style, width):
                flow.add(block)
    return flow.pages


def pages(results: SurveyResults) -> list[Figure]:
    laid_out = _flow(results)
    figs = []
    for n, blocks in enumerate(laid_out, start=1):
        fig, canvas = a4_page(blocks)
        foot = wrap(results.title, PDF.columns(A4_WIDTH * 0.6, 8), max_lines=1)[0]
        canvas.text(MARGIN, A4_HEIGHT - FOOTER + 0.2, foot, 8, va="top", ha="left", color=palette.MUTED)
        canvas.text(A4_WIDTH - MARGIN, A4_HEIGHT - FOOTER + 0.2, f"{n} / {len(laid_out)}", 8, va="top",
                    ha="right", color=palette.MUTED, gid="page-no")  # fmt: skip
        figs.append(fig)
    return figs


def build_pdf(results: SurveyResults) -> bytes:
    return save_pdf(pages(results), results.title)
