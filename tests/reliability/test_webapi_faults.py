"""Web API faults: 30% of calls answer 429, 500 or nothing at all (seeded). Every invitation, reminder
and result post still arrives, each exactly once, counted from the fake's successful deliveries."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.config import SchedulerConfig
from bot.domain import Participant, QuestionKind, QuestionSpec, ReminderSpec, SurveySpec, Target
from bot.scheduling.timers import ManualScheduler
from tests.slack.harness import CHANNEL, MEMBERS, SlackHarness

ROSTER = MEMBERS[:10]
ANSWERED = ROSTER[:5]


def delivered(slack: SlackHarness) -> Counter[tuple[str, str]]:
    """(channel, content) of every chat.postMessage the fake carried out, duplicates kept."""
    return Counter(
        (c.args["channel"], c.args.get("text", "") + json.dumps(c.args.get("blocks", ""), sort_keys=True))
        for c in slack.calls("chat.postMessage")
    )


async def test_every_dm_reminder_and_result_arrives_once_despite_faults(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    jobs = ManualScheduler(clock)
    slack = await SlackHarness.start(
        tmp_path,
        clock,
        api_timeout=0.3,  # a "timeout" fault hangs 1 s, so the client gives up and retries
        jobs=jobs,
        scheduler=SchedulerConfig(send_rate=1000.0, send_burst=100),
    )
    try:
        assert slack.core.scheduler is not None
        await slack.core.scheduler.start()
        slack.fake.inject_faults(0.3, seed=2, hang_seconds=1.0)
        spec = SurveySpec(
            title="Budget priorities",
            questions=(QuestionSpec(QuestionKind.SINGLE, "Which first?", ("Roads", "Schools", "Parks")),),
            targets=(Target("slack", CHANNEL),),
            k=3,
            closes_at=clock.now() + timedelta(hours=4),
            roster=tuple(Participant("slack", u) for u in ROSTER),
            reminders=(ReminderSpec(before_close_seconds=3600, message="Please answer"),),
        )
        survey = await slack.core.service.create_survey(None, spec)
        await slack.core.delivery.open(None, survey.id)
        question = survey.questions[0].id
        for i, user in enumerate(ANSWERED):
            await slack.core.service.submit(Participant("slack", user), survey.id, {question: i % 3})
        await jobs.run_until(clock.now() + timedelta(hours=5))  # the reminder, the close, the results
        await slack.settle()

        posts = delivered(slack)
        assert all(n == 1 for n in posts.values()), [k for k, n in posts.items() if n > 1]
        by_channel = Counter(channel for channel, _ in posts)
        # A poll is answered from its channel message: no invitation DMs; reminders go to the 5 who did not answer.
        assert {c for c in by_channel if c.startswith("D")} == {f"D{u}" for u in ROSTER[5:]}
        assert all(by_channel[f"D{u}"] == 1 for u in ROSTER[5:])
        reminders = [content for channel, content in posts if channel.startswith("D")]
        assert all("Please answer" in r for r in reminders)
        channel_posts = [content for channel, content in posts if channel == CHANNEL]
        # The poll message, then at close the results header and the question's table (no renderer).
        assert len(channel_posts) == 3
        assert channel_posts[0].startswith("Poll: Budget priorities")
        assert any("n = 5" in content for content in channel_posts[1:])
        assert len(slack.calls("chat.update")) >= 1  # the poll message shows it closed
        assert sum(slack.fake.fault_counts.values()) >= 3  # faults did happen, of every kind
        assert all(n >= 1 for n in slack.fake.fault_counts.values()), slack.fake.fault_counts
    finally:
        await slack.stop()


async def test_invitation_dms_of_a_survey_arrive_once_despite_faults(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    slack = await SlackHarness.start(tmp_path, clock, api_timeout=0.3)
    try:
        slack.fake.inject_faults(0.3, seed=11, hang_seconds=1.0)
        spec = SurveySpec(
            title="Two questions",
            questions=(QuestionSpec(QuestionKind.TEXT, "One?"), QuestionSpec(QuestionKind.TEXT, "Two?")),
            targets=(Target("slack", CHANNEL),),
            k=3,
            roster=tuple(Participant("slack", u) for u in ROSTER),
        )
        survey = await slack.core.service.create_survey(None, spec)
        await slack.core.delivery.open(None, survey.id)
        await slack.settle()
        posts = delivered(slack)
        assert all(n == 1 for n in posts.values())
        dms = Counter(channel for channel, _ in posts if channel.startswith("D"))
        assert dms == Counter({f"D{u}": 1 for u in ROSTER})
        assert sum(1 for channel, _ in posts if channel == CHANNEL) == 1  # the announcement
        assert sum(slack.fake.fault_counts.values()) >= 3
    finally:
        await slack.stop()
