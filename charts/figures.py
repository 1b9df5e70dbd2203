"""Pure builders: results in, matplotlib Figure out (Figure API, never pyplot). Tests read the artists."""

from __future__ import annotations

from matplotlib.figure import Figure

from bot.domain import QuestionKind
from bot.ranking_places import place_labels, places
from bot.results import (
    ChoiceResult,
    GridResult,
    LessonsResult,
    QuestionResult,
    RankingResult,
    ScaleResult,
    SurveyResults,
    TextResult,
    VisibleResult,
)
from bot.tables import MULTI_NOTE
from bot.textfmt import status_line
from charts import palette
from charts.answers import group_answers
from charts.bars import Row, bar_rows
from charts.grid import grid_chart
from charts.guard import ensure_visible
from charts.headline import is_nps, leaders
from charts.layout import CHAT, Block, Style, spacer, stack, text_block
from charts.lessons import lessons_chart
from charts.report_text import response_rate
from charts.scale import diverging_bar, nps_bar
from charts.textfmt import pct, wrap

TERMS_HEAD = "Top terms · share of respondents who used each (stop-words removed; 2 or more respondents)"
NO_TERMS = "No term was used by 2 or more respondents; see the answers in the text."


def subtitle(results: SurveyResults, question: VisibleResult) -> str:
    """n, the response rate and the close time: written the same way on every chart, slide and page."""
    return f"n = {question.respondents} respondents · {response_rate(results)} · {status_line(results)}"


def choice_rows(result: ChoiceResult) -> list[Row]:
    lead = set(leaders(result))
    return [
        Row(o.label, o.percent, f"{o.count} ({pct(o.percent)})", lead=i in lead)
        for i, o in enumerate(result.options)
    ]


def ranking_rows(result: RankingResult) -> list[Row]:
    best = max(result.max_borda_per_respondent * result.respondents, 1)
    return [
        Row(
            f"{label}: {item.label}",
            100 * item.borda / best,
            f"{item.borda} pts · 1st: {item.first_count} ({pct(item.first_percent)})",
            lead=place == 1 and item.borda > 0,  # every option tied at the top is marked
        )
        for label, place, item in zip(place_labels(result), places(result), result.items, strict=True)
    ]


def term_rows(result: TextResult) -> list[Row]:
    n = max(result.respondents, 1)
    return [
        Row(t.term, 100 * t.respondents / n, f"{t.respondents} ({pct(100 * t.respondents / n)})")
        for t in result.top_terms
    ]


def answers_block(
    question: TextResult, style: Style, width: float, budget: float
) -> tuple[list[Block], int]:
    """As many grouped answers as fit in `budget` inches (each at most 2 lines), then "and N more"."""
    size = style.label_size
    groups = group_answers(question)
    line_h = style.line_height(size)
    more_h = style.line_height(style.small_size) + 0.1
    blocks: list[Block] = []
    used = 0.0
    for shown, group in enumerate(groups):
        lines = wrap(f"“{group.shown}”", style.columns(width, size), max_lines=2)
        h = len(lines) * line_h + 0.06
        reserve = more_h if shown < len(groups) - 1 else 0.0
        if used + h + reserve > budget:
            break
        blocks.append(text_block(lines, size, style, gap_after=0.06, color=palette.INK, gid="answer"))
        used += h
    else:
        return blocks, len(groups)
    shown = len(blocks)
    more = f"… and {len(groups) - shown} more in the handout (all answers in full)."
    blocks.append(text_block([more], style.small_size, style, gap_after=0.1, color=palette.MUTED, gid="more"))
    return blocks, shown


def body(
    question: VisibleResult, style: Style, width: float, answers_budget: float = 0.0, columns: int = 1
) -> list[Block]:
    """The chart itself (no header): bars, segments and the notes that explain them. For free text,
    `answers_budget` inches of grouped answers come first (the handout lists them all separately)."""
    small = style.small_size
    note_cols = style.columns(width, small)
    if isinstance(question, ChoiceResult):
        blocks = [bar_rows(choice_rows(question), style, width, columns)] if question.options else []
        if question.multi:
            blocks += [
                spacer(0.08),
                text_block(wrap(MULTI_NOTE, note_cols), small, style, color=palette.MUTED, gid="note"),
            ]
        return blocks
    if isinstance(question, ScaleResult):
        return nps_bar(question, style, width) if is_nps(question) else diverging_bar(question, style, width)
    if isinstance(question, RankingResult):
        note = (
            f"Borda points: {question.max_borda_per_respondent} for a first place, down to 0 for a last. "
            "1st: respondents who ranked the option first."
        )
        return [
            bar_rows(ranking_rows(question), style, width, columns),
            spacer(0.08),
            text_block(wrap(note, note_cols), small, style, color=palette.MUTED, gid="note"),
        ]
    if isinstance(question, GridResult):
        return grid_chart(question, style, width)
    if isinstance(question, LessonsResult):
        return lessons_chart(question, style, width)
    answers: list[Block] = []
    if answers_budget > 0:
        answers, _ = answers_block(question, style, width, answers_budget)
    if not question.top_terms:
        no_terms = wrap(NO_TERMS, note_cols)
        return [*answers, text_block(no_terms, style.label_size, style, color=palette.MUTED, gid="note")]
    # The explanation sits in the heading: one text fewer to draw on every free-text slide.
    head = wrap(TERMS_HEAD, note_cols)
    return [
        *answers,
        text_block(head, small, style, gap_after=0.08, color=palette.MUTED, gid="terms"),
        bar_rows(term_rows(question), style, width),
    ]


def header(results: SurveyResults, question: VisibleResult, style: Style, width: float) -> list[Block]:
    title = wrap(question.question.text, style.columns(width, style.title_size) - 2)
    return [
        text_block(
            title, style.title_size, style, gap_after=0.04, fontweight="bold", color=palette.INK, gid="title"
        ),
        text_block(
            [subtitle(results, question)],
            style.small_size,
            style,
            gap_after=0.16,
            color=palette.MUTED,
            gid="subtitle",
        ),
    ]


def build_figure(
    results: SurveyResults, question: QuestionResult, style: Style = CHAT, min_height: float = 0.0
) -> Figure:
    """The chart of one question. Raises HiddenResultError below k respondents: no figure exists then."""
    visible = ensure_visible(results, question)
    width = style.width - 2 * style.margin
    blocks = header(results, visible, style, width) + body(visible, style, width)
    return stack(blocks, style.width, style.dpi, style.margin, min_height)


KIND_NAMES = {
    QuestionKind.SINGLE: "single choice",
    QuestionKind.MULTI: "multiple choice",
    QuestionKind.SCALE: "scale",
    QuestionKind.RANKING: "ranking",
    QuestionKind.TEXT: "free text",
    QuestionKind.GRID: "grid",
    QuestionKind.LESSONS: "lessons",
}
