"""Bursts while the bot is down, and a homeserver restart mid-survey: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path

import pytest

from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, event_type, join_all, people


async def poll_start(person: Person, room: str, text: str) -> tuple[str, str]:
    dm, start = await person.wait_for(
        lambda r, e: r != room and event_type(e) == POLL_START and text in body(e), timeout=90
    )
    return dm, start.event_id


async def test_burst_while_the_bot_is_down_counts_every_answer_once(
    homeserver: Homeserver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.matrix.sync")
    bot_account = await homeserver.register("burstbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, *crowd = await people(homeserver, "burst", 51)
    # One event per room per sync: the burst below leaves gaps that only /messages can fill.
    config = bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser), sync_timeline_limit=1)
    bot = await start_bot(config)
    try:
        room = await organiser.create_room([me])
        await asyncio.gather(*(organiser.client.room_invite(room, p.user_id) for p in crowd))
        await join_all(crowd, room)
        await wait_bot_joined(organiser, room, me)
        # Opening creates 50 DM rooms before it answers: slow on a loaded machine.
        opened = await command(organiser, room, me, '!canvass poll "Burst?" "A" "B" "C" --k 3', "Opened", timeout=90)
        survey_id = survey_id_in(opened)
        starts = await asyncio.gather(*(poll_start(p, room, "Burst?") for p in crowd))

        await bot.stop()

        async def answer(i: int, person: Person, dm: str, start: str) -> None:
            await person.vote(dm, start, [f"a{i % 3 + 1}"])
            # A trailing event, so that the vote is not the last thing in the room.
            await person.client.room_send(
                dm,
                "m.reaction",
                {"m.relates_to": {"rel_type": "m.annotation", "event_id": start, "key": "👍"}},
            )

        marks = [p.mark() for p in crowd]
        await asyncio.gather(
            *(answer(i, p, dm, start) for i, (p, (dm, start)) in enumerate(zip(crowd, starts, strict=True)))
        )

        caplog.clear()
        bot = await start_bot(config)
        await asyncio.gather(
            *(
                p.wait_bot_text(me, "is recorded", after=m, timeout=90)
                for p, m in zip(crowd, marks, strict=True)
            )
        )
        assert await bot.core.repository.respondent_count(survey_id) == 50
        # The votes sat behind gaps in the limited sync: they were recovered through /messages.
        assert any(
            "backfilled" in r.getMessage() and not r.getMessage().startswith("matrix: backfilled 0")
            for r in caplog.records
        )
        closed = await command(organiser, room, me, f"!canvass close {survey_id}", "Closed")
        assert "with 50 respondents" in closed
        results = await bot.core.service.results(None, survey_id)
        counts = {o.label: o.count for o in results.questions[0].options}  # type: ignore[union-attr]
        assert counts == dict(Counter("ABC"[i % 3] for i in range(50)))
        for person, mark, (dm, _) in zip(crowd, marks, starts, strict=True):
            replies = [body(e) for r, e in person.events[mark:] if r == dm and e.sender == me]
            assert sum("is recorded" in t for t in replies) == 1 and not any(
                "is changed" in t for t in replies
            )
    finally:
        await bot.stop()
        await asyncio.gather(*(p.close() for p in (organiser, *crowd)))


async def test_homeserver_restart_mid_survey_loses_nothing(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("hsbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, *voters = await people(homeserver, "hsr", 5)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    try:
        room = await organiser.create_room([me, *(p.user_id for p in voters)])
        await join_all(voters, room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(
            await command(organiser, room, me, '!canvass poll "Restart?" "Yes" "No" --k 3', "Opened")
        )
        starts = await asyncio.gather(*(poll_start(p, room, "Restart?") for p in voters))

        async def vote(person: Person, dm: str, start: str, answer: str) -> None:
            mark = person.mark()
            await person.vote(dm, start, [answer])
            await person.wait_bot_text(me, "is recorded", after=mark, room=dm, timeout=90)

        await asyncio.gather(
            *(vote(p, dm, s, "a1") for p, (dm, s) in zip(voters[:2], starts[:2], strict=True))
        )
        await asyncio.to_thread(homeserver.stop)
        await asyncio.to_thread(homeserver.start)
        await asyncio.gather(
            *(vote(p, dm, s, "a2") for p, (dm, s) in zip(voters[2:], starts[2:], strict=True))
        )
        assert await bot.core.repository.respondent_count(survey_id) == 4
        await command(organiser, room, me, f"!canvass close {survey_id}", "with 4 respondents")
        results = await bot.core.service.results(None, survey_id)
        assert {o.label: o.count for o in results.questions[0].options} == {"Yes": 2, "No": 2}  # type: ignore[union-attr]
    finally:
        await bot.stop()
        await asyncio.gather(*(p.close() for p in (organiser, *voters)))
