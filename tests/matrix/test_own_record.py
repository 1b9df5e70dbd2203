"""The participant's own record in the DM (issue 11, issue 16) on a real Synapse: a draft and the
confirmation in words; `copy` delivers an encrypted PDF and the text, both redacted later, with no
trace of them in the database (canary); `change` reloads the submission, one answer changes and a
skipped optional question stays skipped. Then two surveys open at once read "Survey 1 of 2" /
"Survey 2 of 2" and never an internal id, a reminder starts the flow, and a close leaves a note."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pypdf
from nio import Event
from nio.crypto import decrypt_attachment

from adapters.matrix.copies import FILENAME
from bot.contribution import NOT_STORED
from bot.domain import Participant
from tests.matrix.bot import FakeRenderer, bot_config, keys, start_bot
from tests.matrix.helpers import command, redacted, room_history, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, Person, body, content, event_type, people

SURVEY = """!canvass survey
title = "Workshop kit"
min_respondents = 3

[[questions]]
kind = "single"
text = "Pick a colour"
options = ["Red", "Green", "Blue"]

[[questions]]
kind = "multi"
text = "Pick tools"
options = ["Hammer", "Drill", "Saw"]
max_selections = 3

[[questions]]
kind = "text"
text = "Anything else"
required = false

[[questions]]
kind = "ranking"
text = "Order the rooms"
options = ["Attic", "Barn", "Cellar"]
"""
CANARY = "Your contribution to"


async def bot_says(person: Person, me: str, dm: str, needle: str, after: int) -> Event:
    _, event = await person.wait_bot_text(me, needle, after=after, room=dm, timeout=60)
    return event


async def exchange(person: Person, me: str, dm: str, text: str, needle: str) -> Event:
    """The person writes `text` in their DM; the bot's next reply there containing `needle`."""
    mark = person.mark()
    await person.say(dm, text)
    return await bot_says(person, me, dm, needle, mark)


