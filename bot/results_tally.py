"""Counting a survey's ballots into result views."""

from __future__ import annotations

from datetime import datetime

from bot.aggregation import aggregate, header
from bot.domain import Status, Survey
from bot.ports import SurveyRepository
from bot.results import HiddenResult, SurveyResults, hidden_reason


def stepped(count: int, k: int) -> int | None:
    return None if count < k else (count // k) * k


async def compute(repo: SurveyRepository, survey: Survey, now: datetime) -> SurveyResults:
    sealed = survey.status is Status.CLOSED
    questions = tuple([aggregate(q, await repo.answer_counts(q.id, sealed), survey.k) for q in survey.questions])
    if sealed:
        count = survey.respondents_at_close or 0
    else:
        count = await repo.respondent_count(survey.id)
    return SurveyResults(
        survey_id=survey.id,
        title=survey.title,
        status=str(survey.status),
        live=not sealed,
        as_of=survey.closes_at if sealed else now,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        timezone=survey.timezone,
        k=survey.k,
        respondents=stepped(count, survey.k) if not sealed else (count if count >= survey.k else None),
        invited=survey.invited_count,
        questions=questions,
    )


def nothing_published(survey: Survey, now: datetime) -> SurveyResults:
    """A live survey before its first snapshot: every question hidden, and nothing counted to say so."""
    return SurveyResults(
        survey_id=survey.id,
        title=survey.title,
        status=str(survey.status),
        live=True,
        as_of=now,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        timezone=survey.timezone,
        k=survey.k,
        respondents=None,
        invited=survey.invited_count,
        questions=tuple(HiddenResult(header(q), survey.k, hidden_reason(survey.k)) for q in survey.questions),
    )
