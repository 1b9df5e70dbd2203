"""A survey in a Matrix room of 10 members, answered privately, end to end on a real Synapse."""

from __future__ import annotations

import asyncio
import html
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.ranking_places import ordinal
from tests.matrix.bot import FakeRenderer, bot_config, keys, start_bot
from tests.matrix.helpers import (
    command,
    html_sections,
    room_history,
    survey_id_in,
    table_counts,
    wait_bot_joined,
)
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, content, event_type, join_all, people

SURVEY = """!canvass survey
title = "Offsite planning"
min_respondents = 3
include_organisers = true  # the organiser answers too (bot/invited.py)

[[questions]]
kind = "single"
text = "Which colour for the logo?"
options = ["Red", "Green", "Blue"]

[[questions]]
kind = "multi"
text = "Which drinks should we order?"
options = ["Tea", "Coffee", "Water"]
max_selections = 2

[[questions]]
kind = "scale"
text = "How useful was the last offsite?"
min = 1
max = 5

[[questions]]
kind = "ranking"
text = "Rank the venues."
options = ["North", "South", "East"]

[[questions]]
kind = "text"
text = "Anything else we should know?"
"""
QUESTIONS = ["Which colour", "Which drinks", "How useful", "Rank the venues", "Anything else"]
COLOURS, DRINKS, VENUES = ["Red", "Green", "Blue"], ["Tea", "Coffee", "Water"], ["North", "South", "East"]


@dataclass
class Plan:
    by_poll: bool  # answer choice and scale questions by clicking (poll response) or by text reply
    colour: int  # 1-based, as people type
    drinks: list[int]
    rating: int
    order: list[int]
    comment: str
    first_colour: int | None = None  # answered first, then changed to `colour`


PLANS = [
    Plan(True, 3, [1, 2], 4, [1, 2, 3], "More coffee please", first_colour=1),
    Plan(True, 1, [2], 5, [2, 1, 3], "Book early"),  # saves after question 2, resumes after a bot restart
    Plan(False, 2, [1, 3], 3, [3, 2, 1], "Quiet rooms"),
    Plan(True, 1, [1], 2, [1, 3, 2], "Good food"),
    Plan(False, 1, [2, 3], 4, [2, 3, 1], "Coffee matters"),
    Plan(True, 3, [3], 1, [1, 2, 3], "Nothing"),
    Plan(False, 2, [1, 2], 5, [3, 1, 2], "Closer to town"),
    Plan(True, 1, [2], 4, [1, 2, 3], "Bikes"),
    Plan(False, 3, [1], 3, [2, 1, 3], "Later start"),
]


class Answerer:
    def __init__(self, person: Person, bot: str, room: str, plan: Plan) -> None:
        self.person, self.bot, self.room, self.plan = person, bot, room, plan
        self.dm = ""

    async def confirm(self, mark: int, question: int) -> str:
        _, event = await self.person.wait_bot_text(self.bot, f"Saved for question {question}", after=mark, room=self.dm)
        return body(event)

    async def choice(self, question: int, numbers: list[int], after: int = 0) -> str:
        mark = self.person.mark()
        poll = question != 2  # multi-choice is a text reply: Element's polls record one option
        self.dm, start = await self.person.wait_for(
            lambda r, e: (
                r != self.room
                and e.sender == self.bot
                and (event_type(e) == POLL_START or not poll)
                and QUESTIONS[question - 1] in body(e)
            ),
            after=after,
        )
        if self.plan.by_poll and poll:
            await self.person.vote(self.dm, start.event_id, [f"a{n}" for n in numbers])
        else:
            await self.person.say(self.dm, " ".join(map(str, numbers)))
        return await self.confirm(mark, question)

    async def first_part(self) -> None:
        await self.person.wait_for(lambda r, e: e.sender == self.bot and "Please answer" in body(e))
        plan = self.plan
        await self.choice(1, [plan.first_colour or plan.colour])
        await self.choice(2, plan.drinks)
        if plan.first_colour is not None:
            # A change of mind about question 1, while the bot already asks question 3: the reply says
            # what comes next, not a misleading "reply submit".
            reply = await self.choice(1, [plan.colour])
            assert "Question 3 is still waiting" in reply and "submit" not in reply, reply

    async def second_part(self, after: int = 0) -> None:
        plan = self.plan
        await self.choice(3, [plan.rating], after=after)
        for question, reply in ((4, " ".join(map(str, plan.order))), (5, plan.comment)):
            mark = self.person.mark()
            await self.person.wait_for(
                lambda r, e, q=question: r == self.dm and QUESTIONS[q - 1] in body(e), after=after
            )
            await self.person.say(self.dm, reply)
            await self.confirm(mark, question)
        mark = self.person.mark()
        await self.person.say(self.dm, "submit")
        await self.person.wait_bot_text(self.bot, "✅", after=mark, room=self.dm)

    async def save(self) -> None:
        mark = self.person.mark()
        await self.person.say(self.dm, "save")
        await self.person.wait_bot_text(self.bot, "Saved 2 of 5 answers", after=mark, room=self.dm)


