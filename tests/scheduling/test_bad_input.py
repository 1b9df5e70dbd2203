"""Bad reminder and deadline input: a clear message, and the schedule stays as it was."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.domain import Actor
from bot.errors import CanvassError
from tests.scheduling.conftest import Bot, BotFactory
from tests.scheduling.test_schedule import POLL_SURVEY, survey_id


async def _snapshot(bot: Bot, sid: str) -> object:
    assert bot.core.scheduler is not None
    rows = await bot.core.scheduler.store.list_for_survey(sid)
    survey = await bot.core.service.get(sid)
    timers = {job: bot.jobs.when(job) for job in bot.jobs.job_ids()}
    return rows, survey.closes_at, survey.status, timers


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ('remind {sid} add "2026-03-19 09:00"', "is in the past"),
        ('remind {sid} add "2026-03-26 09:00"', "is not before the close"),
        ("remind {sid} add 30d before close", "is in the past"),
        ('remind {sid} add "tomorrowish"', "cannot read 'tomorrowish' as a time"),
        ("remind {sid} add 1x before close", "cannot read '1x' as a duration"),
        ('remind {sid} add "2026-03-22 09:00 Mars/Olympus"', "unknown time zone"),
        ("remind {sid} cancel 7", "has no reminder 7"),
        ("remind zzzz99 add 1h before close", "There is no survey with id 'zzzz99'"),
        ('extend {sid} "next week"', "cannot read 'next week' as a time"),
        ('extend {sid} "2026-03-19 09:00"', "the new closing time is in the past"),
        ("extend zzzz99 in 2h", "There is no survey with id 'zzzz99'"),
        ("close zzzz99", "There is no survey with id 'zzzz99'"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    make_bot: BotFactory, clock: ManualClock, command: str, message: str
) -> None:
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))
    await bot.command(f"remind {sid} add 1h before close")
    before = await _snapshot(bot, sid)
    with pytest.raises(CanvassError, match=message.replace("(", r"\(")):
        await bot.command(command.format(sid=sid))
    assert await _snapshot(bot, sid) == before


ORGANISER_ONLY = [
    "remind {sid} add 2h before close",
    "remind {sid} cancel 1",
    "extend {sid} in 3d",
    "close {sid}",
    "remind {sid} list",
]


@pytest.mark.parametrize("command", ORGANISER_ONLY)
async def test_only_organisers_touch_the_schedule(
    make_bot: BotFactory, clock: ManualClock, command: str
) -> None:
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))
    await bot.command(f"remind {sid} add 1h before close")
    before = await _snapshot(bot, sid)
    with pytest.raises(CanvassError, match="Only organisers"):
        await bot.command(command.format(sid=sid), actor=Actor("console", "alice"))
    assert await _snapshot(bot, sid) == before


async def test_a_bad_reminder_in_a_survey_file_stores_nothing(
    make_bot: BotFactory, clock: ManualClock
) -> None:
    bot = await make_bot()
    bad = POLL_SURVEY + '\n[[reminders]]\nat = "2026-03-26 09:00"\n'
    with pytest.raises(CanvassError, match=r"reminders\[0\]: the reminder .* is not before the close"):
        await bot.command(bad)
    assert await bot.core.service.list_surveys() == []


async def test_a_cancelled_reminder_is_not_sent(make_bot: BotFactory, clock: ManualClock) -> None:
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))
    await bot.command(f"remind {sid} add 1h before close")
    assert "Cancelled reminder 1" in await bot.command(f"remind {sid} cancel 1")
    with pytest.raises(CanvassError, match="Reminder 1 is cancelled"):
        await bot.command(f"remind {sid} cancel 1")
    assert not [j for j in bot.jobs.job_ids() if j.startswith("outbox:")]
    from tests.scheduling.test_schedule import at

    await bot.jobs.run_until(at("2026-03-26 00:00"))
    assert bot.messenger.of("direct") == []
