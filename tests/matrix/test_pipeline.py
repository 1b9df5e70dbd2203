"""The event pipeline without a homeserver: real nio events, the real SQLite state store.

A "crash" here is the pipeline being cancelled while an event is being handled, then a fresh pipeline
(the restarted process) receiving the same sync again, as the homeserver redelivers everything after
the last saved token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
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
