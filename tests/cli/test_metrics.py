"""Metrics live on the operator's own listener (loopback by default), not on the public Slack one, and
nothing there moves with each answer: a counter read beside a live chart would match clicks to steps."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.config import MetricsConfig
from bot.metrics_server import MetricsServer
from tests.cli.running import ConsoleBot, environment
from tests.slack.harness import MEMBERS, ORGANISER, SlackHarness


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[SlackHarness]:
    harness = await SlackHarness.start(tmp_path, ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    yield harness
    await harness.stop()


async def test_the_public_slack_listener_serves_no_metrics(slack: SlackHarness) -> None:
    assert (await slack.get("/healthz"))[0] == 200  # the load balancer's check stays
    assert (await slack.get("/metrics"))[0] == 404


async def test_no_metric_moves_when_people_answer(slack: SlackHarness) -> None:
    server = MetricsServer("127.0.0.1", 0)
    server.add(slack.adapter.metrics.registry)
    port = await server.start()
    try:
        async with aiohttp.ClientSession() as session:

            async def scrape() -> str:
                async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                    assert response.status == 200
                    return await response.text()

            await slack.post("command=/canvass", signature="v0=forged")  # a refusal is counted
            await slack.command(ORGANISER, 'poll "Lunch?" "Pizza" "Sushi"')
            await slack.settle()
            message = slack.last("chat.postMessage")
            before = await scrape()
            for i, voter in enumerate(MEMBERS[:6]):
                await slack.click(voter, message, f"canvass_vote:{i % 2}")
            await slack.settle()
            after = await scrape()
    finally:
        await server.stop()
    assert len(slack.calls("chat.postEphemeral")) == 6  # each answer was taken and confirmed
    def samples(text: str) -> set[str]:
        return {line for line in text.splitlines() if not line.startswith("#")}

    assert samples(after) ^ samples(before) == set()  # six answers later, not one sample changed
    assert "answer" not in after.lower()
    assert 'canvass_slack_refused_requests_total{reason="invalid_signature"} 1.0' in after


def test_the_metrics_listener_is_on_loopback_by_default() -> None:
    assert MetricsConfig().host == "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_metrics_and_health_are_served_in_console_mode_and_health_is_a_command(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[canvass]\ndata_dir = "{tmp_path / "data"}"\n[metrics]\nport = {port}\n', encoding="utf-8")
    env = environment(CANVASS_SECRET="metrics-test-secret-0123456789")

    def health() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "health"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    bot = ConsoleBot(config, tmp_path, env)
    try:
        found = bot.wait_for(r"metrics and health on http://([\d.]+):(\d+)/metrics")
        assert found.groups() == ("127.0.0.1", str(port))  # no host configured: loopback
        bot.wait_for(r"scheduler .* started")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                assert 'canvass_platform_up{platform="console"} 1.0' in await response.text()
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200 and (await response.json())["ok"] is True
        ok = health()
        assert (ok.returncode, ok.stdout) == (0, f"healthy (http://127.0.0.1:{port}/healthz)\n"), ok.stderr
    finally:
        bot.stop()
    down = health()
    assert down.returncode == 1
    assert down.stderr.startswith(f"canvass: unhealthy: no answer from http://127.0.0.1:{port}/healthz (")
