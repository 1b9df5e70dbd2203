from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.slack.harness import SlackHarness

Start = Callable[..., Awaitable[SlackHarness]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
async def start_slack(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Start]:
    """Start the bot (real Bolt app over HTTP, real SQLite) against a fresh fake Slack."""
    started: list[SlackHarness] = []

    async def start(**options: Any) -> SlackHarness:
        harness = await SlackHarness.start(tmp_path, clock, **options)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.stop()


@pytest.fixture
async def slack(start_slack: Start) -> SlackHarness:
    return await start_slack()
