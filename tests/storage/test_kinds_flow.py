"""Grid and lessons through the service on real databases: a tally, bad input refused with a clear message
and nothing stored changed, drafts that hold lessons, and exports of both kinds."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.domain import Lesson, Participant, QuestionKind, QuestionSpec
from bot.errors import InvalidInput
from bot.results import GridResult, LessonsResult
from bot.service import Canvass
from charts.export import to_csv, to_json
from tests.factories import ORGANISER, survey_spec
from tests.storage.dbdump import dump_all

QUESTIONS = (
    QuestionSpec(QuestionKind.GRID, "Rate each", rows=("Sanctions", "Mediation"), required=False),
    QuestionSpec(QuestionKind.LESSONS, "Lessons", categories=("process", "effect"), max_entries=10, required=False),
)


def lesson(i: int, category: object = "process", polarity: str = "positive") -> dict[str, object]:
    return {"category": category, "polarity": polarity, "title": f"Lesson {i}", "description": "=HYPERLINK(x)"}


async def open_toolbox(service: Canvass, voters: list[Participant]) -> tuple[str, str, str]:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3))
    await service.open_survey(ORGANISER, survey.id, voters)
    return survey.id, survey.questions[0].id, survey.questions[1].id


async def test_bad_grid_and_lesson_input_is_refused_and_changes_nothing(service: Canvass, db_url: str) -> None:
    voter = Participant("console", "careful")
    survey_id, grid, lessons = await open_toolbox(service, [voter])
    await service.submit(voter, survey_id, {grid: [4, 2], lessons: [lesson(0)]})
    await service.save_draft(voter, survey_id, {lessons: [lesson(1)]})
    before = dump_all(db_url)
    cases = [
        ({grid: [4, 2], lessons: [{"polarity": "positive", "title": "No category"}]},
         "Question 2: lesson 1: choose a category (process, effect)"),
        ({grid: [4, 2], lessons: [lesson(i) for i in range(11)]}, "Question 2: at most 10 lessons (got 11)"),
        ({grid: [4, 9], lessons: [lesson(0)]}, "Question 1: row 2 ‘Mediation’: the rating must be from 1 to 5 (got 9)"),
    ]  # fmt: skip
    for answers, message in cases:
        for attempt in (service.submit, service.save_draft):
            with pytest.raises(InvalidInput) as refused:
                await attempt(voter, survey_id, answers)
            assert refused.value.reason == message
    assert dump_all(db_url) == before
    assert (await service.load_draft(voter, survey_id))[lessons] == (Lesson(0, True, "Lesson 1", "=HYPERLINK(x)"),)


async def test_grid_and_lessons_tally_and_export(service: Canvass) -> None:
    voters = [Participant("console", f"d{i}") for i in range(4)]
    survey_id, grid, lessons = await open_toolbox(service, voters)
    ratings = [[5, None], [4, 2], [4, None], [1, None]]
    for i, voter in enumerate(voters):
        filed = [lesson(i), lesson(10 + i, "effect", "negative")] if i < 3 else []
        if i < 3:  # a title written as a spreadsheet formula, by k people (a cell below k is withheld)
            filed.append({"category": 1, "polarity": "positive", "title": "=1+1"})
        await service.submit(voter, survey_id, {grid: ratings[i], lessons: filed})
    await service.close_survey(ORGANISER, survey_id)
    results = await service.results(None, survey_id)
    tallied_grid, tallied_lessons = results.questions
    assert isinstance(tallied_grid, GridResult) and isinstance(tallied_lessons, LessonsResult)
    sanctions, mediation = tallied_grid.rows
    assert (sanctions.respondents, sanctions.median, sanctions.mean) == (4, 4.0, 3.5)  # 1 4 4 5
    assert mediation.withheld  # one rating < k = 3
    assert tallied_lessons.cell(0, True).respondents == 3 and tallied_lessons.cell(1, False).respondents == 3
    assert tallied_lessons.cell(0, False).respondents is None  # nobody: below k, shown as <3

    rows = list(csv.reader(io.StringIO(to_csv(results))))
    items = [r[3] for r in rows]
    assert "Sanctions · median" in items and "Mediation" in items
    withheld = rows[items.index("Mediation")]
    assert withheld[4] == "" and "withheld" in withheld[8]  # no count for a withheld row
    assert rows[items.index("process · negative: room for improvement")][4] == "<3"
    assert "Lesson 0 — =HYPERLINK(x)" in items  # whole, and harmless: it starts with text
    assert "'=1+1" in items and "=1+1" not in items  # never a formula
    exported = json.loads(to_json(results))
    entries = [e for c in exported["questions"][1]["cells"] for e in c["entries"]]
    assert sorted(e["title"] for e in entries) == sorted(["=1+1"] * 3 + [f"Lesson {i}" for i in (0, 1, 2, 10, 11, 12)])


async def test_a_draft_may_leave_rows_of_a_required_grid_for_later(service: Canvass) -> None:
    voter = Participant("console", "stepwise")
    grid_only = (QuestionSpec(QuestionKind.GRID, "Rate each", rows=("Sanctions", "Mediation")),)
    survey = await service.create_survey(ORGANISER, survey_spec(questions=grid_only, k=3))
    await service.open_survey(ORGANISER, survey.id, [voter])
    qid = survey.questions[0].id
    await service.save_draft(voter, survey.id, {qid: [4, None]})
    draft = await service.load_draft(voter, survey.id)
    assert draft == {qid: (4, None)}
    with pytest.raises(InvalidInput) as refused:
        await service.submit(voter, survey.id, draft)
    assert refused.value.reason == "Your answer: row 2 ‘Mediation’: please rate every row"
    assert not await service.has_responded(voter, survey.id)
    await service.submit(voter, survey.id, {qid: [4, 2]})
    assert await service.has_responded(voter, survey.id)
