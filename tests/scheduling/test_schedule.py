"""Open, close, results and reminders at the right instants, driven by a manual clock and scheduler."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.clock import ManualClock
from bot.domain import Participant
from tests.scheduling.conftest import BotFactory

SURVEY = """survey
title = "Pre-meeting questionnaire"
timezone = "Europe/Brussels"
opens_at = "2026-03-28 09:00"
closes_at = "2026-03-30 15:00"
min_respondents = 3
targets = [{ platform = "console", channel = "plenary" }]
roster = ["console:alice", "console:bob", "console:carol", "console:dave"]

[[questions]]
kind = "single"
text = "Which risk first?"
options = ["Gas", "Grid"]

[[reminders]]
before_close = "24h"
message = "One day left."

[[reminders]]
at = "2026-03-28 18:00"
daily = true
audience = "channel"
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def survey_id(reply: str) -> str:
    match = re.search(r"\[([a-z0-9]+)\]", reply)
    assert match, reply
    return match.group(1)


async def test_brussels_spring_forward(make_bot: BotFactory, clock: ManualClock) -> None:
    """Brussels moves from UTC+1 to UTC+2 on 29 March 2026: 09:00 on the 28th is 08:00Z, while
    15:00 on the 30th is 13:00Z, and a daily 18:00 reminder is 23 hours after the previous one."""
    bot = await make_bot()
    sid = survey_id(await bot.command(SURVEY))
    assert bot.jobs.when(f"open:{sid}") == at("2026-03-28 08:00")
    assert bot.jobs.when(f"close:{sid}") == at("2026-03-30 13:00")

    await bot.jobs.run_until(at("2026-03-28 07:59"))
    assert bot.messenger.sent == []  # nothing before opens_at

    await bot.jobs.run_until(at("2026-03-28 08:00"))
    assert [(s.at, s.kind) for s in bot.messenger.sent][:1] == [(at("2026-03-28 08:00"), "announce")]
    assert sorted(s.where for s in bot.messenger.of("invite")) == ["alice", "bob", "carol", "dave"]

    # Bob and Carol answer before the reminders; Alice and Dave do not.
    survey = await bot.core.service.get(sid)
    for name in ("bob", "carol"):
        await bot.core.service.submit(Participant("console", name), sid, {survey.questions[0].id: 0})

    await bot.jobs.run_until(at("2026-04-01 00:00"))
    texts = bot.messenger.of("text")
    directs = bot.messenger.of("direct")
    results = bot.messenger.of("results")

    # The daily channel reminder: 18:00 CET (17:00Z), then 18:00 CEST (16:00Z); none on the 30th (closed).
    channel_reminders = [s for s in texts if s.text.startswith("Reminder")]
    assert [s.at for s in channel_reminders] == [at("2026-03-28 17:00"), at("2026-03-29 16:00")]
    assert "fewer than 3 of 4 answered" in channel_reminders[0].text  # stepped by k: 2 answers stay hidden

    # 24h before a 15:00 CEST close is 15:00 CEST the day before (13:00Z), to exactly the non-respondents.
    assert sorted((s.at, s.where) for s in directs) == [
        (at("2026-03-29 13:00"), "alice"),
        (at("2026-03-29 13:00"), "dave"),
    ]
    assert all("One day left." in s.text for s in directs)

    # Closed at 15:00 local and the results posted once, at that instant; nothing after it.
    assert [(s.at, s.where) for s in results] == [(at("2026-03-30 13:00"), "plenary")]
    assert max(s.at for s in bot.messenger.sent) == at("2026-03-30 13:00")
    assert (await bot.core.service.get(sid)).status == "closed"


POLL_SURVEY = """survey
title = "Quick check"
timezone = "Europe/Brussels"
closes_at = "2026-03-25 12:00"
min_respondents = 3
targets = [{ platform = "console", channel = "plenary" }]
roster = ["console:alice", "console:bob"]

[[questions]]
kind = "single"
text = "Ready?"
options = ["Yes", "No"]
"""


