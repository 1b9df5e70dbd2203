"""A participant's own copy as a questionnaire print: A4, the survey's questions with their options and the
participant's marks, free text in full. Built from the submission in hand; nothing is cached or kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from matplotlib.figure import Figure

from bot.contribution import NOT_STORED, SKIPPED, submitted_line
from bot.domain import Answer, Question, QuestionKind, Survey
from charts import palette
from charts.a4 import A4_HEIGHT, A4_WIDTH, FOOTER, MARGIN, a4_page
from charts.layout import PDF, Block, Style, spacer, text_block
from charts.pdfdoc import save_pdf
from charts.textfmt import wrap

WIDTH = A4_WIDTH - 2 * MARGIN
CHECKED, UNCHECKED = "■", "□"  # drawn with the bundled fonts everywhere (the ballot-box signs are not)


def _lines(text: str, size: float, width: float = WIDTH, style: Style = PDF) -> list[str]:
    return wrap(text, style.columns(width, size))


def _para(text: str, size: float, gap: float = 0.04, indent: float = 0.0, **kw: object) -> Block:
    inner = text_block(_lines(text, size, WIDTH - indent), size, PDF, gap_after=gap, color=kw.pop("color", palette.INK),
                       **kw)  # fmt: skip
    if not indent:
        return inner
    return Block(inner.height, lambda canvas, left, top: inner.draw(canvas, left + indent, top))


def _marks(question: Question, answer: Answer | None) -> list[Block]:
    """The question as printed, with the participant's marks (None: choices shown, none marked)."""
    size = PDF.label_size
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        chosen = {answer} if isinstance(answer, int) else set(answer) if isinstance(answer, tuple) else set()
        return [
            _para(f"{CHECKED if i in chosen else UNCHECKED}  {label}", size, 0.02, 0.25, gid="option")
            for i, label in enumerate(question.options)
        ]
    if kind is QuestionKind.RANKING:
        order = [i for i in answer if isinstance(i, int)] if isinstance(answer, tuple) else []
        rows = [_para(f"{rank}. {question.options[i]}", size, 0.02, 0.25, gid="option")
                for rank, i in enumerate(order, start=1) if 0 <= i < len(question.options)]  # fmt: skip
        return rows
    if kind is QuestionKind.SCALE:
        value = answer if isinstance(answer, int) else None
        row = "   ".join(f"{CHECKED if v == value else UNCHECKED} {v}" for v in question.scale_values)
        blocks = [_para(row, size, 0.02, 0.25, gid="option")]
        ends = " · ".join(
            e for e in (question.min_label and f"{question.scale_min} = {question.min_label}",
                        question.max_label and f"{question.scale_max} = {question.max_label}") if e
        )  # fmt: skip
        if ends:
            blocks.append(_para(ends, PDF.small_size, 0.02, 0.25, color=palette.MUTED))
        return blocks
    if isinstance(answer, str):  # free text, in full, however long
        return [_para(line or " ", size, 0.0, 0.25, gid="answer") for line in answer.split("\n")] + [spacer(0.02)]
    from bot.answer_words import answer_in_words  # a kind this print does not draw yet: its words

    words = SKIPPED if answer is None else answer_in_words(question, answer)
    return [_para(words, size, 0.02, 0.25, gid="answer")]


def _blocks(survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> list[Block]:
    blocks = [
        _para("Your contribution · questionnaire print", PDF.small_size, 0.08, color=palette.MUTED),
        _para(survey.title, 20, 0.1, fontweight="bold", gid="title"),
        _para(submitted_line(survey, submitted_at), PDF.label_size, 0.25, gid="submitted"),
    ]
    for q in survey.questions:
        answer = answers.get(q.id)
        head = f"{q.position + 1}. {q.text}" + ("" if q.required else " (optional)")
        blocks.append(_para(head, 11, 0.06, fontweight="bold", gid="question"))
        if answer is None:
            blocks.append(_para(SKIPPED, PDF.small_size, 0.02, 0.25, color=palette.MUTED, gid="skipped"))
            if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.SCALE):
                blocks.extend(_marks(q, None))  # the options as printed, none marked
        else:
            blocks.extend(_marks(q, answer))
        blocks.append(spacer(0.16))
    blocks.append(_para(NOT_STORED, PDF.small_size, 0.0, color=palette.MUTED, gid="not-stored"))
    return blocks


def pages(survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> list[Figure]:
    room = A4_HEIGHT - MARGIN - FOOTER
    laid: list[list[Block]] = [[]]
    used = 0.0
    for block in _blocks(survey, answers, submitted_at):  # one page for a usual survey; long text flows on
        if used + block.height > room and laid[-1]:
            laid.append([])
            used = 0.0
        laid[-1].append(block)
        used += block.height
    figs = []
    for n, blocks in enumerate(laid, start=1):
        fig, canvas = a4_page(blocks)
        if len(laid) > 1:
            canvas.text(A4_WIDTH - MARGIN, A4_HEIGHT - FOOTER + 0.2, f"{n} / {len(laid)}", 8, va="top",
                        ha="right", color=palette.MUTED)  # fmt: skip
        figs.append(fig)
    return figs


def contribution_pdf(survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> bytes:
    return save_pdf(pages(survey, answers, submitted_at), f"Your contribution to {survey.title}")
