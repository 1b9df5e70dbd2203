"""Where a DM conversation goes next: pure helpers of adapters/matrix/conversation.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.domain import Question, Survey

ALL_ANSWERED = "All questions have an answer: reply review to check them, or submit to send them."
ALL_REQUIRED = (
    "Every question that needs an answer has one (an optional one you skipped stays skipped): reply review "
    "to check them, or submit to send them."
)


@dataclass
class Place:
    survey_id: str
    index: int
    submitted: bool = False  # the survey is submitted (and no new answer given since)


class At(Protocol):
    index: int


def first_unanswered(
    survey: Survey, draft: Mapping[str, object], start: int, required_only: bool = False
) -> Question | None:
    for q in survey.questions[start:]:
        if q.id not in draft and (q.required or not required_only):
            return q
    return None


def next_step(survey: Survey, answered: Mapping[str, object], place: At | None) -> str:
    """What the participant should do next, given what is answered and where the flow stands."""
    if place is not None and survey.questions[place.index].id not in answered:
        return f"Question {place.index + 1} is still waiting for your answer."
    if first_unanswered(survey, answered, 0) is None:
        return ALL_ANSWERED
    missing = first_unanswered(survey, answered, 0, required_only=True)
    if missing is None:  # a skipped optional question is no reason to hold back a submit
        return ALL_REQUIRED
    return f"Question {missing.position + 1} has no answer yet: reply back or skip to get there, or submit."