async def test_relative_reminder_follows_an_extended_deadline(
    make_bot: BotFactory, clock: ManualClock
) -> None:
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))  # no opens_at: opened at once
    reply = await bot.command(f'remind {sid} add 1h before close "Last hour."')
    assert "Reminder 1" in reply and "Wed 25 Mar 2026 11:00" in reply
    [reminder_job] = [j for j in bot.jobs.job_ids() if j.startswith("outbox:")]
    assert bot.jobs.when(reminder_job) == at("2026-03-25 10:00")

    reply = await bot.command(f'extend {sid} "2026-03-26 12:00"')
    assert "Thu 26 Mar 2026 12:00" in reply
    assert bot.jobs.when(reminder_job) == at("2026-03-26 10:00")
    # Participants are told in the channel that the deadline moved.
    [notice] = [s for s in bot.messenger.of("text") if "deadline" in s.text]
    assert notice.at == at("2026-03-20 09:00") and "Thu 26 Mar 2026 12:00" in notice.text
    assert "11:00" in await bot.command(f"remind {sid} list")  # 1h before the new close, local time

    await bot.jobs.run_until(at("2026-03-27 00:00"))
    directs = bot.messenger.of("direct")
    assert sorted((s.at, s.where) for s in directs) == [
        (at("2026-03-26 10:00"), "alice"),
        (at("2026-03-26 10:00"), "bob"),
    ]
    assert [s.at for s in bot.messenger.of("results")] == [at("2026-03-26 11:00")]


async def test_no_reminder_after_an_early_close(make_bot: BotFactory, clock: ManualClock) -> None:
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))
    await bot.command(f"remind {sid} add 1h before close")
    await bot.command(f'remind {sid} add "2026-03-21 09:00" --daily --channel')
    await bot.jobs.run_until(at("2026-03-21 12:00"))
    assert len([s for s in bot.messenger.of("text") if s.text.startswith("Reminder")]) == 1

    await bot.command(f"close {sid}")
    closed_at = clock.now()
    await bot.jobs.run_until(at("2026-03-30 00:00"))
    assert [s.at for s in bot.messenger.of("results")] == [closed_at]
    assert all(s.at <= closed_at for s in bot.messenger.sent)
    listing = await bot.command(f"remind {sid} list")
    assert listing.count("skipped (the survey closed first)") == 2, listing


async def test_a_late_reminder_after_the_deadline_is_skipped(
    make_bot: BotFactory, clock: ManualClock
) -> None:
    """The deadline passed but the close has not run yet (say the loop was stalled): the reminder that
    fires first is skipped with a reason, not sent."""
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))
    await bot.command(f"remind {sid} add 1h before close")
    assert bot.core.scheduler is not None
    [record] = await bot.core.scheduler.store.list_for_survey(sid)
    clock.set(at("2026-03-25 11:30"))  # past the close (11:00Z); no timer has run
    assert await bot.core.scheduler.fire(record.id) == 1
    assert bot.messenger.of("direct") == []
    done = await bot.core.scheduler.store.get(record.id)
    assert done is not None and (done.status, done.note) == ("skipped", "the survey had closed")


async def test_answering_removes_you_from_the_reminder(make_bot: BotFactory, clock: ManualClock) -> None:
    bot = await make_bot()
    sid = survey_id(await bot.command(POLL_SURVEY))
    await bot.command(f'remind {sid} add "2026-03-22 09:00" --daily')
    survey = await bot.core.service.get(sid)
    await bot.jobs.run_until(at("2026-03-22 12:00"))
    assert sorted(s.where for s in bot.messenger.of("direct")) == ["alice", "bob"]
    await bot.core.service.submit(Participant("console", "alice"), sid, {survey.questions[0].id: 1})
    await bot.jobs.run_until(at("2026-03-23 12:00"))
    assert sorted((s.at, s.where) for s in bot.messenger.of("direct"))[2:] == [
        (at("2026-03-23 08:00"), "bob")
    ]
