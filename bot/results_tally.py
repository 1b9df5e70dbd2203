"""Counting a survey's ballots into result views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bot import results_codec
from bot.aggregation import aggregate, header
from bot.domain import ResultsMode, Status, Survey
from bot.ports import LiveView, SurveyRepository
from bot.results import HiddenResult, SurveyResults, hidden_reason


def stepped(count: int, k: int) -> int | None:
    return None if count < k else (count // k) * k


def late_note(survey: Survey, numbers: Sequence[int], respondents: bool) -> str:
    """Why a closed live survey shows its last live snapshot. Never the number of late answers."""
    what = ", ".join(map(str, numbers))
    parts = [f"question{'s' if len(numbers) > 1 else ''} {what}"] if numbers else []
    if respondents:
        parts.append("the respondent count")
    return (
        f"Final results of {' and '.join(parts)} are those of the last live update: fewer than {survey.k} "
        f"answers came or changed after it, and showing them would let anyone work out those answers by "
        f"comparing the two results."
    )


def final_respondents(survey: Survey, view: LiveView | None) -> int | None:
    """The respondent count a closed survey may publish: exact (if at least k), or the last live
    snapshot's when fewer than k came after it."""
    if view is not None and view.respondents_frozen:
        return stepped(view.respondents, survey.k)
    count = survey.respondents_at_close or 0
    return count if count >= survey.k else None


def apply_freeze(survey: Survey, results: SurveyResults, view: LiveView | None) -> SurveyResults:
    """A closed live survey: questions whose final state differs from a published snapshot by fewer
    than k ballots show the last snapshot instead, with a note that says so (issue 10, break 4)."""
    if view is None or (not view.frozen_questions and not view.respondents_frozen):
        return results
    as_of = results.as_of or datetime.now(UTC)
    last = results_codec.loads(view.payload) if view.payload else nothing_published(survey, as_of)
    kept = {q.question.id: q for q in last.questions}
    questions = tuple(kept[q.question.id] if q.question.id in view.frozen_questions else q for q in results.questions)
    numbers = [q.question.number for q in results.questions if q.question.id in view.frozen_questions]
    return replace(
        results,
        questions=questions,
        respondents=final_respondents(survey, view),
        notes=(*results.notes, late_note(survey, numbers, view.respondents_frozen)),
    )


async def compute(repo: SurveyRepository, survey: Survey, now: datetime) -> SurveyResults:
    sealed = survey.status is Status.CLOSED
    questions = tuple([aggregate(q, await repo.answer_counts(q.id, sealed), survey.k) for q in survey.questions])
    if sealed:
        count = survey.respondents_at_close or 0
    else:
        count = await repo.respondent_count(survey.id)
    results = SurveyResults(
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
        by_delegation=survey.by_delegation,
    )
    if sealed and survey.results_mode is ResultsMode.LIVE:
        results = apply_freeze(survey, results, await repo.live_view(survey.id))
    return results


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
        by_delegation=survey.by_delegation,
    )
