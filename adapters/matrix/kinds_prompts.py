"""What the DM says for the grid and lessons kinds: their prompts, and a participant's own answer in
words for `review`. Pure text; every send goes through safety.inert, so rows, categories and the
participant's own titles cannot ping or link when they are shown.

A grid is asked in ONE prompt with a compact reply ("4 3 5 2", "-" for a skipped optional row), not a
row at a time: a row per message would multiply the DM's messages (each sent at the DM pace, each on
the trail to redact) and would need a row position in the durable conversation state; with the rows
numbered beside the scale's end labels, one line of numbers is quick to write and to check."""

from __future__ import annotations

from bot.domain import Question, QuestionKind
from bot.kinds_text import grid_reply_help, lesson_reply_help

KINDS = frozenset({QuestionKind.GRID, QuestionKind.LESSONS})
LESSON_EXAMPLE = "Early warning worked | The early warning cell flagged it two weeks ahead"


def kind_label(question: Question) -> str:
    if question.kind is QuestionKind.GRID:
        return f"{len(question.rows)} rows, each {question.scale_min}–{question.scale_max}"
    return f"lessons, up to {question.max_entries}"


def legend(question: Question) -> str:
    if not (question.min_label or question.max_label):
        return f"Scale: {question.scale_min} to {question.scale_max}"
    return f"Scale: {question.scale_min} = {question.min_label} … {question.scale_max} = {question.max_label}"


def lesson_example(question: Question) -> str:
    return f"{question.categories[0] if question.categories else '1'} + {LESSON_EXAMPLE}"


def prompt_lines(question: Question) -> list[str]:
    """The lines after the question's text, up to (not including) the controls."""
    if question.kind is QuestionKind.GRID:
        lines = [legend(question)]
        lines += [f"{i + 1}. {row}" for i, row in enumerate(question.rows)]
        return [*lines, grid_reply_help(question)]
    return [
        f"Send each lesson as its own message, up to {question.max_entries}. {lesson_reply_help(question)}",
        f"For example: {lesson_example(question)}",
        "Reply undo to remove the last lesson, and done when you have no more.",
    ]


def how_to_reply(question: Question) -> str:
    if question.kind is QuestionKind.GRID:
        return grid_reply_help(question)
    return f"send a lesson such as “{lesson_example(question)}”, or done"
