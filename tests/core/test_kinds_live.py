"""Live results of grid and lessons questions (issue 10, break 4, for the new kinds): a grid row that only one
respondent changed, or a lesson only one added, after a snapshot is never shown by a later snapshot or by the
final result, so no two outputs can be diffed to isolate that rating or that lesson. A grid's rows are each
held to the rule, as separate questions are, since each is skipped and answered on its own."""

from __future__ import annotations

import json

from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode
from bot.results import GridResult, LessonsResult
from bot.service import Canvass
from charts.export import to_json
from tests.factories import ORGANISER, survey_spec

QUESTIONS = (
    QuestionSpec(QuestionKind.GRID, "Rate", rows=("Sanctions", "Mediation", "Démarches"), required=False),
    QuestionSpec(QuestionKind.LESSONS, "Lessons", categories=("process",), required=False),
)
PEOPLE = [Participant("console", f"p{i}") for i in range(8)]


def lesson(title: str) -> dict[str, object]:
    return {"category": 0, "polarity": "negative", "title": title}


async def test_one_changed_row_or_one_added_lesson_is_never_published(service: Canvass) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3, mode=ResultsMode.LIVE))
    await service.open_survey(ORGANISER, survey.id, PEOPLE)
    survey = await service.get(survey.id)
    grid, lessons = (q.id for q in survey.questions)
    service.live_refresh_seconds = 0

    async def vote(person: int, answers: dict[str, object]) -> None:
        await service.submit(PEOPLE[person], survey.id, answers)
        await service.settle()  # each refresh sees exactly the ballots so far

    for i in range(3):
        await vote(i, {grid: [4, 3, 3], lessons: [lesson(f"shared {i}")]})
    first = await service.results(None, survey.id)
    shown_grid, shown_lessons = first.questions
    assert isinstance(shown_grid, GridResult) and [r.respondents for r in shown_grid.rows] == [3, 3, 3]
    assert isinstance(shown_lessons, LessonsResult) and shown_lessons.entry_count == 3

    # Three grid ballots change (Sanctions 4 -> 5 in all three), but Mediation only in one (3 -> 1), and only
    # that respondent adds a lesson. Publishing the grid would show that one Mediation rating move.
    await vote(0, {grid: [5, 1, 3], lessons: [lesson("shared 0"), lesson("only mine")]})
    await vote(1, {grid: [5, 3, 3], lessons: [lesson("shared 1")]})
    await vote(2, {grid: [5, 3, 3], lessons: [lesson("shared 2")]})
    second = await service.results(None, survey.id)
    assert second.questions == first.questions
    assert "only mine" not in json.dumps(to_json(second))

    # Mediation now differs by 4 ratings, Sanctions by 5, Démarches by none: the grid moves; the lessons not.
    await vote(3, {grid: [2, 2, None]})
    await vote(4, {grid: [2, 5, None]})
    await vote(1, {grid: [5, 4, 3], lessons: [lesson("shared 1")]})
    third = await service.results(None, survey.id)
    moved = third.questions[0]
    assert isinstance(moved, GridResult) and [r.respondents for r in moved.rows] == [5, 5, 3]
    assert moved.rows[1].distribution[0].count == 1  # the 1 for Mediation, among four changed ratings
    assert third.questions[1] == shown_lessons

    # One last change of one row, then the close: the grid's final state differs from its snapshot in that
    # row by one rating, the lessons by one ballot: both show their last snapshot, with a note saying why.
    await vote(3, {grid: [2, 4, None]})
    await service.close_survey(ORGANISER, survey.id)
    final = await service.results(None, survey.id)
    assert final.questions == third.questions and "only mine" not in to_json(final)
    assert "questions 1, 2" in " ".join(final.notes)
