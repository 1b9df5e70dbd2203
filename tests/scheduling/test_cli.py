"""`canvass survey create` keeps the file's reminders; `canvass remind|extend|close` work on the database,
and a running bot then posts what the CLI could not (it has no chat connection)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import build_core
from bot.cli import main
from bot.clock import SystemClock
from bot.config import load_config
from tests.scheduling.fakes import RecordingMessenger

SURVEY = """
title = "CLI survey"
timezone = "Europe/Brussels"
closes_at = "{closes}"
min_respondents = 3
targets = [{{ platform = "console", channel = "plenary" }}]
roster = ["console:alice", "console:bob"]

[[questions]]
kind = "single"
text = "Ready?"
options = ["Yes", "No"]

[[reminders]]
before_close = "24h"

[[reminders]]
before_close = "1h"
audience = "channel"
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_cli_reminders_extend_close(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[canvass]\ndata_dir = "{tmp_path / "data"}"\nsecret = "cli-test-secret-0123456789"\n',
        encoding="utf-8",
    )
    cfg = ("--config", str(config_file))
    closes = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(days=3)).replace(second=0, microsecond=0)
    survey_file = tmp_path / "survey.toml"
    survey_file.write_text(SURVEY.format(closes=closes.strftime("%Y-%m-%d %H:%M")), encoding="utf-8")

    code, out = run(capsys, *cfg, "survey", "create", str(survey_file))
    assert code == 0, out
    sid = re.search(r"\[([a-z0-9]+)\]", out).group(1)  # type: ignore[union-attr]

    code, out = run(capsys, *cfg, "remind", sid, "list")
    assert code == 0 and "1. 1d before close" in out and "2. 1h before close" in out, out
    code, out = run(capsys, *cfg, "remind", sid, "add", "in 2h", "--channel", "Two hours in.")
    assert code == 0 and out.startswith("Reminder 3"), out
    code, out = run(capsys, *cfg, "remind", sid, "add", "in 9d")
    assert code == 1 and "is not before the close" in out, out
    code, out = run(capsys, *cfg, "remind", sid, "cancel", "3")
    assert code == 0 and "Cancelled reminder 3" in out

    new_close = closes + timedelta(days=1)
    code, out = run(capsys, *cfg, "extend", sid, new_close.strftime("%Y-%m-%d %H:%M"))
    assert code == 0 and "now closes" in out, out
    code, out = run(capsys, *cfg, "remind", sid, "list")
    moved = (new_close - timedelta(hours=1)).strftime("%d %b %Y %H:%M")
    assert "1h before close (" in out and moved in out, out

    code, out = run(capsys, *cfg, "close", sid)
    assert code == 0 and "Closed" in out, out
    code, out = run(capsys, *cfg, "extend", sid, "in 2h")
    assert code == 1 and "closed" in out

    # The CLI had no chat platform, so the results wait for a running bot, which posts them once.
    async def running_bot() -> list[str]:
        sent: list[str] = []
        for _ in range(2):  # started twice: still posted once
            core = await build_core(load_config(config_file), with_charts=False)
            messenger = RecordingMessenger(SystemClock())
            core.messengers.add(messenger)
            assert core.scheduler is not None
            await core.scheduler.start()
            await core.close()
            sent += [f"{s.kind}:{s.where}" for s in messenger.sent]
        return sent

    assert asyncio.run(running_bot()) == ["results:plenary"]
