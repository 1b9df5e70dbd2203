"""A grid and a lessons question answered in the Matrix DM on a real Synapse: the grid in one compact
reply ("4 3 - 2"), lessons one per message then done; a bad reply, a bad lesson and one lesson over
the limit each get a clear message and change nothing; the review shows the participant's own
lessons inert; bot_state never holds a lesson."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from adapters.matrix.safety import JOINER
from bot.domain import Lesson, Participant
from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import body, people

SURVEY = """!canvass survey
title = "Toolbox lessons"
min_respondents = 3

[[questions]]
kind = "grid"
text = "Rate each measure"
rows = ["Sanctions", "Mediation", "Travel bans", "Asset freezes"]
min = 1
max = 5
min_label = "not effective"
max_label = "very effective"
required = false

[[questions]]
kind = "lessons"
text = "What did you learn?"
categories = ["process", "measures", "effect"]
max_entries = 2
"""
HOSTILE = "@room read evil.example now"


async def test_grid_in_one_reply_and_lessons_until_done(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("kindsbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, ann = await people(homeserver, "kinds", 2)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    try:
        room = await organiser.create_room([me, ann.user_id])
        await ann.client.join(room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(await command(organiser, room, me, SURVEY, "Opened"))
        dm, grid_prompt = await ann.wait_for(
            lambda r, e: r != room and e.sender == me and "Rate each measure" in body(e)
        )
        # The rows, numbered, under the scale's end labels, and how to reply.
        text = body(grid_prompt)
        assert "1 = not effective … 5 = very effective" in text
        assert "1. Sanctions" in text and "4. Asset freezes" in text
        assert "Use - for a row you skip" in text

        async def reply(message: str, expect: str) -> str:
            mark = ann.mark()
            await ann.say(dm, message)
            _, event = await ann.wait_bot_text(me, expect, after=mark, room=dm, timeout=60)
            return body(event)

        refusal = await reply("4 3", "Nothing was changed")
        assert "give 4 ratings from 1 to 5" in refusal
        survey = await bot.core.service.get(survey_id)
        grid_q, lessons_q = survey.questions
        participant = Participant("matrix", ann.user_id)
        assert await bot.core.service.load_draft(participant, survey_id) == {}

        prompt = await reply("4 3 - 2", "What did you learn?")
        assert "Saved for question 1 of 2" in prompt
        # The grammar once, with an example, and the categories numbered.
        assert (
            "For example: process + Early warning worked | " in prompt and "1 process, 2 measures, 3 effect" in prompt
        )
        assert "done" in prompt and "undo" in prompt

        refusal = await reply("a lesson without a sign", "Nothing was changed")
        assert "choose a category and + or -" in refusal
        await reply("process + Early warning worked | Two weeks ahead", "Lesson 1 saved")
        await reply(f"3 - {HOSTILE}", "Lesson 2 saved")
        refusal = await reply("measures + One too many", "Nothing was changed")
        assert "at most 2 lessons" in refusal and "undo" in refusal
        draft = await bot.core.service.load_draft(participant, survey_id)
        assert draft == {
            grid_q.id: (4, 3, None, 2),
            lessons_q.id: (Lesson(0, True, "Early warning worked", "Two weeks ahead"), Lesson(2, False, HOSTILE)),
        }
        # Where the conversation stands is durable, but no lesson is kept next to the room.
        state = json.dumps(await bot.core.state.state_with_prefix(""))
        assert "Early warning" not in state and "evil" not in state

        review = await reply("review", "Your answers so far")
        # In words (bot/answer_words.py): each row with its rating, a skipped row said so, each lesson whole.
        assert "Sanctions: 4 (of" in review and "Mediation: 3 (of" in review and "Asset freezes: 2 (of" in review
        assert "Travel bans: (skipped)" in review
        assert "Lesson 1 (process; positive: practice to replicate): Early warning worked" in review
        assert "Two weeks ahead" in review
        assert "@room" not in review and f"@{JOINER}room" in review and f"evil.{JOINER}example" in review

        await reply("done", "All questions have an answer")
        await reply("submit", "are submitted")
        assert await bot.core.repository.answer_counts(grid_q.id, False) == [("[4,3,null,2]", 1)]
        ((stored, count),) = await bot.core.repository.answer_counts(lessons_q.id, False)
        assert count == 1 and [e["title"] for e in json.loads(stored)] == ["Early warning worked", HOSTILE]
    finally:
        await bot.stop()
        await asyncio.gather(organiser.close(), ann.close())


async def test_lessons_continue_after_a_restart_and_undo_removes_the_last(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_account = await homeserver.register("kindsrst-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, ann = await people(homeserver, "kindsrst", 2)
    config = bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser))
    bot = await start_bot(config)
    try:
        room = await organiser.create_room([me, ann.user_id])
        await ann.client.join(room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(await command(organiser, room, me, SURVEY, "Opened"))
        dm, _ = await ann.wait_for(lambda r, e: r != room and e.sender == me and "Rate each measure" in body(e))

        async def reply(message: str, expect: str) -> str:
            mark = ann.mark()
            await ann.say(dm, message)
            _, event = await ann.wait_bot_text(me, expect, after=mark, room=dm, timeout=60)
            return body(event)

        await reply("skip", "What did you learn?")
        await reply("add 2 - Bans came late", "Lesson 1 saved")
        await bot.stop()
        bot = await start_bot(config)
        # After the restart the next message is still read as a lesson of the same question.
        await reply("effect + Talks reopened", "Lesson 2 saved")
        await reply("undo", "Removed lesson 2; 1 lesson saved")
        refusal = await reply("undo", "Removed lesson 1")
        assert "no lessons saved" in refusal
        refusal = await reply("done", "Nothing was changed")  # the question is required
        assert "Add at least one lesson" in refusal
        await reply("measures + Clear mandate", "Lesson 1 saved")
        await reply("done", "1 lesson saved for question 2 of 2")
        survey = await bot.core.service.get(survey_id)
        draft = await bot.core.service.load_draft(Participant("matrix", ann.user_id), survey_id)
        assert draft == {survey.questions[1].id: (Lesson(1, True, "Clear mandate"),)}
    finally:
        await bot.stop()
        await asyncio.gather(organiser.close(), ann.close())
