"""The log holds no exact per-survey count that the k-steps hide: not how many non-respondents a
reminder went to, nor how many responded at close."""

from __future__ import annotations

import logging
import re

import pytest

from bot.clock import ManualClock
from bot.domain import Participant
from tests.scheduling.conftest import BotFactory
from tests.scheduling.test_schedule import at, survey_id

SURVEY = """survey
title = "Counted quietly"
timezone = "UTC"
opens_at = "2026-03-28 09:00"
closes_at = "2026-03-30 15:00"
min_respondents = 5
targets = [{ platform = "console", channel = "plenary" }]
roster = ["console:p1", "console:p2", "console:p3", "console:p4", "console:p5", "console:p6", "console:p7"]

[[questions]]
kind = "single"
text = "Ready?"
options = ["Yes", "No"]

[[reminders]]
before_close = "24h"
"""


def standalone(number: int, text: str) -> bool:
    return re.search(rf"(?<!\w){number}(?!\w)", text) is not None


async def test_reminder_and_close_logs_carry_no_exact_count(
    make_bot: BotFactory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await make_bot()
    sid = survey_id(await bot.command(SURVEY))
    await bot.jobs.run_until(at("2026-03-28 09:00"))
    survey = await bot.core.service.get(sid)
    for name in ("p1", "p2", "p3", "p4"):  # 4 respondents (below k = 5), so 3 are reminded
        await bot.core.service.submit(Participant("console", name), sid, {survey.questions[0].id: 0})
    caplog.clear()
    await bot.jobs.run_until(at("2026-03-31 00:00"))  # the reminder, then the close
    assert sorted(s.where for s in bot.messenger.of("direct")) == ["p5", "p6", "p7"]
    assert (await bot.core.service.get(sid)).status == "closed"
    lines = [record.getMessage() for record in caplog.records]
    assert any(f"reminder 1 of survey {sid} sent" in line for line in lines), lines
    assert any(f"survey {sid} closed" in line for line in lines), lines
    leaks = [line for line in lines if standalone(3, line) or standalone(4, line)]
    assert leaks == []
