"""A change made with the CLI (remind, extend, close) reaches a running bot within a second or two, not
at its next sweep: PostgreSQL LISTEN/NOTIFY, a polled change counter on SQLite. The bot here sweeps
once an hour and its timers never fire by themselves, so only the change feed can bring the news."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bootstrap import build_core
from bot.clock import SystemClock
from bot.config import Config, CoreConfig, DatabaseConfig, SchedulerConfig
from bot.domain import Target
from bot.scheduling.timers import ManualScheduler
from tests.cli.running import ROOT, environment
from tests.scheduling.conftest import ORGANISER, SECRET
from tests.scheduling.fakes import RecordingMessenger

DEADLINE = 3.0  # seconds; the SQLite poll is 0.5 s, NOTIFY is immediate


async def cli(config: Path, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), *args,
        cwd=ROOT, env=environment(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def within(seconds: float, condition: Callable[[], bool]) -> float:
    """How long it took for `condition` to hold, measured from now; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_cli_changes_reach_the_running_bot_at_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = "" if backend == "sqlite" else request.getfixturevalue("pg_url")
    data = tmp_path / "data"
    config_file = tmp_path / "config.toml"
    database = f'[database]\nurl = "{url}"\n' if url else ""
    config_file.write_text(f'[canvass]\ndata_dir = "{data}"\nsecret = "{SECRET}"\n{database}', encoding="utf-8")
    config = Config(
        canvass=CoreConfig(data_dir=str(data), secret=SECRET, organisers=["console:organiser"]),
        database=DatabaseConfig(url=url),
        scheduler=SchedulerConfig(sweep_seconds=3600),
    )
    clock = SystemClock()
    jobs = ManualScheduler(clock)  # never fires on its own
    core = await build_core(config, clock=clock, with_charts=False, jobs=jobs)
    messenger = RecordingMessenger(clock)
    core.messengers.add(messenger)
    assert core.scheduler is not None
    await core.scheduler.start()
    try:
        reply = await core.commands.handle_text(
            ORGANISER, Target("console", "plenary"), 'poll "Lunch?" "Pizza" "Sushi" --closes "in 3d"'
        )
        match = re.search(r"\[([a-z0-9]+)\]", reply.text)
        assert match, reply.text
        sid = match.group(1)

        def ours(kind: str) -> list[str]:
            return [s.text for s in messenger.of(kind) if sid in s.text]

        outbox_jobs = {j for j in jobs.job_ids() if j.startswith("outbox:")}
        await cli(config_file, "remind", sid, "add", "in 1h")
        await within(DEADLINE, lambda: len({j for j in jobs.job_ids() if j.startswith("outbox:")} - outbox_jobs) == 1)

        await cli(config_file, "extend", sid, "in 4d")
        await within(DEADLINE, lambda: any("has moved: it now closes" in t for t in ours("text")))

        await cli(config_file, "close", sid)
        await within(DEADLINE, lambda: ours("results") != [])
        assert len(ours("results")) == 1
    finally:
        await core.close()
