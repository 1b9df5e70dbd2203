"""Live snapshots on SQLite and PostgreSQL: two replicas racing publish once; a close with fewer than k
late ballots shows the last snapshot, with a note, in every final output."""

from __future__ import annotations

import asyncio
import json

from bot.clock import ManualClock
from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode
from bot.results import ChoiceResult
from bot.service import Canvass
from bot.tables import survey_table
from charts.export import to_json
from storage.engine import create_engine
from storage.repository import SqlRepository
from tests.conftest import SECRET
from tests.factories import ORGANISER, survey_spec
from tests.storage.dbdump import dump_all

POLL = (QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "B")), QuestionSpec(QuestionKind.TEXT, "Why?", required=False))
PEOPLE = [Participant("console", f"p{i}") for i in range(8)]


async def test_two_replicas_racing_publish_one_snapshot(db_url: str, clock: ManualClock) -> None:
    repos = [SqlRepository(create_engine(db_url)) for _ in range(2)]
    try:
        a, b = (Canvass(r, clock, SECRET, frozenset({"console:organiser"})) for r in repos)
        a.live_refresh_seconds = b.live_refresh_seconds = 3600  # no background refresh gets in the way
        survey = await a.create_survey(ORGANISER, survey_spec(questions=POLL, k=3, mode=ResultsMode.LIVE))
        await a.open_survey(ORGANISER, survey.id, PEOPLE)
        survey = await a.get(survey.id)
        q1 = survey.questions[0].id
        for person in PEOPLE[:3]:
            await a.submit(person, survey.id, {q1: 0})
        await a.settle()
        versions = await asyncio.gather(a.live.refresh(survey), b.live.refresh(survey))
        published = [v for v in versions if v is not None]
        assert len(published) <= 1
        view = await repos[0].live_view(survey.id)
        assert view is not None and view.version == 1  # one snapshot, whichever replica won
    finally:
        for r in repos:
            await r.dispose()


async def test_late_answers_below_k_are_not_in_any_final_output(service: Canvass, db_url: str) -> None:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=POLL, k=3, mode=ResultsMode.LIVE))
    await service.open_survey(ORGANISER, survey.id, PEOPLE)
    survey = await service.get(survey.id)
    q1, q2 = (q.id for q in survey.questions)
    service.live_refresh_seconds = 0
    for person in PEOPLE[:3]:
        await service.submit(person, survey.id, {q1: 0, q2: "same"})
    await service.settle()
    snapshot = (await service.results(None, survey.id)).questions[0]
    assert isinstance(snapshot, ChoiceResult) and [o.count for o in snapshot.options] == [3, 0]
    # Three new respondents for the choice question, but only one of them writes any text.
    await service.submit(PEOPLE[3], survey.id, {q1: 1, q2: "a late idea"})
    await service.submit(PEOPLE[4], survey.id, {q1: 1})
    await service.submit(PEOPLE[5], survey.id, {q1: 1})
    await service.settle()
    live = await service.results(None, survey.id)
    assert isinstance(live.questions[0], ChoiceResult) and [o.count for o in live.questions[0].options] == [3, 3]
    assert "a late idea" not in json.dumps(to_json(live))
    await service.submit(PEOPLE[6], survey.id, {q1: 0})  # one late ballot: below k
    closed = await service.close_survey(ORGANISER, survey.id)
    final = await service.results(None, survey.id)
    assert final.questions == live.questions  # both questions show the last snapshot
    assert final.respondents == 6 and (await service.progress(survey.id)).respondents_stepped == 6
    assert closed.respondents_at_close == 7  # stored, never shown
    note = " ".join(final.notes)
    assert "questions 1, 2" in note and "the respondent count" in note and "fewer than 3" in note
    for output in (survey_table(final), to_json(final)):
        assert "fewer than 3 answers came or changed after it" in output and "a late idea" not in output
    rows = dump_all(db_url)
    assert not [r for r in rows["published_ballots"] if r[0] in (q1, q2)]  # the per-ballot history is gone
    assert not [r for r in rows["eligible"] if r[0] == survey.id]
