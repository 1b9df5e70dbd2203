"""SQLite's close in stages (storage/staged_seal.py): short transactions that let other surveys' votes
in, results that stay right at every stage, and a close a stopped process left part way finished at
start-up, once, with nothing left behind."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.engine import make_url

import storage.sealing as sealing
import storage.staged_seal as staged
from bot.clock import ManualClock
from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode, Status
from bot.results import ChoiceResult
from bot.service import Canvass
from storage.engine import create_engine
from storage.repository import SqlRepository
from tests.conftest import SECRET, START
from tests.factories import ORGANISER, survey_spec
from tests.storage.rawfiles import holding, raw_bytes

VOTERS = [Participant("console", f"voter{i}") for i in range(30)]
QUESTIONS = (QuestionSpec(QuestionKind.SINGLE, "Adopt?", ("Yes", "No")), QuestionSpec(QuestionKind.TEXT, "Why?"))


@asynccontextmanager
async def core(url: str) -> AsyncIterator[tuple[Canvass, SqlRepository]]:
    repository = SqlRepository(create_engine(url))
    try:
        yield Canvass(repository, ManualClock(START), SECRET, frozenset({"console:organiser"})), repository
    finally:
        await repository.dispose()


async def voted_survey(service: Canvass) -> str:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3))
    await service.open_survey(ORGANISER, survey.id, VOTERS)
    yes, why = (q.id for q in survey.questions)
    for i, voter in enumerate(VOTERS):
        await service.submit(voter, survey.id, {yes: 0 if i % 3 == 0 else 1, why: f"reason {i}"})
    return survey.id


def rows(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(str(make_url(url).database)) as conn:
        return conn.execute(sql, args).fetchall()


def left_of(url: str, survey_id: str) -> dict[str, int]:
    """What of the survey's slots, roster and key is still stored."""
    counts = {
        table: rows(url, f"SELECT count(*) FROM {table} WHERE survey_id = ?", survey_id)[0][0]
        for table in ("survey_keys", "responded", "drafts", "roster", "eligible", "delegation_members")
    }
    of_survey = "question_id IN (SELECT id FROM questions WHERE survey_id = ?)"
    counts["ballots"] = rows(url, f"SELECT count(*) FROM ballots WHERE {of_survey}", survey_id)[0][0]
    return {table: count for table, count in counts.items() if count}


def sealed_count(url: str, survey_id: str) -> int:
    """How many ballots the survey's sealed tallies count."""
    of_survey = "question_id IN (SELECT id FROM questions WHERE survey_id = ?)"
    query = f"SELECT coalesce(sum(tally), 0) FROM sealed_ballots WHERE {of_survey}"
    return int(rows(url, query, survey_id)[0][0])  # type: ignore[call-overload]


def stage(url: str, survey_id: str) -> int:
    return int(rows(url, "SELECT seal_stage FROM surveys WHERE id = ?", survey_id)[0][0])  # type: ignore[call-overload]


EXPECTED = (10, 20)  # Yes, No: every third voter says yes


async def assert_sealed_whole(url: str, service: Canvass, survey_id: str) -> None:
    """Nothing of the survey's slots, roster or key is left, and its tallies count every ballot."""
    assert left_of(url, survey_id) == {}
    assert sealed_count(url, survey_id) == 2 * len(VOTERS)
    assert await tally(service, survey_id) == EXPECTED


class ProcessStopped(BaseException):
    """Stands for the process ending at that point (a kill, a power cut): nothing in it is caught."""


async def tally(service: Canvass, survey_id: str) -> tuple[int, ...]:
    first = (await service.results(ORGANISER, survey_id)).questions[0]
    assert isinstance(first, ChoiceResult)
    return tuple(option.count for option in first.options)


