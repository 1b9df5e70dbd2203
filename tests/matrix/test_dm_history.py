# ruff: noqa: ASYNC109  (test helpers take plain timeouts on purpose)
"""Nothing stays behind in DMs (DESIGN.md rule 5; issue 10, breaks 1 and 10): after close, whoever holds
the bot's token reads every DM room's whole history and finds no answer, and bot_state keeps nothing
of the survey."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

from nio import AsyncClient, RoomMessagesResponse, SyncResponse

from bot.domain import Participant
from bot.scheduling.sending import direct_text
from tests.matrix.bot import RunningBot, bot_config, keys, start_bot
from tests.matrix.helpers import command, redacted, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, event_type, join_all, people

SURVEY = """!canvass survey
title = "Trail"
min_respondents = 3

[[questions]]
kind = "single"
text = "Pick a fruit"
options = ["Apricot", "Blackcurrant", "Cloudberry"]

[[questions]]
kind = "multi"
text = "Pick some tools"
options = ["Hammer", "Chisel", "Trowel"]
max_selections = 2

[[questions]]
kind = "text"
text = "Say something"
"""
# What the participants choose or write: none of it may be readable after close.
SECRETS = ["Blackcurrant", "Cloudberry", "Chisel", "Trowel", "zebra-secret", "yak-secret", "gnu-secret"]
STATE_TYPES = {"m.room.create", "m.room.member", "m.room.power_levels", "m.room.join_rules"}


async def bot_reads_every_dm(hs: Homeserver, token: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """What the operator sees with the bot's token alone: m.direct, then each DM's full history."""
    client = AsyncClient(hs.url, user_id)
    client.access_token = token
    client.user_id = user_id
    try:
        sync = await client.sync(timeout=0)
        assert isinstance(sync, SyncResponse), sync
        path = f"/_matrix/client/v3/user/{user_id}/account_data/m.direct"
        response = await client.send("GET", path, headers={"Authorization": f"Bearer {token}"})
        direct = await response.json()
        histories = {}
        for rooms in direct.values():
            for room in rooms:
                events: list[dict[str, Any]] = []
                start = sync.next_batch
                while True:
                    page = await client.room_messages(room, start=start, limit=100)
                    assert isinstance(page, RoomMessagesResponse), page
                    events.extend(e.source for e in page.chunk)
                    if not page.chunk or not page.end:
                        break
                    start = page.end
                histories[room] = events
        return histories
    finally:
        await client.close()


CLOSED_NOTE = "is closed, so it takes no more answers"


def leftovers(histories: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """Every non-state event that still has content (a redaction event aside)."""
    found = []
    for events in histories.values():
        for event in events:
            kind = event["type"]
            if kind in STATE_TYPES or "state_key" in event or kind == "m.room.redaction":
                continue
            if CLOSED_NOTE in str(event.get("content", {}).get("body", "")):
                continue  # by design: the title and where results are, no answer (adapters/matrix/closing.py)
            if event.get("content"):
                found.append((event["sender"], kind, json.dumps(event["content"])[:120]))
    return found


async def wait_until_clean(hs: Homeserver, bot: RunningBot, timeout: float = 90.0) -> dict[str, list[dict[str, Any]]]:
    client = bot.adapter.client
    assert client is not None
    deadline = time.monotonic() + timeout
    while True:
        histories = await bot_reads_every_dm(hs, client.access_token, client.user_id)
        if not leftovers(histories) or time.monotonic() > deadline:
            return histories
        await asyncio.sleep(0.5)


async def test_after_close_the_bots_token_reads_no_answer_in_any_dm(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("trailbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, ann, ben, cat = await people(homeserver, "trail", 4)
    config = bot_config(
        homeserver, bot_account, tmp_path / "data", organisers=keys(organiser), redact_after_seconds=1.0
    )
    bot = await start_bot(config)
    try:
        room = await organiser.create_room([me, ann.user_id, ben.user_id, cat.user_id])
        await join_all([ann, ben, cat], room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(await command(organiser, room, me, SURVEY, "Opened"))

        async def start_of(person: Person, text: str, after: int = 0) -> tuple[str, str]:
            dm, start = await person.wait_for(
                lambda r, e: r != room and event_type(e) == POLL_START and text in body(e), after=after, timeout=60
            )
            return dm, start.event_id

        async def step(person: Person, dm: str, send: Any, expect: str) -> str:
            mark = person.mark()
            event_id = await send
            _, reply = await person.wait_bot_text(me, expect, after=mark, room=dm)
            # No answer repeated. The reply may carry the next question, whose numbered option list is
            # the same for everyone: those lines aside, no chosen option or text may appear.
            said = "\n".join(line for line in body(reply).splitlines() if not re.match(r"\d+\. ", line))
            assert not any(s in said for s in SECRETS), body(reply)
            return event_id

        async def ann_answers() -> None:  # poll responses, a change of mind, review, submit
            dm, fruit = await start_of(ann, "Pick a fruit")
            first = await step(ann, dm, ann.vote(dm, fruit, ["a3"]), "Saved for question 1")
            assert await redacted(ann, dm, first), "a counted poll response stays in the DM"
            await ann.wait_bot_text(me, "Pick some tools", room=dm, timeout=60)  # multi: a text reply
            await step(ann, dm, ann.say(dm, "2 3"), "Saved for question 2")
            await step(ann, dm, ann.vote(dm, fruit, ["a2"]), "Saved for question 1")  # changed
            await step(ann, dm, ann.say(dm, "zebra-secret"), "Saved for question 3")
            mark = ann.mark()
            await ann.say(dm, "review")
            _, review = await ann.wait_bot_text(me, "Your answers so far", after=mark, room=dm)
            assert "Blackcurrant" in body(review) and "I delete this message" in body(review)
            assert await redacted(ann, dm, review.event_id), "the review stays in the DM"
            await step(ann, dm, ann.say(dm, "submit"), "✅")

        async def by_text(person: Person, fruit: str, comment: str) -> None:  # text replies, then submit
            dm, _ = await start_of(person, "Pick a fruit")
            reply = await step(person, dm, person.say(dm, fruit), "Saved for question 1")
            assert await redacted(person, dm, reply), "a counted text reply stays in the DM"
            await person.wait_bot_text(me, "Pick some tools", room=dm, timeout=60)
            await step(person, dm, person.say(dm, "2 3"), "Saved for question 2")
            await step(person, dm, person.say(dm, comment), "Saved for question 3")
            await step(person, dm, person.say(dm, "submit"), "✅")

        await asyncio.gather(ann_answers(), by_text(ben, "3", "yak-secret"), by_text(cat, "2", "gnu-secret"))
        # A reminder DM (as the scheduler sends it) tells who was invited: it goes at close too.
        survey = await bot.core.service.get(survey_id)
        nudge = direct_text(survey, "Nudge")
        await bot.adapter.messenger.send_direct(Participant("matrix", ann.user_id), nudge, survey.id)
        assert await bot.core.repository.respondent_count(survey_id) == 3

        await command(organiser, room, me, f"!canvass close {survey_id}", "Closed")
        histories = await wait_until_clean(homeserver, bot)
        assert len(histories) == 3  # the organiser created it: not invited by default (bot/invited.py)
        assert leftovers(histories) == []
        everything = json.dumps(histories)
        assert not [s for s in SECRETS if s in everything]
        assert "Nudge" not in everything and "Pick a fruit" not in everything

        # Break 10: nothing of the survey is left in bot_state to rebuild the roster from.
        await asyncio.wait_for(asyncio.gather(*bot.adapter.trail.closing()), 30)
        state = await bot.core.state.state_with_prefix("")
        assert not [k for k in state if survey_id in k or k.startswith("matrix.poll.")], sorted(state)
    finally:
        await bot.stop()
        await asyncio.gather(*(p.close() for p in (organiser, ann, ben, cat)))


async def test_a_dm_where_the_bot_cannot_redact_is_named_to_its_owner(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("powerbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, dave = await people(homeserver, "power", 2)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    try:
        # Dave opens the DM himself and keeps the bot at power 0, so it may not redact his events.
        dm = await dave.create_room([me], direct=True, trusted=False)
        await wait_bot_joined(dave, dm, me)
        room = await organiser.create_room([me, dave.user_id])
        await dave.client.join(room)
        await wait_bot_joined(organiser, room, me)
        await command(organiser, room, me, '!canvass poll "Power?" "Yes" "No" --k 3', "Opened")
        found, start = await dave.wait_for(lambda r, e: event_type(e) == POLL_START and "Power?" in body(e))
        assert found == dm
        mark = dave.mark()
        await dave.vote(dm, start.event_id, ["a1"])
        await dave.wait_bot_text(me, "is recorded", after=mark, room=dm)
        _, note = await dave.wait_bot_text(me, "I cannot delete messages in this room", after=mark, room=dm)
        assert "moderator" in body(note)
    finally:
        await bot.stop()
        await asyncio.gather(organiser.close(), dave.close())
