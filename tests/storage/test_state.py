"""Adapter state: per-survey keys die with the survey's close; handled event ids are purged after
`keep_seen` (issue 10, leftovers)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain import QuestionKind, QuestionSpec
from bot.service import Canvass
from storage.base import state as state_table
from storage.engine import create_engine
from storage.repository import SqlRepository
from storage.state import SqlStateStore
from tests.conftest import START
from tests.factories import ORGANISER, survey_spec
from tests.storage.rawfiles import holding, raw_bytes


async def test_per_survey_state_is_deleted_inside_the_seal_and_other_state_is_kept(
    service: Canvass, repository: SqlRepository, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    state = SqlStateStore(repository.engine)
    spec = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q"),), k=3)
    closing = await service.create_survey(ORGANISER, spec)
    other = await service.create_survey(ORGANISER, spec)
    await service.open_survey(ORGANISER, closing.id)
    # What a Matrix adapter keeps per poll: enough to rebuild who was asked.
    roster_trace = '{"@StateCanaryAlice:example.org": "$dm1", "@StateCanaryBob:example.org": "$dm2"}'
    await state.set_state(f"survey:{closing.id}:matrix.poll.$start", roster_trace)
    await state.set_state(f"survey:{other.id}:matrix.poll.$start", "kept")
    await state.set_state("matrix.sync_token", "s123")
    await state.set_state(f"survey:{closing.id}x:lookalike", "kept")  # a longer id, not this survey's

    await service.close_survey(ORGANISER, closing.id)

    assert await state.get_state(f"survey:{closing.id}:matrix.poll.$start") is None
    assert await state.get_state(f"survey:{other.id}:matrix.poll.$start") == "kept"
    assert await state.get_state("matrix.sync_token") == "s123"
    assert await state.get_state(f"survey:{closing.id}x:lookalike") == "kept"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # the scrub completed
    assert holding(raw_bytes(db_url), ["StateCanaryAlice", "StateCanaryBob"]) == []


async def test_cleanup_state_outlives_the_seal_until_the_adapter_deletes_it(
    service: Canvass, repository: SqlRepository, db_url: str
) -> None:
    state = SqlStateStore(repository.engine)
    spec = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q"),), k=3)
    first = await service.create_survey(ORGANISER, spec)
    second = await service.create_survey(ORGANISER, spec)
    for survey in (first, second):
        await service.open_survey(ORGANISER, survey.id)
    await state.set_state(f"cleanup:{first.id}:slack.dms.0", '[["DCleanupCanary", "1.2"]]')

    await service.close_survey(ORGANISER, first.id)
    assert await state.get_state(f"cleanup:{first.id}:slack.dms.0") is not None  # still to be deleted

    await state.delete_state(f"cleanup:{first.id}:slack.dms.0")  # the adapter's clean-up is done
    assert await state.get_state(f"cleanup:{first.id}:slack.dms.0") is None
    await service.close_survey(ORGANISER, second.id)  # the next close scrubs the files
    assert holding(raw_bytes(db_url), ["DCleanupCanary"]) == []


async def test_seen_events_are_kept_for_keep_seen_then_purged(db_url: str) -> None:
    now = [START]
    engine = create_engine(db_url)
    try:
        state = SqlStateStore(engine, keep_seen=timedelta(days=7), now=lambda: now[0])
        old, new = f"$old-{db_url[-6:]}", f"$new-{db_url[-6:]}"
        assert await state.first_sighting(old)
        now[0] = START + timedelta(days=6)
        assert not await state.first_sighting(old)  # redelivered within the window: recognised
        now[0] = START + timedelta(days=8)
        assert await state.first_sighting(new)  # this sighting runs the hourly purge
        assert not await state.has_seen(old)
        assert await state.has_seen(new)
        assert await state.purge_seen() == 0
    finally:
        await engine.dispose()


async def test_sightings_and_state_writes_arriving_together_share_transactions(repository: SqlRepository) -> None:
    """A plenary's burst: 60 events marked seen and 60 conversations moved on at once, one event twice."""
    from sqlalchemy import event

    state = SqlStateStore(repository.engine)
    await state.first_sighting("$warm")  # the first sighting after a start also purges: out of the count
    commits = []
    event.listen(repository.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    sightings = [state.first_sighting(f"$e{i}") for i in range(60)] + [state.first_sighting("$e0")]
    writes = [state.set_state(f"progress:{i}", str(i)) for i in range(60)] + [state.set_state("progress:0", "last")]
    firsts = (await asyncio.gather(*sightings, *writes))[:61]
    assert firsts[:60] == [True] * 60 and firsts[60] is False  # the repeat is not a first sighting
    assert len(commits) < 30  # 122 writes, far fewer transactions
    assert await state.get_state("progress:0") == "last"  # a later write of a key wins, as it would alone
    assert await state.get_state("progress:59") == "59"
    assert not await state.first_sighting("$e59")
    assert await state.has_seen("$e30")


@asynccontextmanager
async def state_writer_held(repository: SqlRepository, state: SqlStateStore) -> AsyncIterator[asyncio.Event]:
    """Holds up the state store's next write batch, as a slow transaction would: on SQLite by holding
    its one writer connection, on PostgreSQL by locking the row that batch writes ("held")."""
    release = asyncio.Event()
    busy = asyncio.Event()
    await state.set_state("held", "0")

    async def hold() -> None:
        async with repository.engine.begin() as conn:
            if repository.dialect == "postgresql":
                await conn.execute(select(state_table.c.key).where(state_table.c.key == "held").with_for_update())
            busy.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await busy.wait()
    blocked = asyncio.create_task(state.set_state("held", "1"))  # this batch waits for the holder
    await asyncio.sleep(0.05)
    try:
        yield release
    finally:
        release.set()
        await asyncio.gather(holder, blocked)


async def test_a_write_called_before_a_delete_never_lands_after_it(repository: SqlRepository) -> None:
    state = SqlStateStore(repository.engine)
    async with state_writer_held(repository, state) as release:
        leftover = asyncio.create_task(state.set_state("cleanup:s1:dms.0", '[["D-canary", "1.2"]]'))
        await asyncio.sleep(0.05)  # queued behind the held batch
        deleting = asyncio.create_task(state.delete_state_prefix("cleanup:s1:"))  # called after the set
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(leftover, deleting)
    assert await state.get_state("cleanup:s1:dms.0") is None


async def test_a_per_survey_write_queued_before_the_close_does_not_outlive_the_seal(
    service: Canvass, repository: SqlRepository
) -> None:
    state = SqlStateStore(repository.engine)
    survey = await service.create_survey(ORGANISER, survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q"),), k=3))
    await service.open_survey(ORGANISER, survey.id)
    key = f"survey:{survey.id}:matrix.next.!dm-canary:example.org"  # a DM room: who was asked
    async with state_writer_held(repository, state) as release:
        step = asyncio.create_task(state.set_state(key, '{"q": -1}'))
        await asyncio.sleep(0.05)
        closing = asyncio.create_task(service.close_survey(ORGANISER, survey.id))  # starts after the set
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(step, closing)
    assert await state.get_state(key) is None
    await state.set_state(f"cleanup:{survey.id}:dms", "kept")  # what adapters clean up after a close
    assert await state.get_state(f"cleanup:{survey.id}:dms") == "kept"


async def test_seen_among_answers_for_many_ids_at_once(repository: SqlRepository) -> None:
    store = SqlStateStore(repository.engine)  # both databases
    ids = [f"$many{i}" for i in range(1200)]  # more than one statement's worth of parameters
    for event_id in ids[::2]:
        await store.first_sighting(event_id)
    assert await store.seen_among([*ids, *ids[:10]]) == set(ids[::2])
    assert await store.seen_among([]) == set()


async def test_a_sighting_stands_when_the_purge_after_it_fails(repository: SqlRepository) -> None:
    store = SqlStateStore(repository.engine)

    async def failing_purge() -> int:
        raise RuntimeError("database is locked")

    store.purge_seen = failing_purge  # type: ignore[method-assign]
    assert await store.first_sighting("$purge-fails")  # stored: a command is then handled, not dropped
    assert await store.has_seen("$purge-fails")
