"""The bot is down over reminders and a deadline: the next start catches up, once."""

from __future__ import annotations

import logging

import pytest

from bot.clock import ManualClock
from tests.scheduling.conftest import BotFactory
from tests.scheduling.fakes import RecordingMessenger
from tests.scheduling.test_schedule import POLL_SURVEY, at, survey_id


async def _create_with_two_reminders(make_bot: BotFactory, messenger: RecordingMessenger) -> str:
    bot = await make_bot(messenger)
    sid = survey_id(await bot.command(POLL_SURVEY))  # open now; closes 2026-03-25 11:00Z
    await bot.command(f'remind {sid} add "2026-03-21 09:00" "Please answer."')
    await bot.command(f'remind {sid} add "2026-03-22 09:00" --channel')
    await bot.core.close()  # the bot goes down
    return sid


async def test_down_over_two_reminders_then_over_the_deadline(
    make_bot: BotFactory, clock: ManualClock
) -> None:
    messenger = RecordingMessenger(clock)
    sid = await _create_with_two_reminders(make_bot, messenger)
    messenger.sent.clear()  # keep only what happens after the outage

    clock.set(at("2026-03-23 09:00"))
    bot = await make_bot(messenger)  # start: the catch-up sweep sends each overdue reminder once
    assert sorted(s.where for s in messenger.of("direct")) == ["alice", "bob"]
    assert len([s for s in messenger.of("text") if s.text.startswith("Reminder")]) == 1
    await bot.core.close()

    clock.set(at("2026-03-26 09:00"))
    bot = await make_bot(messenger)  # down over the deadline: closes and posts the results once
    assert (await bot.core.service.get(sid)).status == "closed"
    await bot.core.close()
    bot = await make_bot(messenger)  # and another restart does not post them again
    await bot.jobs.run_until(at("2026-04-01 00:00"))

    assert [s.where for s in messenger.of("results")] == ["plenary"]
    assert len(messenger.of("direct")) == 2
    assert len([s for s in messenger.of("text") if s.text.startswith("Reminder")]) == 1


async def test_down_over_the_deadline_and_two_reminders(
    make_bot: BotFactory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    messenger = RecordingMessenger(clock)
    sid = await _create_with_two_reminders(make_bot, messenger)
    messenger.sent.clear()

    clock.set(at("2026-03-26 09:00"))
    with caplog.at_level(logging.INFO):
        bot = await make_bot(messenger)
    assert (await bot.core.service.get(sid)).status == "closed"
    assert [s.kind for s in messenger.sent] == ["results"]  # no reminder after the close
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2 and all(sid in m and "closed" in m for m in skipped), skipped
    listing = await bot.command(f"remind {sid} list")
    assert listing.count("skipped") == 2

    await bot.core.close()
    bot = await make_bot(messenger)
    assert [s.kind for s in messenger.sent] == ["results"]
