"""Problems found in a survey file, written the way the organiser counts: lines and questions from 1."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import InvalidInput

_INDEXED = re.compile(r"^([A-Za-z_]+)\[(\d+)\]$")
_NAMES = {"questions": "question", "options": "option", "rows": "row", "categories": "category",
          "reminders": "reminder", "targets": "target",
          "roster": "roster entry"}  # fmt: skip


def display_field(field: str | None) -> str:
    """`questions[1].options[4]` -> `question 2, option 5`; plain keys stay as written (`timezone`)."""
    if not field:
        return ""
    parts = []
    for segment in field.split("."):
        match = _INDEXED.match(segment)
        if match and match.group(1) in _NAMES:
            parts.append(f"{_NAMES[match.group(1)]} {int(match.group(2)) + 1}")
        else:
            parts.append(segment)
    return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    reason: str
    field: str | None = None  # the machine name (`questions[1].text`), 0-based as in InvalidInput
    line: int | None = None  # 1-based, as the organiser sees it; None when the key is absent

    def __str__(self) -> str:
        where = ", ".join(p for p in (f"line {self.line}" if self.line else "", display_field(self.field)) if p)
        return f"{where}: {self.reason}" if where else self.reason


class SurveyFileError(InvalidInput):
    """Every problem of one survey file. `field` and `reason` are the first one's, for callers that show one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            text = str(self.problems[0])
        else:
            text = f"{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(text)
        self.field = self.problems[0].field
        self.reason = self.problems[0].reason
