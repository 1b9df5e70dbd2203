"""Text reply grammars for the grid and lessons kinds, for adapters that answer in plain text (Matrix, console).

Pure functions: they parse and validate, and raise InvalidInput with a short reason to show the writer.
"""

from __future__ import annotations

import re

from bot.domain import Lesson, Question
from bot.errors import InvalidInput
from bot.kind_answers import grid_answer, validate_lesson

SKIP_MARKS = frozenset({"-", "–", "—", "_"})
_POLARITY = {"+": True, "-": False, "−": False, "–": False}
_SPLIT = re.compile(r"[\s,;]+")
# "<category> <+|-> <title> [| <description>]": the sign stands alone between spaces.
_LESSON = re.compile(r"^\s*(?P<category>.+?)\s+(?P<sign>[+\-−–])\s+(?P<rest>.+)$", re.DOTALL)


def parse_grid_reply(question: Question, text: str) -> tuple[int | None, ...]:
    """ "4 3 5 2": one rating per row in order; "-" skips an optional row. Commas work as separators too."""
    tokens = [t for t in _SPLIT.split(text.strip()) if t]
    if len(tokens) != len(question.rows):
        skip = ", - to skip a row" if not question.required else ""
        raise InvalidInput(
            f"give {len(question.rows)} ratings from {question.scale_min} to {question.scale_max},"
            f" one per row in order (got {len(tokens)}){skip}"
        )
    return grid_answer(question, [None if t in SKIP_MARKS else t for t in tokens])


def parse_lesson_reply(question: Question, text: str) -> Lesson:
    """ "process + Early warning worked | The cell flagged it two weeks ahead": a category (by number or name),
    + (practice to replicate) or - (room for improvement), a title, and an optional description after "|"."""
    category, positive, rest = _split_lesson(question, text)
    title, _, description = rest.partition("|")
    return validate_lesson(
        question, {"category": category, "positive": positive, "title": title, "description": description}
    )


def lesson_reply_help(question: Question) -> str:
    """The grammar, with this question's categories numbered, for a prompt or an error."""
    numbered = ", ".join(f"{i + 1} {label}" for i, label in enumerate(question.categories))
    return (
        "Write: category + title | description (+ practice to replicate, - room for improvement;"
        f" the description is optional). Categories: {numbered}."
    )


def grid_reply_help(question: Question) -> str:
    example = " ".join(
        str(question.scale_min + (i % (question.scale_max - question.scale_min + 1))) for i in range(len(question.rows))
    )
    skip = " Use - for a row you skip." if not question.required else ""
    return f"Reply with one rating per row, in order, e.g. “{example}”.{skip}"


def _split_lesson(question: Question, text: str) -> tuple[int | str, bool, str]:
    stripped = text.strip()
    folded = stripped.casefold()
    # A category name may itself contain " - ": try the names first, longest first.
    for index in sorted(range(len(question.categories)), key=lambda i: -len(question.categories[i])):
        label = question.categories[index].strip().casefold()
        if folded.startswith(label):
            tail = re.match(r"^\s+([+\-−–])\s+(.+)$", stripped[len(label) :], re.DOTALL)
            if tail:
                return index, _POLARITY[tail.group(1)], tail.group(2)
    match = _LESSON.match(stripped)
    if match is None:
        raise InvalidInput("choose a category and + or -: " + lesson_reply_help(question))
    category: int | str = match.group("category").strip()
    if isinstance(category, str) and category.isdigit():
        number = int(category)
        if not 1 <= number <= len(question.categories):
            raise InvalidInput(f"choose a category from 1 to {len(question.categories)}")
        category = number - 1
    return category, _POLARITY[match.group("sign")], match.group("rest")
