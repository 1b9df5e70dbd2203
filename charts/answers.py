"""Free-text answers grouped for reading: identical answers once, with how many gave them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.results import TextResult


@dataclass(frozen=True)
class AnswerGroup:
    text: str
    count: int

    @property
    def shown(self) -> str:
        """The answer with "×7" when several people wrote it."""
        return f"{self.text} ×{self.count}" if self.count > 1 else self.text


def group_answers(result: TextResult) -> list[AnswerGroup]:
    """Identical answers (whitespace aside) grouped; groups keep the order of the already shuffled list,
    which depends on the content only, so the order tells nothing about who answered first."""
    counts: dict[str, int] = {}
    for answer in result.answers:
        text = " ".join(answer.split())
        if text:
            counts[text] = counts.get(text, 0) + 1
    return [AnswerGroup(text, n) for text, n in counts.items()]
