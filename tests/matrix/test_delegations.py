"""A delegation on a real Synapse (issue 13, one scenario): two members edit one draft from their DMs, one
submits, both are told, another delegation sees only its own draft, the result counts the delegation once,
and after close nothing links a member or a delegation's name to any answer."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests.matrix.bot import bot_config, start_bot
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, event_type, join_all, people
from tests.storage.dbdump import rows_mentioning
from tests.storage.rawfiles import holding

NAMES = ["Canaryland", "Zqbekistan", "Xyloria"]


def drafts_in(data: Path) -> int:
    with closing(sqlite3.connect(data / "canvass.db")) as db:
        return int(db.execute("select count(*) from drafts").fetchone()[0])


async def first_dm(person: Person, bot: str, room: str) -> str:
    dm, _ = await person.wait_for(lambda r, e: r != room and e.sender == bot and event_type(e) == POLL_START)
    return dm


async def reply(person: Person, bot: str, dm: str, text: str, expect: str) -> str:
    mark = person.mark()
    await person.say(dm, text)
    _, event = await person.wait_bot_text(bot, expect, after=mark, room=dm)
    return body(event)


async def test_a_delegation_shares_one_draft_on_synapse(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("delbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, ann, ben, cat, dan = await people(homeserver, "del", 5)
    data = tmp_path / "data"
    bot = await start_bot(bot_config(homeserver, bot_account, data, organisers=[f"matrix:{organiser.user_id}"]))
    try:
        room = await organiser.create_room([me, ann.user_id, ben.user_id, cat.user_id, dan.user_id])
        await join_all([ann, ben, cat, dan], room)
        await wait_bot_joined(organiser, room, me)
        survey = (
            '!canvass survey\ntitle = "Lessons learnt"\nmin_respondents = 3\n'
            f'[[delegations]]\nname = "{NAMES[0]}"\nmembers = ["matrix:{ann.user_id}", "matrix:{ben.user_id}"]\n'
            f'[[delegations]]\nname = "{NAMES[1]}"\nmembers = ["matrix:{cat.user_id}"]\n'
            f'[[delegations]]\nname = "{NAMES[2]}"\nmembers = ["matrix:{dan.user_id}"]\n'
            '[[questions]]\nkind = "single"\ntext = "Use the toolbox again?"\noptions = ["Yes", "No"]\n'
            '[[questions]]\nkind = "text"\ntext = "What worked?"\n'
        )
        survey_id = survey_id_in(await command(organiser, room, me, survey, "Opened"))
        dms = {p.user_id: await first_dm(p, me, room) for p in (ann, ben, cat, dan)}
        _, invitation = await ann.wait_for(lambda r, e: r == dms[ann.user_id] and "Please answer" in body(e))
        assert "its other members can see and change this draft" in body(invitation)

        # Ann answers question 1; Ben, who opened the (then empty) draft, answers it too: latest save wins,
        # and he is told that a colleague saved since he opened it.
        assert "Someone else" not in await reply(ann, me, dms[ann.user_id], "1", "Saved for question 1")
        told = await reply(ben, me, dms[ben.user_id], "2", "Saved for question 1")
        assert "Someone else in your delegation saved this draft since you opened it" in told
        await reply(ben, me, dms[ben.user_id], "Joint training", "Saved for question 2")
        # Another delegation's member sees only their own, empty draft.
        theirs = await reply(cat, me, dms[cat.user_id], "review", "Your delegation's draft")
        assert "Joint training" not in theirs and theirs.count("not answered") == 2

        mark = ann.mark()
        done = await reply(ben, me, dms[ben.user_id], "submit", "answers are submitted")
        assert f"{NAMES[0]}'s answers are submitted" in done and "Your colleagues are told" in done
        _, notice = await ann.wait_bot_text(me, "submitted the answers of your delegation", after=mark)
        inert = body(notice).replace("\u2060", "")  # the id is made inert (it cannot ping), not hidden
        assert f"{ben.user_id} (matrix) submitted the answers of your delegation, {NAMES[0]}" in inert
        # No draft row outlives the submission; Ann sees what Ben submitted (read back for her), changes
        # one answer, keeping the other, and submits again.
        assert drafts_in(data) == 0
        shared = await reply(ann, me, dms[ann.user_id], "review", "Your delegation's current answers")
        assert "Joint training" in shared and "No" in shared
        await reply(ann, me, dms[ann.user_id], "Better docs", "Saved for question 2")
        mark = ben.mark()
        again = await reply(ann, me, dms[ann.user_id], "submit", "Thank you")
        assert f"{NAMES[0]}'s answers replaced its earlier submission" in again
        await ben.wait_bot_text(me, "submitted the answers of your delegation", after=mark)
        assert drafts_in(data) == 0
        ours = await reply(ben, me, dms[ben.user_id], "change", "Your current answers")
        assert "Better docs" in ours and "Joint training" not in ours and "No" in ours

        for person, text in ((cat, "Training"), (dan, "Exercises")):
            await reply(person, me, dms[person.user_id], "1", "Saved for question 1")
            await reply(person, me, dms[person.user_id], text, "Saved for question 2")
            await reply(person, me, dms[person.user_id], "submit", "answers are submitted")
        closed = await command(organiser, room, me, f"!canvass close {survey_id}", "Closed")
        assert "with 3 delegations" in closed
        results = await bot.core.service.results(None, survey_id)
        assert results.respondents == 3  # Canaryland once, as Ben submitted it
        answers = results.questions[0]
        assert [o.count for o in answers.options] == [2, 1]  # type: ignore[union-attr]
    finally:
        await bot.stop()
        for person in (organiser, ann, ben, cat, dan):
            await person.close()
    url = f"sqlite:///{data / 'canvass.db'}"
    members = [p.user_id for p in (ann, ben, cat, dan)]
    # The bot keeps whom it has a DM room with (to reach them again); nothing else names a member, and
    # no delegation name is left anywhere, in the rows or in the file's bytes.
    assert set(rows_mentioning(url, members)) <= {"bot_state"}
    assert rows_mentioning(url, NAMES) == {}
    stored = b"".join(p.read_bytes() for p in data.glob("canvass.db*"))
    assert stored and holding(stored, NAMES) == []
