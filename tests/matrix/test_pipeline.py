"""The event pipeline without a homeserver: real nio events, the real SQLite state store.

A "crash" here is the pipeline being cancelled while an event is being handled, then a fresh pipeline
(the restarted process) receiving the same sync again, as the homeserver redelivers everything after
the last saved token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from nio import Event

from adapters.matrix import polls
from adapters.matrix.pipeline import EventPipeline
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import SqlStateStore

TOKEN = "matrix.sync_token"
BOT = "@bot:localhost"


def event(event_id: str, sender: str, kind: str, content: dict[str, Any]) -> Event:
    source = {
        "event_id": event_id,
        "sender": sender,
        "type": kind,
        "origin_server_ts": 1,
        "content": content,
    }
    return Event.parse_event(source)


def vote(event_id: str, sender: str) -> Event:
    content = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": "$start"},
        "org.matrix.msc3381.poll.response": {"answers": ["a1"]},
    }
    return event(event_id, sender, "org.matrix.msc3381.poll.response", content)


def text(event_id: str, sender: str, body: str) -> Event:
    return event(event_id, sender, "m.room.message", {"msgtype": "m.text", "body": body})


def replay_safe(e: Event) -> bool:
    return e.source.get("type") in polls.RESPONSE_TYPES


@pytest.fixture
async def state(tmp_path: Path) -> AsyncIterator[SqlStateStore]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    upgrade(url)
    engine = create_engine(url)
    yield SqlStateStore(engine)
    await engine.dispose()


class Recorder:
    def __init__(self, block_on: str | None = None) -> None:
        self.handled: list[str] = []
        self.block_on = block_on
        self.blocked = asyncio.Event()

    async def __call__(self, room_id: str, e: Event) -> None:
        if e.event_id == self.block_on:
            self.blocked.set()
            await asyncio.Event().wait()  # stuck here until the "crash"
        self.handled.append(e.event_id)


async def run_batch(pipeline: EventPipeline, token: str, events: list[tuple[str, Event]]) -> None:
    committer = asyncio.create_task(pipeline.commit_tokens())
    pipeline.submit(token, events)
    try:
        for _ in range(1000):  # at most ~10 s: the token is saved once the batch is handled
            if await pipeline.state.get_state(TOKEN) == token:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the batch's token was never saved")
    finally:
        committer.cancel()
        await asyncio.gather(committer, return_exceptions=True)


async def crash_during(pipeline: EventPipeline, recorder: Recorder, events: list[tuple[str, Event]]) -> None:
    committer = asyncio.create_task(pipeline.commit_tokens())
    pipeline.submit("s1", events)
    await asyncio.wait_for(recorder.blocked.wait(), timeout=10)
    await asyncio.sleep(0.05)  # let the other rooms' events finish
    committer.cancel()
    await asyncio.gather(committer, return_exceptions=True)
    await pipeline.cancel(grace=0)  # a crash: nothing in flight gets to finish


async def test_a_vote_in_flight_at_a_crash_is_handled_after_the_restart(state: SqlStateStore) -> None:
    events = [("!dm1", vote("$v1", "@a:localhost")), ("!dm2", vote("$v2", "@b:localhost"))]
    first = Recorder(block_on="$v1")
    await crash_during(EventPipeline(state, BOT, first, replay_safe, TOKEN), first, events)
    assert first.handled == ["$v2"]
    assert await state.get_state(TOKEN) is None  # the batch was not finished: its token is not saved

    second = Recorder()
    await run_batch(EventPipeline(state, BOT, second, replay_safe, TOKEN), "s1", events)
    assert second.handled == ["$v1"]  # handled now; $v2 is not handled twice


async def test_a_command_in_flight_at_a_crash_is_never_replayed(state: SqlStateStore) -> None:
    events = [("!room", text("$c1", "@chair:localhost", "!canvass close abc"))]
    first = Recorder(block_on="$c1")
    await crash_during(EventPipeline(state, BOT, first, replay_safe, TOKEN), first, events)

    second = Recorder()
    await run_batch(EventPipeline(state, BOT, second, replay_safe, TOKEN), "s1", events)
    assert second.handled == []


async def test_rooms_run_in_parallel_but_each_room_in_order(state: SqlStateStore) -> None:
    order: list[str] = []
    release = asyncio.Event()

    async def handle(room_id: str, e: Event) -> None:
        if e.event_id == "$slow":
            await release.wait()  # a room stuck on a slow reply
        order.append(e.event_id)
        if e.event_id == "$b2":
            release.set()  # only reachable if room B was not held up behind room A

    events = [
        ("!a", text("$slow", "@a:localhost", "1")),
        ("!a", text("$a2", "@a:localhost", "2")),
        ("!b", vote("$b1", "@b:localhost")),
        ("!b", text("$b2", "@b:localhost", "3")),
        ("!b", vote("$mine", BOT)),  # the bot's own events are skipped
    ]
    await asyncio.wait_for(run_batch(EventPipeline(state, BOT, handle, replay_safe, TOKEN), "s9", events), 10)
    assert order == ["$b1", "$b2", "$slow", "$a2"]


async def test_the_same_events_delivered_twice_are_handled_once(state: SqlStateStore) -> None:
    recorder = Recorder()
    pipeline = EventPipeline(state, BOT, recorder, replay_safe, TOKEN)
    events = [("!dm", vote("$v", "@a:localhost")), ("!dm", text("$t", "@a:localhost", "hi"))]
    await run_batch(pipeline, "s1", events)
    await run_batch(pipeline, "s2", events)
    assert recorder.handled == ["$v", "$t"]


class CountingState:
    """The real store, counting the seen-event reads the pipeline makes."""

    def __init__(
        self,
        state: SqlStateStore,
        batch_read_fails: bool = False,
        single_reads_failing: int = 0,
        marks_failing: int = 0,
        token_saves_failing: int = 0,
    ) -> None:
        self._state = state
        self.batch_read_fails = batch_read_fails
        self.single_reads_failing = single_reads_failing
        self.marks_failing = marks_failing
        self.token_saves_failing = token_saves_failing
        self.batch_reads_done = 0
        self.single_reads = 0
        self.batch_reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)

    async def has_seen(self, event_id: str) -> bool:
        self.single_reads += 1
        if self.single_reads <= self.single_reads_failing:
            raise RuntimeError("the database is locked")
        return await self._state.has_seen(event_id)

    async def seen_among(self, event_ids: Sequence[str]) -> set[str]:
        self.batch_reads += 1
        if self.batch_read_fails:
            raise RuntimeError("the database is away")
        found = await self._state.seen_among(event_ids)
        self.batch_reads_done += 1
        return found

    async def first_sighting(self, event_id: str) -> bool:
        if self.marks_failing > 0:
            self.marks_failing -= 1
            raise RuntimeError("the database is locked")
        return await self._state.first_sighting(event_id)

    async def set_state(self, key: str, value: str) -> None:
        if key == TOKEN and self.token_saves_failing > 0:
            self.token_saves_failing -= 1
            raise RuntimeError("the database is locked")
        await self._state.set_state(key, value)


async def test_a_burst_of_answers_is_checked_against_the_seen_events_in_one_read(state: SqlStateStore) -> None:
    for i in range(10):  # handled before a restart, redelivered now
        await state.first_sighting(f"$v{i}")
    counting = CountingState(state)
    recorder = Recorder()
    events = [(f"!dm{i}", vote(f"$v{i}", f"@p{i}:localhost")) for i in range(30)]
    await run_batch(EventPipeline(counting, BOT, recorder, replay_safe, TOKEN), "s1", events)  # type: ignore[arg-type]
    assert sorted(recorder.handled) == sorted(f"$v{i}" for i in range(10, 30))
    assert (counting.batch_reads, counting.single_reads) == (1, 0)
    assert await state.seen_among([f"$v{i}" for i in range(30)]) == {f"$v{i}" for i in range(30)}


async def test_when_the_batch_read_fails_each_answer_is_checked_on_its_own(state: SqlStateStore) -> None:
    await state.first_sighting("$old")
    counting = CountingState(state, batch_read_fails=True)
    recorder = Recorder()
    events = [("!a", vote("$old", "@a:localhost")), ("!b", vote("$new", "@b:localhost"))]
    await run_batch(EventPipeline(counting, BOT, recorder, replay_safe, TOKEN), "s1", events)  # type: ignore[arg-type]
    assert recorder.handled == ["$new"]
    assert (counting.batch_reads, counting.single_reads) == (1, 2)


async def test_an_answer_whose_check_fails_once_is_still_counted(state: SqlStateStore) -> None:
    counting = CountingState(state, batch_read_fails=True, single_reads_failing=1)
    recorder = Recorder()
    events = [("!a", vote("$v", "@a:localhost"))]
    await run_batch(EventPipeline(counting, BOT, recorder, replay_safe, TOKEN), "s1", events)  # type: ignore[arg-type]
    assert recorder.handled == ["$v"]  # tried again, not lost behind a saved token
    assert await state.has_seen("$v")


async def test_an_answer_redelivered_while_it_is_still_being_handled_counts_once(state: SqlStateStore) -> None:
    release = asyncio.Event()
    handled: list[str] = []

    async def slow_first(room_id: str, e: Event) -> None:
        if e.event_id == "$v" and not handled:
            await release.wait()  # the first delivery is still being handled...
        handled.append(e.event_id)

    counting = CountingState(state)
    pipeline = EventPipeline(counting, BOT, slow_first, replay_safe, TOKEN)  # type: ignore[arg-type]
    committer = asyncio.create_task(pipeline.commit_tokens())
    try:
        pipeline.submit("s1", [("!dm", vote("$v", "@a:localhost"))])
        # ...when an overlapping sync delivers it again, with a new answer from someone else.
        pipeline.submit("s2", [("!dm", vote("$v", "@a:localhost")), ("!dm2", vote("$w", "@b:localhost"))])
        await wait_until(lambda: counting.batch_reads_done == 2)  # both reads found $v not yet marked
        release.set()
        await wait_until_saved(state, "s2")
        assert sorted(handled) == ["$v", "$w"]  # $v once
    finally:
        committer.cancel()
        await asyncio.gather(committer, return_exceptions=True)


async def wait_until(condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def wait_until_saved(state: SqlStateStore, token: str) -> None:
    for _ in range(1000):
        if await state.get_state(TOKEN) == token:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the token {token} was never saved")


async def test_a_batch_cut_short_by_a_stop_does_not_save_its_token(state: SqlStateStore) -> None:
    recorder = Recorder(block_on="$v1")
    pipeline = EventPipeline(state, BOT, recorder, replay_safe, TOKEN)
    committer = asyncio.create_task(pipeline.commit_tokens())  # running, as in SyncLoop.run
    events = [("!dm1", vote("$v1", "@a:localhost")), ("!dm2", vote("$v2", "@b:localhost"))]
    pipeline.submit("s1", events)
    await asyncio.wait_for(recorder.blocked.wait(), timeout=10)
    await wait_until(lambda: "$v2" in recorder.handled)
    for _ in range(1000):  # the other room's answer is marked before the stop
        if await state.has_seen("$v2"):
            break
        await asyncio.sleep(0.01)
    await pipeline.cancel(grace=0)  # a stop whose grace ran out: $v1 is not handled
    await asyncio.wait_for(committer, 5)  # the token writer stops, without saving this batch's token
    assert await state.get_state(TOKEN) is None  # so the homeserver delivers $v1 again after the restart
    second = Recorder()
    await run_batch(EventPipeline(state, BOT, second, replay_safe, TOKEN), "s1", events)
    assert second.handled == ["$v1"]


async def test_an_answer_whose_marking_fails_once_is_handled_once(state: SqlStateStore) -> None:
    counting = CountingState(state, marks_failing=1)
    recorder = Recorder()
    await run_batch(
        EventPipeline(counting, BOT, recorder, replay_safe, TOKEN), "s1", [("!a", vote("$v", "@a:localhost"))]
    )  # type: ignore[arg-type]
    assert recorder.handled == ["$v"]  # marked on the retry, not handled (and confirmed) a second time
    assert await state.has_seen("$v")


async def test_a_failed_save_of_the_sync_token_is_tried_again(state: SqlStateStore) -> None:
    counting = CountingState(state, token_saves_failing=1)
    recorder = Recorder()
    pipeline = EventPipeline(counting, BOT, recorder, replay_safe, TOKEN)  # type: ignore[arg-type]
    await run_batch(pipeline, "s1", [("!a", vote("$v", "@a:localhost"))])
    await run_batch(pipeline, "s2", [("!b", vote("$w", "@b:localhost"))])  # the writer kept going
    assert recorder.handled == ["$v", "$w"]