async def close_stopped_before_the_copy(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A voted survey whose close stopped after its first transaction (the process ended there)."""

    def stopped(_conn: sqlite3.Connection, _survey_id: str) -> None:
        raise ProcessStopped

    async with core(url) as (service, _repository):
        survey_id = await voted_survey(service)
        monkeypatch.setattr(staged, "_copy", stopped)
        with pytest.raises(ProcessStopped):
            await service.close_survey(ORGANISER, survey_id)
        monkeypatch.undo()
        # Closed, the key salt gone, nothing sealed yet: the results count the ballots themselves.
        assert stage(url, survey_id) == staged.COPYING
        assert "survey_keys" not in left_of(url, survey_id)
        assert sealed_count(url, survey_id) == 0
        assert await tally(service, survey_id) == EXPECTED
    return survey_id


async def test_a_close_stopped_before_its_copy_is_finished_at_start_up(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey_id = await close_stopped_before_the_copy(sqlite_url, monkeypatch)
    async with core(sqlite_url) as (service, repository):
        assert await repository.finish_interrupted_seals() == [survey_id]
        assert left_of(sqlite_url, survey_id) == {}
        assert sealed_count(sqlite_url, survey_id) == 2 * len(VOTERS)
        assert stage(sqlite_url, survey_id) == staged.DONE
        assert await tally(service, survey_id) == EXPECTED
        assert await repository.finish_interrupted_seals() == []


async def test_a_close_stopped_while_deleting_goes_on_deleting_and_seals_once(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staged, "CHUNK_ROWS", 7)
    real = staged._delete_chunk
    calls = 0

    def stops_in_the_ballots(conn: sqlite3.Connection, job: tuple[str, str, tuple[str, ...], str]) -> bool:
        nonlocal calls
        if job[0] == "ballots":
            calls += 1
            if calls == 2:
                raise ProcessStopped
        return real(conn, job)

    async with core(sqlite_url) as (service, _repository):
        survey_id = await voted_survey(service)
        monkeypatch.setattr(staged, "_delete_chunk", stops_in_the_ballots)
        with pytest.raises(ProcessStopped):
            await service.close_survey(ORGANISER, survey_id)
        monkeypatch.setattr(staged, "_delete_chunk", real)
        assert stage(sqlite_url, survey_id) == staged.DELETING
        assert left_of(sqlite_url, survey_id)  # part deleted, part left
        assert sealed_count(sqlite_url, survey_id) == 2 * len(VOTERS)
        assert await tally(service, survey_id) == EXPECTED
    async with core(sqlite_url) as (service, repository):
        assert await repository.finish_interrupted_seals() == [survey_id]
        await assert_sealed_whole(sqlite_url, service, survey_id)


async def test_two_processes_finishing_one_close_copy_its_ballots_once(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey_id = await close_stopped_before_the_copy(sqlite_url, monkeypatch)
    async with core(sqlite_url) as (_one, first), core(sqlite_url) as (_other, second):
        await asyncio.gather(first.finish_interrupted_seals(), second.finish_interrupted_seals())
    assert sealed_count(sqlite_url, survey_id) == 2 * len(VOTERS)
    assert left_of(sqlite_url, survey_id) == {}
    assert stage(sqlite_url, survey_id) == staged.DONE


async def test_votes_to_other_surveys_commit_while_a_close_deletes(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-transaction close held the write lock (and the ballot writer's gate) from its first
    delete to its last; now the deletes are short transactions and votes commit in between."""
    monkeypatch.setattr(staged, "CHUNK_ROWS", 3)
    async with core(sqlite_url) as (service, repository):
        survey_id = await voted_survey(service)
        other = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS[:1], k=3))
        await service.open_survey(ORGANISER, other.id, VOTERS)
        writer_commits_at_each_delete: list[int] = []
        real = staged._delete_chunk

        def recording(conn: sqlite3.Connection, job: tuple[str, str, tuple[str, ...], str]) -> bool:
            writer_commits_at_each_delete.append(repository._writer.commits)
            return real(conn, job)

        monkeypatch.setattr(staged, "_delete_chunk", recording)
        closing = asyncio.create_task(service.close_survey(ORGANISER, survey_id))
        turn = 0
        while not closing.done():
            await service.submit(VOTERS[turn % len(VOTERS)], other.id, {other.questions[0].id: turn % 2})
            turn += 1
        await closing
        assert len(writer_commits_at_each_delete) > 20  # 30 slots, roster rows... in threes
        assert writer_commits_at_each_delete[-1] > writer_commits_at_each_delete[0]
        assert left_of(sqlite_url, survey_id) == {}


