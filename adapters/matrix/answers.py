"""Text replies in a DM turned into the core's raw answers: "2", "1 3", "3 1 2 4", or free text."""

from __future__ import annotations

import re

from adapters.matrix import kinds_prompts
from bot.domain import Question, QuestionKind
from bot.errors import InvalidInput
from bot.kinds_text import parse_grid_reply

_NUMBERS = re.compile(r"^[\d\s,;>.]+$")


def how_to_reply(question: Question) -> str:
    if question.kind in kinds_prompts.KINDS:
        return kinds_prompts.how_to_reply(question)
    n = len(question.options)
    if question.kind is QuestionKind.SINGLE:
        return f"reply {_or(n)}"
    if question.kind is QuestionKind.MULTI:
        return (
            f"reply with the numbers of every option you choose, e.g. “1 3” "
            f"(up to {question.max_selections} of 1–{n})"
        )
    if question.kind is QuestionKind.SCALE:
        return f"reply a number from {question.scale_min} to {question.scale_max}"
    if question.kind is QuestionKind.RANKING:
        example = " ".join(str(i) for i in range(n, 0, -1))
        return f"reply every option number in your order, best first, e.g. “{example}”"
    return "reply with your answer (at most 2,000 characters)"


def _or(n: int) -> str:
    numbers = [str(i) for i in range(1, n + 1)]
    return ", ".join(numbers[:-1]) + f" or {numbers[-1]}" if n > 1 else "1"


def parse_reply(question: Question, text: str) -> object:
    """The raw answer for the core to validate; numbers are 1-based for people, 0-based for the core."""
    if question.kind is QuestionKind.TEXT:
        return text.strip()
    if question.kind is QuestionKind.GRID:
        return parse_grid_reply(question, text)  # lessons come one per message: kinds_flow
    if not _NUMBERS.match(text.strip()):
        raise InvalidInput(f"I did not understand that: {how_to_reply(question)}.")
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if question.kind is QuestionKind.SCALE:
        if len(numbers) != 1:
            raise InvalidInput(f"give one rating: {how_to_reply(question)}.")
        return numbers[0]
    if question.kind is QuestionKind.SINGLE:
        if len(numbers) != 1:
            raise InvalidInput(f"choose one option: {how_to_reply(question)}.")
        return numbers[0] - 1
    return [n - 1 for n in numbers]