async def test_words_copy_and_change(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("ownbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    (organiser,) = await people(homeserver, "own-org", 1)
    (ann,) = await people(homeserver, "own", 1, store_root=tmp_path / "stores")
    config = bot_config(
        homeserver, bot_account, tmp_path / "data", organisers=keys(organiser),
        encryption=True, redact_after_seconds=2.0, copy_seconds=6.0
    )
    bot = await start_bot(config, renderer=FakeRenderer())
    try:
        room = await organiser.create_room([me, ann.user_id])
        await ann.client.join(room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(await command(organiser, room, me, SURVEY, "Opened"))
        dm, start = await ann.wait_for(
            lambda r, e: r != room and event_type(e) == POLL_START and "Pick a colour" in body(e), timeout=60
        )
        mark = ann.mark()
        await ann.vote(dm, start.event_id, ["a2"])
        await bot_says(ann, me, dm, "Pick tools", mark)
        mark = ann.mark()
        await ann.say(dm, "1 3")
        await bot_says(ann, me, dm, "Anything else", mark)
        mark = ann.mark()
        await ann.say(dm, "skip")
        await bot_says(ann, me, dm, "Order the rooms", mark)
        await exchange(ann, me, dm, "3 1 2", "optional one you skipped stays skipped")

        # The draft in words: labels, the ranking as ordered labels; never indexes or tuples.
        mark = ann.mark()
        await ann.say(dm, "review")
        review = body(await bot_says(ann, me, dm, "not submitted yet", mark))
        assert "Pick a colour: Green" in review and "Pick tools: Hammer, Saw" in review
        assert "Order the rooms: 1. Cellar  2. Attic  3. Barn" in review
        assert "Anything else: — not answered" in review and "(0" not in review and "[" not in review

        mark = ann.mark()
        await ann.say(dm, "submit")
        confirmation = await bot_says(ann, me, dm, "are submitted", mark)
        assert "Pick tools: Hammer, Saw" in body(confirmation) and "Anything else: — skipped" in body(confirmation)
        assert await redacted(ann, dm, confirmation.event_id), "the confirmation in words stays in the DM"

        # The copy: the text and the PDF, encrypted end to end, both redacted after copy_seconds.
        mark = ann.mark()
        await ann.say(dm, "copy")
        text = await bot_says(ann, me, dm, CANARY, mark)
        assert "end-to-end encrypted DM" in body(text) and NOT_STORED in body(text)
        assert "Workshop kit" in body(text) and "Hammer, Saw" in body(text)
        _, file_event = await ann.wait_for(
            lambda r, e: r == dm and e.sender == me and content(e).get("msgtype") == "m.file", after=mark, timeout=60
        )
        sent = content(file_event)
        assert "url" not in sent and sent["filename"] == FILENAME, "the PDF must go as an encrypted file"
        key = sent["file"]
        download = await ann.client.download(mxc=key["url"])
        pdf = decrypt_attachment(download.body, key["key"]["k"], key["hashes"]["sha256"], key["iv"])
        assert download.body[:4] != b"%PDF" and pdf[:4] == b"%PDF"
        words = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert "Workshop kit" in words and "Saw" in words
        # A restart before they are due does not save them: the trail is durable (bot_state).
        await bot.stop()
        history = {e["event_id"]: e for e in await room_history(ann, dm)}
        assert history[text.event_id]["content"], "redacted before the restart: the restart proves nothing"
        bot = await start_bot(config, renderer=FakeRenderer())
        assert await redacted(ann, dm, text.event_id, timeout=30) and await redacted(ann, dm, file_event.event_id)

        # Canary: nothing of the copy is left in bot_state or in the database files (WAL included).
        state = json.dumps(await bot.core.state.state_with_prefix(""))
        assert CANARY not in state and "Hammer" not in state
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file() and "matrix-store" not in str(path):
                data = path.read_bytes()
                assert CANARY.encode() not in data and b"%PDF" not in data, path

        # Change one answer and keep the rest; the skipped optional question stays skipped.
        mark = ann.mark()
        await ann.say(dm, "change")
        reloaded = body(await bot_says(ann, me, dm, "Your current answers", mark))
        assert "Pick tools: Hammer, Saw" in reloaded
        await bot_says(ann, me, dm, "Reply skip to keep an answer", mark)
        mark = ann.mark()
        await ann.say(dm, "skip")
        await bot_says(ann, me, dm, "Pick tools", mark)
        await exchange(ann, me, dm, "3", "optional one you skipped stays skipped")
        # The edit waits in memory: no draft row holds her answers side by side (edits.py).
        assert await bot.core.service.load_draft(Participant("matrix", ann.user_id), survey_id) == {}
        mark = ann.mark()
        await ann.say(dm, "submit")
        again = body(await bot_says(ann, me, dm, "replaced your earlier submission", mark))
        assert "Pick a colour: Green" in again and "Pick tools: Saw" in again and "— skipped" in again
        survey = await bot.core.service.get(survey_id)
        q = [x.id for x in survey.questions]
        mine = await bot.core.service.own_answers(Participant("matrix", ann.user_id), survey_id)
        assert mine == {q[0]: 1, q[1]: (2,), q[3]: (2, 0, 1)}
    finally:
        await bot.stop()
        await asyncio.gather(organiser.close(), ann.close())


def poll_survey(title: str, question: str) -> str:
    return f"""!canvass survey
title = "{title}"
min_respondents = 3

[[questions]]
kind = "single"
text = "{question}"
options = ["Yes", "No"]

[[questions]]
kind = "text"
text = "Why, for {title}"
"""


async def test_two_open_surveys_reminder_and_closed_note(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("twobot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, ann, bridge = await people(homeserver, "two", 3)
    config = bot_config(
        homeserver, bot_account, tmp_path / "data", organisers=keys(organiser),
        not_invited=["@nobody:*", bridge.user_id]
    )
    bot = await start_bot(config, renderer=FakeRenderer())
    try:
        room = await organiser.create_room([me, ann.user_id, bridge.user_id])
        await ann.client.join(room)
        await bridge.client.join(room)
        await wait_bot_joined(organiser, room, me)
        first = survey_id_in(await command(organiser, room, me, poll_survey("Alpha", "Alpha ok"), "Opened"))
        # Who is invited: Ann; not the bot, nor a listed bridge bot, nor the organiser who created it.
        assert await bot.core.service.roster(first) == [Participant("matrix", ann.user_id)]
        dm, invite_a = await ann.wait_for(lambda r, e: r != room and e.sender == me and "“Alpha”" in body(e))
        assert "Survey 1 of" not in body(invite_a), "one open survey needs no ordinal"
        start = ann.events.index((dm, invite_a))
        mark = ann.mark()
        second = survey_id_in(await command(organiser, room, me, poll_survey("Beta", "Beta ok"), "Opened"))
        invite_b = await bot_says(ann, me, dm, "“Beta”", mark)
        assert body(invite_b).startswith("Survey 2 of 2:") and "reply survey 2" in body(invite_b)
        assert "Survey 2 of 2, “Beta”. Question 1 of 2" in body(await bot_says(ann, me, dm, "Beta ok", mark))

        mark = ann.mark()
        await ann.say(dm, "survey 1")
        assert body(await bot_says(ann, me, dm, "“Alpha”", mark)).startswith("Survey 1 of 2:")
        prompt = await bot_says(ann, me, dm, "Survey 1 of 2, “Alpha”. Question 1 of 2", mark)
        mark = ann.mark()
        await ann.vote(dm, prompt.event_id, ["a1"])
        await bot_says(ann, me, dm, "Why, for Alpha", mark)

        # A reminder of Beta, as the scheduler sends it, starts Beta's flow: a reply answers it.
        beta = await bot.core.service.get(second)
        mark = ann.mark()
        await bot.adapter.messenger.remind_participant(Participant("matrix", ann.user_id), beta, "")
        await bot_says(ann, me, dm, "Reminder: you have not answered “Beta” yet", mark)
        await bot_says(ann, me, dm, "Survey 2 of 2, “Beta”. Question 1 of 2", mark)
        await exchange(ann, me, dm, "2", "Saved for question 1 of 2")

        # The copy in a DM without encryption: a warning first, and the copy only after `copy yes`.
        mark = ann.mark()
        await ann.say(dm, "because")
        await ann.say(dm, "submit")
        await bot_says(ann, me, dm, "are submitted", mark)
        await exchange(ann, me, dm, "copy", "not end-to-end encrypted, so the homeserver can read your copy")
        await asyncio.sleep(1.0)
        await ann.sync(timeout_ms=500)
        assert not [e for r, e in ann.events[mark:] if r == dm and CANARY in body(e)], "sent before a yes"
        mark = ann.mark()
        await ann.say(dm, "copy yes")
        assert "which the homeserver can read" in body(await bot_says(ann, me, dm, CANARY, mark))
        _, plain_file = await ann.wait_for(
            lambda r, e: r == dm and e.sender == me and content(e).get("msgtype") == "m.file", after=mark, timeout=60
        )
        assert "url" in content(plain_file) and "file" not in content(plain_file)

        # Closing Alpha: a short note in the DM, with where the results are.
        mark = ann.mark()
        await command(organiser, room, me, f"!canvass close {first}", "Closed")
        note = body(await bot_says(ann, me, dm, "is closed", mark))
        assert "“Alpha”" in note and "results are posted in" in note

        await asyncio.sleep(1.0)
        await ann.sync(timeout_ms=1000)
        texts = [body(e) + str(content(e).get("formatted_body", "")) for r, e in ann.events[start:] if r == dm]
        leaked = [t[:60] for t in texts if first in t or second in t]
        assert not leaked, leaked
    finally:
        await bot.stop()
        await asyncio.gather(organiser.close(), ann.close(), bridge.close())
