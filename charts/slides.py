"""The scene-setter deck: 16:9 slides for a projector. An overview first, then one slide per question.

Every slide carries the question's number, the response rate ("17 of 20 invited (85%)") in large type and
the close time. Content that would not fit is drawn smaller, never cut off; below k only the notice is shown.
"""

from __future__ import annotations

from dataclasses import replace

from matplotlib.figure import Figure

from bot.results import ChoiceResult, HiddenResult, QuestionResult, SurveyResults, TextResult, VisibleResult
from bot.textfmt import hidden_text, status_line
from charts import palette
from charts.answers import group_answers
from charts.figures import answers_block, body, subtitle
from charts.guard import as_visible
from charts.headline import headline
from charts.layout import SLIDE, Block, Canvas, Style
from charts.pdfdoc import save_pdf
from charts.report_text import response_rate
from charts.textfmt import wrap

HEIGHT = 7.5  # inches: 13.333 x 7.5 is 16:9
TOP = 0.4
FOOTER = 0.5  # the band at the bottom: survey title and slide number
FACTORS = (1.0, 0.88, 0.76, 0.66, 0.57, 0.5, 0.43, 0.37, 0.32)  # type sizes tried, largest first
MAX_ONE_COLUMN = 7  # options or items; more go in two columns on a slide
OVERVIEW_ROWS = 10  # questions per overview slide; more go on "Overview (continued)"
RATE_SIZE = 24.0
SLIDE_TERMS = 3  # top terms on a slide, after the answers; the handout has them all


def _frame(results: SurveyResults, corner: str, slide_no: str, style: Style) -> tuple[Figure, Canvas]:
    """A blank slide with the corner label, the response rate top right and the footer."""
    fig = Figure(figsize=(style.width, HEIGHT), dpi=style.dpi, facecolor="white")
    canvas = Canvas(fig)
    m = style.margin
    canvas.text(m, TOP, corner, style.small_size, va="top", ha="left", color=palette.BAR, fontweight="bold",
                gid="number")  # fmt: skip
    canvas.text(style.width - m, TOP - 0.04, response_rate(results), RATE_SIZE, va="top", ha="right",
                color=palette.INK, fontweight="bold", gid="rate")  # fmt: skip
    foot = wrap(results.title, style.columns(style.width * 0.6, 12), max_lines=1)[0]
    canvas.text(m, HEIGHT - FOOTER + 0.15, foot, 12, va="top", ha="left", color=palette.MUTED, gid="footer")
    if slide_no:
        canvas.text(style.width - m, HEIGHT - FOOTER + 0.15, slide_no, 12, va="top", ha="right",
                    color=palette.MUTED, gid="slide-no")  # fmt: skip
    return fig, canvas


def _place(canvas: Canvas, blocks: list[Block], left: float, top: float) -> None:
    for block in blocks:
        block.draw(canvas, left, top)
        top += block.height


def _title(canvas: Canvas, s: str, style: Style, width: float, top: float, max_lines: int = 3) -> float:
    """Draws the title from `top`; returns where the next line starts."""
    size = style.title_size
    lines = wrap(s, style.columns(width, size) - 1, max_lines=max_lines)
    canvas.text(style.margin, top, "\n".join(lines), size, va="top", ha="left", color=palette.INK,
                fontweight="bold", linespacing=1.08, gid="title")  # fmt: skip
    return top + len(lines) * style.line_height(size) * 1.02 + 0.06


def _fitted(question: VisibleResult, style: Style, width: float, room: float) -> list[Block]:
    """The body at the largest type size that fits in `room` inches: never cut off, never over the footer."""
    blocks: list[Block] = []
    factors = list(FACTORS)
    while factors:
        factor = factors.pop(0)
        s = style.scaled(factor)
        enough = True
        if isinstance(question, TextResult):
            question = replace(question, top_terms=question.top_terms[:SLIDE_TERMS])
            terms = body(question, s, width)
            answers, shown = answers_block(question, s, width, room - sum(b.height for b in terms) - 0.15)
            blocks = answers + terms
            # The answers come first: shrink until a few of them fit beside the terms.
            enough = shown >= min(len(group_answers(question)), 3)
        else:
            rows = len(question.options) if isinstance(question, ChoiceResult) else len(getattr(question, "items", ()))
            blocks = body(question, s, width, columns=2 if rows > MAX_ONE_COLUMN else 1)
        needed = sum(b.height for b in blocks)
        if enough and needed <= room:
            return blocks
        if not factors and factor > 0.05:  # an extreme question (20 long options): shrink to what fits
            factors.append(factor * min(room / needed, 0.9))
    return blocks


