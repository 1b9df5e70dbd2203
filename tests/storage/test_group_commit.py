"""Votes arriving together are written in one transaction, each with its own correct outcome."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode
from bot.errors import SurveyNotOpen
from bot.ports import BallotWrite
from bot.results import ChoiceResult
from bot.service import Canvass
from storage.repository import SqlRepository
from storage.tables import SurveyRow
from tests.factories import ORGANISER, survey_spec

POLL = (QuestionSpec(QuestionKind.SINGLE, "Q", ("A", "B", "C")),)
# Everyone the tests below vote as: only the roster answers.
NAMES = [f"v{i}" for i in range(60)] + [f"o{i}" for i in range(3)] + ["early", "double-clicker", "v", "w", "third"]
ROSTER = [Participant("console", name) for name in NAMES]
surveys = SurveyRow.__table__  # type: ignore[attr-defined]


async def open_poll(service: Canvass, mode: ResultsMode = ResultsMode.AFTER_CLOSE) -> tuple[str, str]:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=POLL, k=3, mode=mode))
    await service.open_survey(ORGANISER, survey.id, ROSTER)
    return survey.id, survey.questions[0].id


class CountingBegin:
    """Counts the transactions that store ballots."""

    def __init__(self, repository: SqlRepository) -> None:
        self._writer = repository._writer
        self._start = self._writer.commits

    @property
    def count(self) -> int:
        return self._writer.commits - self._start


@asynccontextmanager
async def write_lock_held(repository: SqlRepository, survey_id: str) -> AsyncIterator[None]:
    """Another connection holds what a vote's transaction needs (SQLite's write lock; on PostgreSQL
    the survey row, which the writer reads FOR SHARE), as a slow transaction would."""
    if repository.dialect == "sqlite":
        other = sqlite3.connect(str(repository.engine.url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    async with repository.engine.connect() as conn, conn.begin() as transaction:
        await conn.execute(select(surveys.c.id).where(surveys.c.id == survey_id).with_for_update())
        yield
        await transaction.rollback()


async def test_concurrent_votes_share_transactions_and_all_count(service: Canvass, repository: SqlRepository) -> None:
    survey_id, qid = await open_poll(service)
    await service.submit(Participant("console", "early"), survey_id, {qid: 0})  # warms the open-survey cache
    commits = CountingBegin(repository)
    voters = [Participant("console", f"v{i}") for i in range(60)]
    async with write_lock_held(repository, survey_id):
        pending = [asyncio.create_task(service.submit(v, survey_id, {qid: i % 3})) for i, v in enumerate(voters)]
        await asyncio.sleep(0.3)  # every vote is now waiting: the first batch for the lock, the rest for it
        assert not any(task.done() for task in pending)
    receipts = await asyncio.gather(*pending)
    assert all(not r.changed for r in receipts)
    assert 0 < commits.count <= 3  # 60 votes that waited together: the first batch, then the rest at once
    await service.close_survey(ORGANISER, survey_id)
    result = (await service.results(None, survey_id)).questions[0]
    assert isinstance(result, ChoiceResult) and [o.count for o in result.options] == [21, 20, 20]


async def test_the_same_person_twice_in_one_batch_counts_once_and_last_wins(service: Canvass) -> None:
    survey_id, qid = await open_poll(service)
    # Warm the open-survey cache: the submissions below then queue in the order they are made.
    await service.submit(Participant("console", "early"), survey_id, {qid: 2})
    others = [Participant("console", f"o{i}") for i in range(3)]
    twice = Participant("console", "double-clicker")
    receipts = await asyncio.gather(
        service.submit(twice, survey_id, {qid: 0}),
        *(service.submit(p, survey_id, {qid: 2}) for p in others),
        service.submit(twice, survey_id, {qid: 1}),
    )
    assert [r.changed for r in receipts] == [False, False, False, False, True]
    await service.close_survey(ORGANISER, survey_id)
    results = await service.results(None, survey_id)
    assert results.respondents == 5
    result = results.questions[0]
    assert isinstance(result, ChoiceResult) and [o.count for o in result.options] == [0, 1, 4]


async def test_a_closed_survey_in_the_batch_is_refused_alone(service: Canvass) -> None:
    open_id, open_q = await open_poll(service)
    closed_id, closed_q = await open_poll(service)
    voter = Participant("console", "v")
    await service.submit(voter, closed_id, {closed_q: 0})  # warm the cache: it still thinks "open"
    await service.close_survey(ORGANISER, closed_id)
    outcomes = await asyncio.gather(
        service.submit(voter, open_id, {open_q: 1}),
        service.submit(Participant("console", "w"), closed_id, {closed_q: 1}),
        return_exceptions=True,
    )
    assert not isinstance(outcomes[0], BaseException)
    assert isinstance(outcomes[1], SurveyNotOpen)


async def test_a_broken_submission_fails_alone(service: Canvass, repository: SqlRepository) -> None:
    survey_id, qid = await open_poll(service)
    await repository.set_eligible(survey_id, [bytes([i]) * 32 for i in range(5)] + [b"x" * 32])
    good = [
        repository.submit(survey_id, [BallotWrite(qid, bytes([i]) * 32, "1")], bytes([i]) * 32, None) for i in range(5)
    ]
    broken = repository.submit(survey_id, [BallotWrite(qid, object(), "1")], b"x" * 32, None)  # type: ignore[arg-type]
    outcomes = await asyncio.gather(*good, broken, return_exceptions=True)
    assert all(not isinstance(o, BaseException) and o.accepted and o.new_respondent for o in outcomes[:5])
    assert isinstance(outcomes[5], Exception)
    assert await repository.respondent_count(survey_id) == 5


@pytest.fixture(autouse=True)
def _quiet_batch_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("ERROR", logger="storage.ballot_writer")