async def test_a_close_that_fails_in_a_running_process_is_finished_there(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault part way (a lock held past the timeout, a disk error) must not leave the slots, the roster
    and the deleted salt in the files of a bot that runs for weeks: it retries, then scrubs."""
    monkeypatch.setattr(sealing, "RETRY_FIRST_SECONDS", 0.01)
    real = staged._delete_chunk
    failures = 0

    def fails_twice(conn: sqlite3.Connection, job: tuple[str, str, tuple[str, ...], str]) -> bool:
        nonlocal failures
        if failures < 2:
            failures += 1
            raise sqlite3.OperationalError("database is locked")
        return real(conn, job)

    async with core(sqlite_url) as (service, _repository):
        survey_id = await voted_survey(service)
        monkeypatch.setattr(staged, "_delete_chunk", fails_twice)
        closed = await service.close_survey(ORGANISER, survey_id)  # the close stands; no error to the organiser
        assert closed.status is Status.CLOSED
        assert await tally(service, survey_id) == EXPECTED
        for _ in range(500):
            if not left_of(sqlite_url, survey_id) and stage(sqlite_url, survey_id) == staged.DONE:
                break
            await asyncio.sleep(0.01)
        assert left_of(sqlite_url, survey_id) == {}
        assert stage(sqlite_url, survey_id) == staged.DONE
        ids = [v.user_id for v in VOTERS]
        for _ in range(500):  # the retry's scrub follows its last delete
            if not holding(raw_bytes(sqlite_url), ids):
                break
            await asyncio.sleep(0.01)
        assert holding(raw_bytes(sqlite_url), ids) == []
        assert await tally(service, survey_id) == EXPECTED


async def test_a_live_surveys_publication_history_is_deleted_by_the_stages(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-ballot history of a live survey holds slots. SQLite deletes it in the short transactions
    after the first one (which holds the write lock), and a close stopped before that finishes it."""
    monkeypatch.setattr(staged, "CHUNK_ROWS", 4)
    real = staged._delete_chunk

    def stops_before_any_delete(_conn: sqlite3.Connection, _job: tuple[str, str, tuple[str, ...], str]) -> bool:
        raise ProcessStopped

    of_survey = "question_id IN (SELECT id FROM questions WHERE survey_id = ?)"
    async with core(sqlite_url) as (service, _repository):
        service.live_refresh_seconds = 0
        survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3, mode=ResultsMode.LIVE))
        await service.open_survey(ORGANISER, survey.id, VOTERS)
        yes, why = (q.id for q in survey.questions)
        for i, voter in enumerate(VOTERS[:12]):
            await service.submit(voter, survey.id, {yes: i % 2, why: f"reason {i}"})
            if i % 4 == 3:
                await service.settle()
        history = rows(sqlite_url, f"SELECT count(*) FROM published_ballots WHERE {of_survey}", survey.id)[0][0]
        assert history >= 12  # every ballot, at each publication where it changed
        monkeypatch.setattr(staged, "_delete_chunk", stops_before_any_delete)
        with pytest.raises(ProcessStopped):
            await service.close_survey(ORGANISER, survey.id)
        monkeypatch.setattr(staged, "_delete_chunk", real)
        left = rows(sqlite_url, f"SELECT count(*) FROM published_ballots WHERE {of_survey}", survey.id)[0][0]
        assert left == history  # the first transaction no longer deletes it
    async with core(sqlite_url) as (_service, repository):
        assert await repository.finish_interrupted_seals() == [survey.id]
    assert rows(sqlite_url, f"SELECT count(*) FROM published_ballots WHERE {of_survey}", survey.id)[0][0] == 0
    assert left_of(sqlite_url, survey.id) == {}


async def test_a_tally_that_fails_in_a_running_process_is_taken_again_there(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stage 1 fails (its count, beside the deletes): nothing is sealed, the results count the ballots,
    and the retry counts again, seals once and deletes the rest."""
    monkeypatch.setattr(sealing, "RETRY_FIRST_SECONDS", 0.01)
    real = staged._tally
    failures = 0

    def fails_once(conn: sqlite3.Connection, survey_id: str) -> None:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise sqlite3.OperationalError("disk I/O error")
        real(conn, survey_id)

    async with core(sqlite_url) as (service, _repository):
        survey_id = await voted_survey(service)
        monkeypatch.setattr(staged, "_tally", fails_once)
        await service.close_survey(ORGANISER, survey_id)
        assert await tally(service, survey_id) == EXPECTED
        for _ in range(500):
            if stage(sqlite_url, survey_id) == staged.DONE:
                break
            await asyncio.sleep(0.01)
        assert stage(sqlite_url, survey_id) == staged.DONE and failures == 1
        await assert_sealed_whole(sqlite_url, service, survey_id)


async def test_a_live_survey_closed_before_its_first_snapshot_publishes_nothing_after(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh that read its hint before the close runs after it, while the stages still hold the
    ballots: it must not publish, nor write per-ballot history (slots) for a closed survey."""

    def stopped(_conn: sqlite3.Connection, _survey_id: str) -> None:
        raise ProcessStopped

    of_survey = "question_id IN (SELECT id FROM questions WHERE survey_id = ?)"
    async with core(sqlite_url) as (service, repository):
        service.live_refresh_seconds = 0  # refreshes run at once, so that settle() below ends
        survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3, mode=ResultsMode.LIVE))
        await service.open_survey(ORGANISER, survey.id, VOTERS)
        yes, why = (q.id for q in survey.questions)
        for i, voter in enumerate(VOTERS[:9]):
            await service.submit(voter, survey.id, {yes: i % 2, why: f"reason {i}"})
        await service.settle()
        # As if its first refresh had not run yet: the survey has no snapshot row for the close to freeze.
        with sqlite3.connect(str(make_url(sqlite_url).database)) as conn:
            conn.execute("DELETE FROM live_snapshots WHERE survey_id = ?", (survey.id,))
        monkeypatch.setattr(staged, "_copy", stopped)
        with pytest.raises(ProcessStopped):
            await service.close_survey(ORGANISER, survey.id)
        monkeypatch.undo()
        published = await repository.publish_live(survey.id, [yes, why], 3, lambda step: "{}")
        assert published is None
        assert rows(sqlite_url, f"SELECT count(*) FROM published_ballots WHERE {of_survey}", survey.id)[0][0] == 0
