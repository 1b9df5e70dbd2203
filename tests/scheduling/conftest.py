from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import Core, build_core
from bot.clock import ManualClock
from bot.config import Config, CoreConfig, SchedulerConfig
from bot.domain import Actor
from bot.scheduling.timers import ManualScheduler
from tests.scheduling.fakes import RecordingMessenger

ORGANISER = Actor("console", "organiser")
SECRET = "test-secret-0123456789abcdef"


def make_config(data_dir: Path, **scheduler: object) -> Config:
    return Config(
        canvass=CoreConfig(
            data_dir=str(data_dir),
            timezone="Europe/Brussels",
            organisers=["console:organiser"],
            secret=SECRET,
        ),
        scheduler=SchedulerConfig(**scheduler),  # type: ignore[arg-type]
    )


class Bot:
    """One run of the bot: a core with the manual scheduler and a recording messenger."""

    def __init__(self, core: Core, jobs: ManualScheduler, messenger: RecordingMessenger) -> None:
        self.core = core
        self.jobs = jobs
        self.messenger = messenger

    async def command(self, text: str, actor: Actor = ORGANISER) -> str:
        from bot.domain import Target

        return (await self.core.commands.handle_text(actor, Target("console", "plenary"), text)).text


BotFactory = Callable[..., Awaitable[Bot]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
async def make_bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[BotFactory]:
    """Start a bot on the shared database file; several may be started in turn (restarts)."""
    bots: list[Bot] = []

    async def start(messenger: RecordingMessenger | None = None, started: bool = True) -> Bot:
        jobs = ManualScheduler(clock)
        core = await build_core(make_config(tmp_path), clock=clock, with_charts=False, jobs=jobs)
        messenger = messenger or RecordingMessenger(clock)
        core.messengers.add(messenger)
        bot = Bot(core, jobs, messenger)
        bots.append(bot)
        if started:
            assert core.scheduler is not None
            await core.scheduler.start()
        return bot

    yield start
    for bot in bots:
        await bot.core.close()
