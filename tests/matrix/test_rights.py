"""Rights per survey on a real Synapse (issue 10, break 2): power level 50 in her own room gives
Mallory no hold on a survey another organiser created for another room, and a survey she creates with
that power opens only once a configured organiser approves it (bot/approval.py)."""

from __future__ import annotations

from pathlib import Path

from tests.matrix.bot import bot_config, keys, start_bot
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Homeserver
from tests.matrix.people import body, people


async def test_power_in_one_room_never_reaches_another_rooms_survey(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_account = await homeserver.register("rightsbot-" + tmp_path.name[-6:])
    me = bot_account.user_id
    alice, mallory = await people(homeserver, "rights", 2)
    bot = await start_bot(bot_config(homeserver, bot_account, tmp_path / "data", organisers=keys(alice)))
    try:
        plenary = await alice.create_room([me])  # alice created it: power 100 there
        own = await mallory.create_room([me])  # mallory's own room: power 100 there, nothing elsewhere
        await wait_bot_joined(alice, plenary, me)
        await wait_bot_joined(mallory, own, me)
        opened = await command(alice, plenary, me, '!canvass poll "Secret?" "Yes" "No" --organisers --k 3', "Opened")
        survey_id = survey_id_in(opened)

        listed = await command(mallory, own, me, "!canvass list", "No open or scheduled surveys")
        assert survey_id not in listed
        for attempt in (f"close {survey_id}", f"results {survey_id}", f"extend {survey_id} in 3d"):
            refused = await command(mallory, own, me, f"!canvass {attempt}", "Only organisers of survey")
            assert "Secret?" not in refused
        # Her power in her own room creates a survey there, which does not open until alice approves it: who
        # is in a room is up to whoever holds power there (one victim beside k−1 accounts of her own).
        mine = await command(mallory, own, me, '!canvass poll "Lunch?" "Pizza" "Soup"', "must approve")
        own_id = survey_id_in(mine)
        assert own_id != survey_id and f"`approve {own_id}`" in mine
        await command(mallory, own, me, f"!canvass open {own_id}", f"must approve survey {own_id}")
        await command(mallory, own, me, f"!canvass approve {own_id}", "Only the configured organisers can approve")
        await command(alice, plenary, me, f"!canvass approve {own_id}", f"Approved and opened “Lunch?” [{own_id}]")
        # The survey is untouched and alice still manages it.
        closed = await command(alice, plenary, me, f"!canvass close {survey_id}", "Closed")
        assert survey_id in closed
        replies = [body(e) for r, e in mallory.events if r == own and e.sender == me]
        assert not any("Secret?" in text for text in replies)
    finally:
        await bot.stop()
        await alice.close()
        await mallory.close()
