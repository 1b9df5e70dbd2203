"""Socket Mode: the same Bolt app behind a WebSocket opened with apps.connections.open (no public URL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.slack.plugin import SlackAdapter
from bot.bootstrap import build_core
from bot.clock import ManualClock
from bot.config import Config, CoreConfig, SlackConfig
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import CHANNEL, ORGANISER, SIGNING_SECRET


async def test_socket_mode_receives_a_command_and_acks_it(tmp_path: Path, clock: ManualClock) -> None:
    fake = FakeSlack()
    fake.members[CHANNEL] = ["UBOT", ORGANISER, "U0001", "U0002"]
    await fake.start()
    config = Config(
        canvass=CoreConfig(data_dir=str(tmp_path), organisers=[f"slack:{ORGANISER}"], secret="s" * 32),
        slack=SlackConfig(
            enabled=True,
            mode="socket",
            bot_token="xoxb-test",
            app_token="xapp-test",
            signing_secret=SIGNING_SECRET,
            api_url=fake.api_url,
        ),
    )
    core = await build_core(config, clock=clock, with_charts=False)
    adapter = SlackAdapter(core)
    core.messengers.add(adapter.messenger)
    try:
        await adapter.start()
        await asyncio.wait_for(fake.socket_connected.wait(), 10)
        assert adapter.http is None  # no HTTP server in Socket Mode
        command = {
            "command": "/canvass",
            "text": 'poll "Tea?" "Yes" "No" --k 3',
            "user_id": ORGANISER,
            "channel_id": CHANNEL,
            "team_id": "T1",
            "trigger_id": "t.1",
            "response_url": f"{fake.root}/response/sock1",
        }
        await fake.send_envelope("slash_commands", command, "env-1")
        for _ in range(500):
            if fake.socket_acks and fake.responses:
                break
            await asyncio.sleep(0.01)
        await adapter.background.drain()
        assert [a["envelope_id"] for a in fake.socket_acks] == ["env-1"]
        assert any(c.args["channel"] == CHANNEL for c in fake.ok_calls("chat.postMessage"))
        assert "Opened" in fake.responses[-1]["text"]
    finally:
        await adapter.stop()
        await core.close()
        await fake.stop()
