"""The DM reads like a conversation (issue 16): a 5-question survey answered straight through by an
Element-shaped client costs at most questions + 3 bot messages, the anonymity notice comes once, no internal
id shows, an optional question says so, and a multi-choice question records every option picked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nio import Event

from bot.domain import Participant
from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, content, event_type, people

SURVEY = """!canvass survey
title = "Shape of a chat"
min_respondents = 3

[[questions]]
kind = "single"
text = "First, a colour"
options = ["Red", "Green", "Blue"]

[[questions]]
kind = "multi"
text = "Then some fruit"
options = ["Apple", "Banana", "Cherry", "Damson"]
max_selections = 3

[[questions]]
kind = "scale"
text = "A rating"
min = 1
max = 5

[[questions]]
kind = "text"
text = "A comment"
required = false

[[questions]]
kind = "ranking"
text = "An order"
options = ["North", "South", "East"]
"""
QUESTIONS = ["First, a colour", "Then some fruit", "A rating", "A comment", "An order"]


class ElementLike:
    """Answers as Element does: a click on a poll sends one answer (MPollBody.selectOption sends
    `[answerId]`, whatever max_selections says); anything else is a typed reply."""

    def __init__(self, person: Person, bot: str, dm: str) -> None:
        self.person, self.bot, self.dm = person, bot, dm

    async def prompt(self, text: str, after: int) -> Event:
        _, event = await self.person.wait_for(
            lambda r, e: r == self.dm and e.sender == self.bot and text in body(e), after=after, timeout=60
        )
        return event

    async def click(self, start: Event, option: int) -> None:
        await self.person.vote(self.dm, start.event_id, [f"a{option}"])


async def test_five_questions_straight_through_cost_at_most_eight_messages(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_account = await homeserver.register("shapebot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, ann = await people(homeserver, "shape", 2)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    try:
        room = await organiser.create_room([me, ann.user_id])
        await ann.client.join(room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(await command(organiser, room, me, SURVEY, "Opened"))
        dm, _ = await ann.wait_for(lambda r, e: r != room and e.sender == me and "Please answer" in body(e))
        start = ann.events.index(next(x for x in ann.events if x[0] == dm))
        client = ElementLike(ann, me, dm)

        q1 = await client.prompt(QUESTIONS[0], start)
        assert event_type(q1) == POLL_START
        mark = ann.mark()
        await client.click(q1, 3)
        q2 = await client.prompt(QUESTIONS[1], mark)
        # Multi-choice is not a poll Element would answer with one option: the prompt says how to reply.
        assert event_type(q2) != POLL_START and "reply with the numbers" in body(q2).lower()
        mark = ann.mark()
        await ann.say(dm, "1 3 4")
        q3 = await client.prompt(QUESTIONS[2], mark)
        assert event_type(q3) == POLL_START
        mark = ann.mark()
        await client.click(q3, 4)
        q4 = await client.prompt(QUESTIONS[3], mark)
        assert "optional" in body(q4) and "skip" in body(q4)
        mark = ann.mark()
        await ann.say(dm, "Fine by me")
        await client.prompt(QUESTIONS[4], mark)
        mark = ann.mark()
        await ann.say(dm, "2 1 3")
        await client.prompt("All questions have an answer", mark)

        draft = await bot.core.service.load_draft(Participant("matrix", ann.user_id), survey_id)
        ids = [q.id for q in (await bot.core.service.get(survey_id)).questions]
        assert draft[ids[0]] == 2 and sorted(draft[ids[1]]) == [0, 2, 3]  # type: ignore[arg-type]

        mark = ann.mark()
        await ann.say(dm, "submit")
        await client.prompt("are submitted", mark)
        await asyncio.sleep(1.0)  # anything the bot would still send
        await ann.sync(timeout_ms=1000)

        mine = [  # messages; not room state, nor the redactions of Ann's answers
            e
            for r, e in ann.events[start:]
            if r == dm and e.sender == me and event_type(e) in ("m.room.message", POLL_START)
        ]
        assert len(mine) <= len(QUESTIONS) + 3, [body(e)[:50] for e in mine]
        texts = [body(e) + str(content(e).get("formatted_body", "")) for e in mine]
        assert sum("🔒 Anonymous" in t for t in texts) == 1, "the anonymity notice comes once, at the start"
        assert not any(f"[{survey_id}]" in t or survey_id in t for t in texts), "no internal id in the DM"
        assert "Shape of a chat" in texts[0]
    finally:
        await bot.stop()
        await asyncio.gather(organiser.close(), ann.close())
