"""With encryption on: answers are taken only in encrypted 1:1 DMs (issue 10, break 1), and the log
names no participant (break 12, the canary: Canvass's own loggers at DEBUG, third parties at the
level the CLI gives them, INFO)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from nio import MatrixRoom

from adapters.matrix.dm import NOT_ENCRYPTED, NOT_ONE_TO_ONE, not_private
from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, redacted, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, body, event_type, people


def test_only_an_encrypted_room_of_two_is_private() -> None:
    room = MatrixRoom("!dm:localhost", "@bot:localhost")
    room.add_member("@bot:localhost", None, None)
    room.add_member("@alice:localhost", None, None)
    assert not_private(room) == NOT_ENCRYPTED
    room.encrypted = True
    assert not_private(room) is None
    room.add_member("@eve:localhost", None, None)
    assert not_private(room) == NOT_ONE_TO_ONE
    assert not_private(None) is None  # not synced yet: a room the bot has just created, encrypted


async def test_encrypted_dms_only_and_a_log_that_names_nobody(
    homeserver: Homeserver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the CLI's default for everything
    for ours in ("adapters", "bot", "storage"):
        caplog.set_level(logging.DEBUG, logger=ours)
    bot_account = await homeserver.register("canarybot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    (organiser,) = await people(homeserver, "can-org", 1)
    alice, bob = await people(homeserver, "canary", 2, store_root=tmp_path / "stores")
    caplog.clear()  # the test clients' own logins (they share nio's loggers with the bot)
    bot = await start_bot(bot_config(
        homeserver, bot_account, tmp_path / "data", organisers=keys(organiser), encryption=True
    ))
    try:
        # Bob opened a DM without encryption before the survey.
        plain = await bob.create_room([me], encrypted=False, direct=True)
        await wait_bot_joined(bob, plain, me)
        room = await organiser.create_room([me, alice.user_id, bob.user_id])
        await alice.client.join(room)
        await bob.client.join(room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(
            await command(organiser, room, me, '!canvass poll "Canary?" "Yes" "No" --k 3', "Opened")
        )

        # The bot asks each of them in an encrypted DM it opens (not in Bob's plain one).
        starts = {}
        for person in (alice, bob):
            dm, start = await person.wait_for(
                lambda r, e: event_type(e) == POLL_START and "Canary?" in body(e), timeout=60
            )
            assert dm != plain and start.decrypted
            starts[person.user_id] = (dm, start.event_id)

        # An answer in the unencrypted DM is refused, says why and how to fix it, and is taken out.
        mark = bob.mark()
        answer = await bob.say(plain, "2")
        _, refusal = await bob.wait_bot_text(me, "not end-to-end encrypted", after=mark, room=plain, timeout=60)
        assert "encrypted DM I opened with you" in body(refusal)
        assert await redacted(bob, plain, answer)
        assert await bot.core.repository.respondent_count(survey_id) == 0

        for person in (alice, bob):
            dm, start = starts[person.user_id]
            mark = person.mark()
            await person.vote(dm, start, ["a1"])
            await person.wait_bot_text(me, "is recorded", after=mark, room=dm, timeout=60)
        assert await bot.core.repository.respondent_count(survey_id) == 2
        await command(organiser, room, me, f"!canvass close {survey_id}", "Closed")
    finally:
        await bot.stop()
        for person in (organiser, alice, bob):
            await person.close()

    lines = [f"{r.name}: {r.getMessage()}" for r in caplog.records]
    assert any(line.startswith("adapters.matrix") for line in lines)  # the log was captured
    named = [line for line in lines if alice.user_id in line or bob.user_id in line]
    assert not named, named[:5]
