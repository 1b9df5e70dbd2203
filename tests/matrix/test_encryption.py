"""Answering in an encrypted DM that the participant created (Element's default)."""

from __future__ import annotations

from pathlib import Path

from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, redacted, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import POLL_START, body, event_type, people


async def test_poll_answered_in_a_participant_created_encrypted_dm(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_account = await homeserver.register("e2eebot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    (organiser,) = await people(homeserver, "enc-org", 1)
    (alice,) = await people(homeserver, "enc-alice", 1, store_root=tmp_path / "stores")
    config = bot_config(
        homeserver, bot_account, tmp_path / "data", organisers=keys(organiser),
        encryption=True, redact_after_seconds=2.0
    )
    bot = await start_bot(config)
    try:
        assert bot.adapter.client is not None and bot.adapter.client.olm is not None
        device = bot.adapter.client.device_id
        # Alice opens an encrypted DM with the bot, as Element does.
        dm = await alice.create_room([me], encrypted=True, direct=True)
        await wait_bot_joined(alice, dm, me)

        room = await organiser.create_room([me, alice.user_id])
        await alice.client.join(room)
        await wait_bot_joined(organiser, room, me)
        survey_id = survey_id_in(
            await command(organiser, room, me, '!canvass poll "Secret?" "Yes" "No" --k 3', "Opened")
        )

        # The bot reuses Alice's DM; its poll arrives encrypted and Alice's client decrypts it.
        found, start = await alice.wait_for(
            lambda r, e: event_type(e) == POLL_START and "Secret?" in body(e), timeout=60
        )
        assert found == dm and start.decrypted
        mark = alice.mark()
        await alice.vote(dm, start.event_id, ["a2"])
        _, confirmation = await alice.wait_bot_text(me, "is recorded", after=mark, room=dm, timeout=60)
        # The confirmation says the answer in words (issue 11) and so is redacted soon, like review.
        assert confirmation.decrypted and "anonymously: No." in body(confirmation)
        assert await redacted(alice, dm, confirmation.event_id), "an answer stays in the DM"
        assert await bot.core.repository.respondent_count(survey_id) == 1

        # A text reply in the same encrypted room works too, and the device survives a restart.
        await bot.stop()
        bot = await start_bot(config)
        assert bot.adapter.client is not None and bot.adapter.client.device_id == device
        mark = alice.mark()
        await alice.say(dm, "1")
        _, changed = await alice.wait_bot_text(me, "is changed", after=mark, room=dm, timeout=60)
        assert changed.decrypted and "anonymously: Yes." in body(changed)
        assert await redacted(alice, dm, changed.event_id), "an answer stays in the DM"
        assert await bot.core.repository.respondent_count(survey_id) == 1
    finally:
        await bot.stop()
        await organiser.close()
        await alice.close()
