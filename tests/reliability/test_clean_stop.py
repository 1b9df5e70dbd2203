"""SIGTERM on the real bot process in Slack HTTP mode, against the fake Web API: it stops accepting at once,
finishes the work in flight (a poll being posted to a slow Web API), closes the database and exits 0 within
the grace period."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.cli.running import ConsoleBot, environment
from tests.reliability.test_crash import CHANNEL, ORGANISER, BotProcess, command, free_port, post, write_config
from tests.slack.fake_slack import FakeSlack

GRACE = 6.0
SLOW_POST_SECONDS = 2.0


def slow_posts(fake: FakeSlack) -> None:
    """chat.postMessage takes SLOW_POST_SECONDS: the poll is still being posted when SIGTERM comes."""
    api = fake._api

    async def slow(request: web.Request) -> web.Response:
        if request.match_info["method"] == "chat.postMessage":
            await asyncio.sleep(SLOW_POST_SECONDS)
        return await api(request)

    fake._api = slow  # type: ignore[method-assign]


async def test_sigterm_finishes_in_flight_work_then_exits_0_within_the_grace(tmp_path: Path) -> None:
    fake = FakeSlack()
    fake.members[CHANNEL] = ["UBOT", ORGANISER, "U1", "U2", "U3"]
    slow_posts(fake)
    await fake.start()
    port = free_port()
    config = write_config(tmp_path, fake, port, f"sqlite:///{tmp_path / 'data' / 'canvass.db'}")
    text = config.read_text().replace("[canvass]\n", f"[canvass]\nshutdown_grace_seconds = {GRACE}\n", 1)
    config.write_text(text)
    log = tmp_path / "bot.log"
    bot = BotProcess(config, log, f"http://127.0.0.1:{port}")
    try:
        await bot.start()
        assert bot.process is not None
        async with aiohttp.ClientSession() as session:
            opening = command(fake, 'poll "Lunch?" "Soup" "Salad" --k 3', 1)
            request = asyncio.create_task(post(session, bot.url, opening))
            for _ in range(100):  # the poll is on its way to the (slow) Web API
                if any(c.method == "chat.postMessage" for c in fake.calls) or request.done():
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            assert not fake.ok_calls("chat.postMessage"), "the post should still be in flight"
            sent = time.monotonic()
            bot.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            # No new work: the listener is closed while the post is still draining.
            assert bot.process.poll() is None, "the bot should still be finishing the post"
            with pytest.raises(aiohttp.ClientConnectionError):
                async with session.get(bot.url + "/healthz") as response:
                    await response.read()
            code = await asyncio.to_thread(bot.process.wait, GRACE + 10)
            took = time.monotonic() - sent
            assert await request == 200
        assert code == 0, log.read_text()[-3000:]
        assert took < GRACE + 3, took
        posted: list[Any] = fake.ok_calls("chat.postMessage")
        assert posted and "Lunch?" in str(posted[0].args), "the poll in flight was posted before the exit"
        output = log.read_text()
        assert "SIGTERM: stopping" in output and "canvass stopped in" in output
        assert "Traceback" not in output
    finally:
        bot.stop()
        await fake.stop()


def test_sigterm_stops_the_console_at_once_with_exit_0(tmp_path: Path) -> None:
    """The console waits on a terminal that nobody types into: SIGTERM must not wait for a line."""
    config = tmp_path / "config.toml"
    config.write_text(f'[canvass]\ndata_dir = "{tmp_path / "data"}"\n[metrics]\nenabled = false\n')
    bot = ConsoleBot(config, tmp_path, environment(CANVASS_SECRET="t" * 32))
    try:
        bot.wait_for(r"canvass running on console")
        sent = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        code = bot.process.wait(GRACE + 5)
        took = time.monotonic() - sent
    finally:
        _code, rest = bot.stop()
    assert code == 0, bot.log
    assert took < 3, took
    assert "canvass stopped in" in rest
