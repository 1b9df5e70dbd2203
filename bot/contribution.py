"""The participant's own copy of what they submitted ("print/save your contribution").

Made from the submission in hand (the validated answers and the clock's time at submit) and handed to
the participant once; Canvass keeps nothing of it: no table, no state, no log line, no file left behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.answer_words import answers_in_words
from bot.domain import Answer, Survey
from bot.timeparse import format_local

NOT_STORED = "This copy is made for you alone and is not stored by Canvass: it exists only where you keep it."
SKIPPED = "(skipped)"


def submitted_line(survey: Survey, submitted_at: datetime) -> str:
    return f"Submitted {format_local(submitted_at, survey.timezone)}"


def contribution_text(survey: Survey, answers: Mapping[str, Answer], submitted_at: datetime) -> str:
    """Plain text: the title, every question with the answer in words (skipped ones said so), the time of
    submission in the survey's time zone, and the sentence that the copy is not stored."""
    lines = [f"Your contribution to “{survey.title}”", submitted_line(survey, submitted_at), ""]
    for question, words in answers_in_words(survey, answers):
        lines.append(f"{question.position + 1}. {question.text}")
        lines.append(f"   {words if words is not None else SKIPPED}")
    lines += ["", NOT_STORED]
    return "\n".join(lines)
