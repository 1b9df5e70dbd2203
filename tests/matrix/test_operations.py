"""Operations on a real Synapse: one syncing replica (PostgreSQL advisory lock) with fail-over, live
charts that replace (redact) their predecessor, and sends that survive 429 responses."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.matrix.plugin import MatrixAdapter
from bot.bootstrap import build_core, load_adapter
from bot.config import DatabaseConfig
from tests.matrix.bot import FakeRenderer, bot_config, keys, start_bot
from tests.matrix.helpers import command, room_history, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, event_type, join_all, people


async def until(predicate: object, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    async def wait() -> None:
        while not predicate():  # type: ignore[operator]  # noqa: ASYNC110 (bounded by wait_for below)
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)


async def test_only_one_replica_syncs_and_another_takes_over(
    homeserver: Homeserver, tmp_path: Path, pg_url: str
) -> None:
    bot_account = await homeserver.register("replbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    (organiser,) = await people(homeserver, "repl", 1)

    def config(name: str):  # type: ignore[no-untyped-def]
        settings = bot_config(
            homeserver, bot_account, tmp_path / name, organisers=keys(organiser), standby_retry_seconds=0.3
        )
        return replace(settings, database=DatabaseConfig(url=pg_url))

    first = await start_bot(config("a"))
    core_b = await build_core(config("b"), with_charts=False)
    second = load_adapter("matrix", core_b)
    assert isinstance(second, MatrixAdapter)
    task_b = asyncio.create_task(second.run())
    try:
        await until(lambda: second.standby)
        room = await organiser.create_room([me])
        await wait_bot_joined(organiser, room, me)
        mark = organiser.mark()
        opened = await command(organiser, room, me, '!canvass poll "Who syncs?" "A" "B" --k 3', "Opened")
        survey_id = survey_id_in(opened)
        assert second.client is None  # the standby never connected, so it cannot have answered
        assert second.standby

        await first.stop()  # the holder stops: its session ends and the lock with it
        await until(lambda: not second.standby and second.client is not None)
        closed = await command(organiser, room, me, f"!canvass close {survey_id}", "Closed")
        assert survey_id in closed
        replies = [body(e) for r, e in organiser.events[mark:] if r == room and e.sender == me]
        assert sum("Opened" in t for t in replies) == 1  # one replica answered the first command
    finally:
        await first.stop()
        await second.stop()
        await asyncio.gather(task_b, return_exceptions=True)
        await core_b.close()
        await organiser.close()


async def test_a_live_chart_replaces_and_redacts_the_previous_one(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("livebot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, *voters = await people(homeserver, "live", 7)
    bot = await start_bot(bot_config(
        homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)
    ), FakeRenderer())
    try:
        room = await organiser.create_room([me, *(p.user_id for p in voters)])
        await join_all(voters, room)
        await wait_bot_joined(organiser, room, me)
        await command(organiser, room, me, '!canvass poll "Live?" "Yes" "No" --live --k 3', "Opened")

        async def vote(person: Person) -> None:
            dm, start = await person.wait_for(
                lambda r, e: r != room and event_type(e) == POLL_START and "Live?" in body(e), timeout=60
            )
            mark = person.mark()
            await person.vote(dm, start.event_id, ["a1"])
            await person.wait_bot_text(me, "is recorded", after=mark, room=dm)

        def results_posts(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
            """The bot's chart images and results tables in the room."""
            return [
                e
                for e in history
                if e["type"] == "m.room.message"
                and e["sender"] == me
                and (not e["content"] or e["content"].get("msgtype") == "m.image" or "respondents:" in str(e))
            ]

        await asyncio.gather(*(vote(p) for p in voters[:3]))  # k reached: the first live chart
        await organiser.wait_bot_text(me, "respondents: 3", room=room, timeout=60)
        first_posts = results_posts(await room_history(organiser, room))
        assert len(first_posts) == 2  # an image and a table
        await asyncio.gather(*(vote(p) for p in voters[3:6]))  # k more: the chart is replaced
        await organiser.wait_bot_text(me, "respondents: 6", room=room, timeout=60)

        async def first_redacted() -> bool:
            history = {e["event_id"]: e for e in await room_history(organiser, room)}
            return all(not history[e["event_id"]]["content"] for e in first_posts)  # type: ignore[index]

        for _ in range(100):
            if await first_redacted():
                break
            await asyncio.sleep(0.1)
        history = await room_history(organiser, room)
        redacted = {e["event_id"] for e in history if e["type"] == "m.room.message" and not e["content"]}
        assert first_posts and {e["event_id"] for e in first_posts} <= redacted  # image and table both gone
        current = [e for e in results_posts(history) if e["content"]]
        assert [e["content"]["msgtype"] for e in current] == ["m.image", "m.notice"]  # one picture stays
        assert "respondents: 6" in current[1]["content"]["body"]
    finally:
        await bot.stop()
        await asyncio.gather(*(p.close() for p in (organiser, *voters)))


async def test_sends_rate_limited_with_429_all_arrive_once(
    homeserver: Homeserver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Synapse cannot be told to answer 429 at random, but its admin API can lower one user's message
    # rate: here the bot may send 2 events at once, then 2 per second. Sending an invitation and a
    # poll to 4 people (8 DMs) plus the room messages therefore hits real 429s with retry_after_ms.
    caplog.set_level(logging.INFO, logger="nio")
    admin = await homeserver.register("admin-" + tmp_path.name[-6:], admin=True)
    bot_account = await homeserver.register("slowbot-" + tmp_path.name[-6:])
    await homeserver.override_message_rate(admin, bot_account.user_id, per_second=2, burst=2)
    me = bot_account.user_id
    organiser, *voters = await people(homeserver, "slow", 5)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    try:
        room = await organiser.create_room([me, *(p.user_id for p in voters)])
        await join_all(voters, room)
        await wait_bot_joined(organiser, room, me)
        await command(organiser, room, me, '!canvass poll "Throttled?" "Yes" "No" --k 3', "Opened")
        for person in voters:
            await person.wait_for(
                lambda r, e: r != room and event_type(e) == POLL_START and "Throttled?" in body(e), timeout=60
            )
        assert any("429" in r.getMessage() for r in caplog.records), "no 429 was provoked"
        for person in voters:
            await person.sync(timeout_ms=0)
            starts = [e for r, e in person.events if r != room and event_type(e) == POLL_START]
            invitations = [e for r, e in person.events if r != room and "Please answer" in body(e)]
            assert len(starts) == 1 and len(invitations) == 1  # each DM sent once, none lost
    finally:
        await bot.stop()
        await asyncio.gather(*(p.close() for p in (organiser, *voters)))
