"""Bad input in Matrix gets a short, clear reply, and nothing stored changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.domain import Status
from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, body, event_type, join_all, people


async def test_bad_input_is_refused_clearly_and_changes_nothing(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_account = await homeserver.register("badbot-" + tmp_path.name[-6:])
    organiser, alice, bob = await people(homeserver, "bad", 3)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(organiser)))
    me = bot_account.user_id
    try:
        room = await organiser.create_room([me, alice.user_id, bob.user_id])
        await join_all([alice, bob], room)
        await organiser.wait_for(
            lambda r, e: (
                r == room
                and event_type(e) == "m.room.member"
                and e.source.get("state_key") == me
                and e.source["content"].get("membership") == "join"
            )
        )

        # A non-organiser's command is refused; nothing is created.
        mark = alice.mark()
        await alice.say(room, '!canvass poll "Sneaky?" "Yes" "No"')
        await alice.wait_bot_text(me, "Only organisers", after=mark, room=room)
        # Malformed arguments get the usage; nothing is created.
        mark = organiser.mark()
        await organiser.say(room, "!canvass poll --scale x")
        _, reply = await organiser.wait_bot_text(me, "--scale needs a range", after=mark, room=room)
        assert "Commands:" in body(reply)
        assert await bot.core.service.list_surveys() == []

        # A real poll, and a text poll.
        mark = organiser.mark()
        await organiser.say(room, '!canvass poll "Lunch?" "Soup" "Salad" --k 3')
        _, opened = await organiser.wait_bot_text(me, "Opened", after=mark, room=room)
        poll_id = body(opened).split("[")[1].split("]")[0]
        someone_elses = await organiser.say(room, '!canvass poll "Any comments?" --text --k 3')
        await organiser.wait_bot_text(me, "Any comments?", after=mark, room=room)
        surveys = await bot.core.service.list_surveys([Status.OPEN])
        text_id = next(s.id for s in surveys if s.id != poll_id)

        dm, start = await alice.wait_for(
            lambda r, e: r != room and event_type(e) == POLL_START and "Lunch?" in body(e)
        )
        # Unknown answer ids.
        mark = alice.mark()
        await alice.vote(dm, start.event_id, ["zz9"])
        await alice.wait_bot_text(me, "names no option", after=mark, room=dm)
        assert await bot.core.repository.respondent_count(poll_id) == 0

        # A 5,000-character text reply to the text poll: refused, not stored.
        await alice.wait_bot_text(me, "Any comments?", room=dm)
        mark = alice.mark()
        await alice.say(dm, "x" * 5000)
        _, refusal = await alice.wait_bot_text(me, "2000 characters", after=mark, room=dm)
        assert "Nothing was changed" in body(refusal)
        assert await bot.core.repository.respondent_count(text_id) == 0

        # A reaction to someone else's message is none of the bot's business: no note.
        _, announce = await bob.wait_for(lambda r, e: r == room and e.sender == me and "Lunch?" in body(e))
        mark = bob.mark()
        await bob.client.room_send(
            room,
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": someone_elses, "key": "👍"}},
        )
        await asyncio.sleep(2)
        await bob.sync(timeout_ms=0)
        assert not [e for _, e in bob.events[mark:] if e.sender == me and "not counted" in body(e)]
        # Nor is one to the bot's reply to a command: only its announcements and results get the note.
        _, reply = await bob.wait_for(lambda r, e: r == room and e.sender == me and "Opened" in body(e))
        mark = bob.mark()
        await bob.client.room_send(
            room, "m.reaction", {"m.relates_to": {"rel_type": "m.annotation", "event_id": reply.event_id, "key": "👍"}}
        )
        await asyncio.sleep(2)
        await bob.sync(timeout_ms=0)
        assert not [e for _, e in bob.events[mark:] if e.sender == me and "not counted" in body(e)]
        # A poll response in the shared room on the bot's announcement is answered privately, not counted.
        mark = bob.mark()
        await bob.vote(room, announce.event_id, ["a1"])
        _, note = await bob.wait_bot_text(me, "not counted", after=mark)
        assert note is not None
        assert await bot.core.repository.respondent_count(poll_id) == 0

        # A valid vote counts; then the poll closes and a late vote is refused without change.
        mark = alice.mark()
        await alice.vote(dm, start.event_id, ["a2"])
        await alice.wait_bot_text(me, "is recorded", after=mark, room=dm)
        assert await bot.core.repository.respondent_count(poll_id) == 1
        mark = organiser.mark()
        await organiser.say(room, f"!canvass close {poll_id}")
        await organiser.wait_bot_text(me, "Closed", after=mark, room=room)
        mark = alice.mark()
        await alice.vote(dm, start.event_id, ["a1"])
        await alice.wait_bot_text(me, "closed", after=mark, room=dm)
        closed = await bot.core.service.get(poll_id)
        assert closed.respondents_at_close == 1
    finally:
        await bot.stop()
        for person in (organiser, alice, bob):
            await person.close()