def question_slide(
    results: SurveyResults, question: QuestionResult, slide_no: str = "", style: Style = SLIDE
) -> Figure:
    total = len(results.questions)
    fig, canvas = _frame(results, f"Question {question.question.number} of {total}", slide_no, style)
    width = style.width - 2 * style.margin
    y = _title(canvas, question.question.text, style, width, TOP + 0.55, max_lines=2)
    visible = as_visible(results, question)
    if visible is None:
        k = question.k if isinstance(question, HiddenResult) else results.k
        canvas.text(style.margin, y + 0.5, f"Not enough responses: {hidden_text(k, results)}.", style.label_size,
                    va="top", ha="left", color=palette.MUTED, gid="hidden")  # fmt: skip
        canvas.text(style.margin, y + 1.1, "Nothing is shown below k, to keep the answers anonymous.",
                    style.small_size, va="top", ha="left", color=palette.MUTED)  # fmt: skip
        return fig
    canvas.text(style.margin, y, subtitle(results, visible), style.small_size, va="top", ha="left",
                color=palette.MUTED, gid="subtitle")  # fmt: skip
    y += style.line_height(style.small_size) + 0.22
    room = HEIGHT - FOOTER - y - 0.05
    _place(canvas, _fitted(visible, style, width, room), style.margin, y)
    return fig


def _overview_rows(
    results: SurveyResults, questions: list[QuestionResult], style: Style, width: float
) -> tuple[list[Block], float]:
    number_w = 0.75 * style.label_size / 20
    text_w = width - number_w
    rows: list[Block] = []
    for q in questions:
        title = wrap(q.question.text, style.columns(text_w, style.label_size), max_lines=1)[0]
        line = wrap(headline(results, q), style.columns(text_w, style.small_size), max_lines=1)[0]
        hidden = as_visible(results, q) is None
        h = style.line_height(style.label_size) + style.line_height(style.small_size) + style.row_gap * 0.6

        def draw(canvas: Canvas, left: float, top: float, q: QuestionResult = q, title: str = title,
                 line: str = line, hidden: bool = hidden) -> None:  # fmt: skip
            canvas.text(left, top, f"Q{q.question.number}", style.label_size, va="top", ha="left",
                        color=palette.BAR, fontweight="bold", gid="overview-number")  # fmt: skip
            canvas.text(left + number_w, top, title, style.label_size, va="top", ha="left", color=palette.INK,
                        gid="overview-question")  # fmt: skip
            canvas.text(left + number_w, top + style.line_height(style.label_size), line, style.small_size,
                        va="top", ha="left", color=palette.MUTED if hidden else palette.INK,
                        fontweight="normal" if hidden else "bold", gid="overview-headline")  # fmt: skip

        rows.append(Block(h, draw))
    return rows, sum(r.height for r in rows)


def overview_slides(results: SurveyResults, style: Style = SLIDE) -> list[Figure]:
    chunks = [list(results.questions[i : i + OVERVIEW_ROWS]) for i in range(0, len(results.questions), OVERVIEW_ROWS)]
    figs = []
    width = style.width - 2 * style.margin
    for n, chunk in enumerate(chunks or [[]]):
        more = " (continued)" if n else ""
        fig, canvas = _frame(results, f"Overview{more} · {len(results.questions)} questions", "", style)
        y = _title(canvas, results.title, replace(style, title_size=style.title_size * 0.8), width, TOP + 0.55, 2)
        canvas.text(style.margin, y, status_line(results), style.small_size, va="top", ha="left",
                    color=palette.MUTED, gid="subtitle")  # fmt: skip
        y += style.line_height(style.small_size) + 0.06
        for note in results.notes:  # e.g. why late answers are not in the final result
            lines = wrap(note, style.columns(width, style.small_size), max_lines=2)
            canvas.text(style.margin, y, "\n".join(lines), style.small_size, va="top", ha="left",
                        color=palette.MUTED, linespacing=1.12, gid="note")  # fmt: skip
            y += len(lines) * style.line_height(style.small_size) + 0.04
        y += 0.19
        room = HEIGHT - FOOTER - y
        rows: list[Block] = []
        for factor in FACTORS:
            rows, height = _overview_rows(results, chunk, style.scaled(factor), width)
            if height <= room:
                break
        _place(canvas, rows, style.margin, y)
        figs.append(fig)
    return figs


def slide_figures(results: SurveyResults) -> list[Figure]:
    overview = overview_slides(results)
    total = len(overview) + len(results.questions)
    questions = [
        question_slide(results, q, f"{len(overview) + i} / {total}") for i, q in enumerate(results.questions, 1)
    ]
    return overview + questions


def build_slides(results: SurveyResults) -> bytes:
    return save_pdf(slide_figures(results), results.title)