def expected(plans: list[Plan]) -> dict[int, dict[str, int]]:
    colours = Counter(COLOURS[p.colour - 1] for p in plans)
    drinks = Counter(DRINKS[d - 1] for p in plans for d in p.drinks)
    ratings = Counter(str(p.rating) for p in plans)
    borda: Counter[str] = Counter()
    for p in plans:
        for position, option in enumerate(p.order):
            borda[VENUES[option - 1]] += len(VENUES) - 1 - position
    return {
        1: {c: colours[c] for c in COLOURS},
        2: {d: drinks[d] for d in DRINKS},
        3: {str(v): ratings[str(v)] for v in range(1, 6)},
        4: {  # the place, ties as "joint" (1 + the options scoring strictly more), then the option
            f"{'joint ' if list(borda.values()).count(n) > 1 else ''}"
            f"{ordinal(1 + sum(m > n for m in borda.values()))}: {v}": n
            for v, n in borda.items()
        },
    }


async def test_survey_in_a_room_of_ten_end_to_end(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("e2ebot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, *others = await people(homeserver, "e2e", 9)
    everyone = [organiser, *others]
    config = bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser))
    renderer = FakeRenderer()
    bot = await start_bot(config, renderer)
    try:
        room = await organiser.create_room([me, *(p.user_id for p in others)])
        await join_all(others, room)
        await wait_bot_joined(organiser, room, me)
        assert len((await bot.adapter.client.joined_members(room)).members) == 10  # type: ignore[union-attr]

        # 1. The organiser (room creator, so power >= 50) opens the survey.
        opened = await command(organiser, room, me, SURVEY, "Opened")
        survey_id = survey_id_in(opened)
        _, announcement = await organiser.wait_for(
            lambda r, e: r == room and "I have sent you a private message" in body(e)
        )
        assert content(announcement)["msgtype"] == "m.notice"
        assert "<strong>" in content(announcement)["formatted_body"] and "Anonymous" in body(announcement)

        # 2-3. Everyone gets a DM and answers; one saves halfway.
        answerers = [Answerer(p, me, room, plan) for p, plan in zip(everyone, PLANS, strict=True)]
        saver = answerers[1]

        async def run(a: Answerer) -> None:
            await a.first_part()
            if a is saver:
                await a.save()
            else:
                await a.second_part()

        await asyncio.gather(*(run(a) for a in answerers))
        assert await bot.core.repository.respondent_count(survey_id) == 8

        # The bot restarts; the saved draft is still there and the flow resumes at question 3.
        await bot.stop()
        bot = await start_bot(config, renderer)
        mark = saver.person.mark()
        await saver.person.say(saver.dm, "resume")
        await saver.second_part(after=mark)
        assert await bot.core.repository.respondent_count(survey_id) == 9

        # 4-5. Close; the results appear in the room as images and a numbers table.
        mark = organiser.mark()
        await command(organiser, room, me, f"!canvass close {survey_id}", "Closed")
        _, table = await organiser.wait_for(
            lambda r, e: (
                r == room and e.sender == me and "respondents: 9" in body(e) and "Offsite planning" in body(e)
            ),
            after=mark,
        )
        sections = html_sections(html.unescape(content(table)["formatted_body"]))
        want = expected(PLANS)
        for question in (1, 2, 3, 4):
            assert table_counts(sections[question]) == want[question], question
        for plan in PLANS:
            assert plan.comment in sections[5]
        history = await room_history(organiser, room)
        images = [
            e for e in history if e["type"] == "m.room.message" and e["content"].get("msgtype") == "m.image"
        ]
        assert len(images) == 5 and renderer.calls == 5
        assert all(
            i["content"]["url"].startswith("mxc://") and i["content"]["body"].startswith("Chart.")
            for i in images
        )

        # 6. No event in the shared room carries anyone's choice.
        types = {e["type"] for e in history}
        assert not types & {POLL_START, "org.matrix.msc3381.poll.response", "m.poll.response", "m.reaction"}
        for event in history:
            if event["type"] != "m.room.message":
                continue
            if event["sender"] != me:
                assert event["content"]["body"].startswith("!canvass"), "only commands are typed in the room"
            else:
                assert not any(p.user_id in event["content"]["body"] for p in everyone)
    finally:
        await bot.stop()
        for person in everyone:
            await person.close()
