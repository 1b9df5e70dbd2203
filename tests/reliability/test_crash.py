"""Crash under load, then the anonymity canary: the real bot as a subprocess in Slack HTTP mode, votes at
full speed, SIGKILL mid-stream, restart. Every vote that got a 200 is counted exactly once; no participant
id is stored outside the roster before close, none anywhere after close, and none reaches the logs.

Slow (about 10-20 s per database): marked `slow`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.clock import SystemClock
from bot.results import ChoiceResult
from bot.service import Canvass
from storage.engine import create_engine
from storage.repository import SqlRepository
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SIGNING_SECRET, sign
from tests.storage.dbdump import id_forms, rows_mentioning

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "CPLENARY"
ORGANISER = "UORGANISER"
VOTERS = [f"UCANARY{i:05d}ZQ" for i in range(400)]
# Channel members when the poll opens: the only ids the roster may hold, and (issue 10, break 3) the
# only people whose votes count.
ROSTERED = VOTERS
KILL_AFTER_ACKS = 120
CONCURRENCY = 20


def all_forms(users: list[str]) -> list[str]:
    return [f for u in users for f in id_forms(u, "slack")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BotProcess:
    """`python -m bot.cli --config X run`, with its output (DEBUG) appended to one log file."""

    def __init__(self, config: Path, log: Path, url: str) -> None:
        self.config, self.log, self.url = config, log, url
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - starting is instant; waiting is async below
                [sys.executable, "-m", "bot.cli", "--config", str(self.config), "run"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        async with aiohttp.ClientSession() as session:
            for _ in range(300):  # bounded: 30 s
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("the bot did not start listening within 30 s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


async def post(session: aiohttp.ClientSession, url: str, body: str) -> int:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp),
    }
    async with session.post(url + "/slack/events", data=body.encode(), headers=headers) as response:
        await response.read()
        return response.status


def command(fake: FakeSlack, text: str, n: int) -> str:
    return urlencode(
        {
            "team_id": "T1",
            "channel_id": CHANNEL,
            "channel_name": "plenary",
            "user_id": ORGANISER,
            "user_name": "organiser",
            "command": "/canvass",
            "text": text,
            "api_app_id": "A1",
            "response_url": f"{fake.root}/response/cmd{n}",
            "trigger_id": f"trigger.{n}",
        }
    )


def click(user: str, value: str, ts: str) -> str:
    import json

    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "t"},
        "trigger_id": f"trigger.{user}",
        "channel": {"id": CHANNEL, "name": "plenary"},
        "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "message": {"type": "message", "ts": ts, "text": "poll"},
        "state": {"values": {}},
        "actions": [
            {
                "action_id": f"canvass_vote:{value[-1]}",
                "block_id": "vote",
                "type": "button",
                "value": value,
                "action_ts": "1700000000.000001",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


async def eventually(condition: Any, what: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def write_config(folder: Path, fake: FakeSlack, port: int, database_url: str) -> Path:
    config = folder / "config.toml"
    database = f'[database]\nurl = "{database_url}"\n' if database_url.startswith("postgresql") else ""
    config.write_text(
        f"""[canvass]
data_dir = "{folder / "data"}"
organisers = ["slack:{ORGANISER}"]
secret = "{"c" * 40}"
log_level = "DEBUG"

{database}
[slack]
enabled = true
mode = "http"
bot_token = "xoxb-crash-test"
signing_secret = "{SIGNING_SECRET}"
http_host = "127.0.0.1"
http_port = {port}
api_url = "{fake.api_url}"
update_interval_seconds = 1.0

[metrics]
port = 0
"""
    )
    return config


async def crash_and_check(tmp_path: Path, database_url: str | None) -> None:
    fake = FakeSlack()
    fake.members[CHANNEL] = ["UBOT", ORGANISER, *ROSTERED]
    await fake.start()
    port = free_port()
    url = database_url or f"sqlite:///{tmp_path / 'data' / 'canvass.db'}"
    config = write_config(tmp_path, fake, port, url)
    log = tmp_path / "bot.log"
    bot = BotProcess(config, log, f"http://127.0.0.1:{port}")
    try:
        await bot.start()
        async with aiohttp.ClientSession() as session:
            assert (
                await post(session, bot.url, command(fake, 'poll "Where next?" "North" "South" "East" --k 3', 1)) == 200
            )
            await eventually(lambda: fake.ok_calls("chat.postMessage"), "the poll message")
            message = fake.ok_calls("chat.postMessage")[0]
            values = [
                e["value"]
                for b in message.args["blocks"]
                if b.get("type") == "actions"
                for e in b["elements"]
                if str(e.get("action_id", "")).startswith("canvass_vote:")
            ]
            assert len(values) == 3
            survey_id = values[0].split("|")[0]
            ts = message.response["ts"]

            acked: list[tuple[str, int]] = []
            unanswered: list[tuple[str, int]] = []
            queue = iter(enumerate(VOTERS))
            killed = asyncio.Event()

            async def voter() -> None:
                for i, user in queue:
                    option = i % 3
                    if killed.is_set():
                        return
                    try:
                        status = await post(session, bot.url, click(user, values[option], ts))
                    except (aiohttp.ClientError, TimeoutError):
                        status = 0
                    (acked if status == 200 else unanswered).append((user, option))
                    if len(acked) >= KILL_AFTER_ACKS and not killed.is_set():
                        killed.set()
                        bot.kill()  # mid-stream: other clients have requests in flight

            await asyncio.gather(*(voter() for _ in range(CONCURRENCY)))
            assert killed.is_set() and len(acked) >= KILL_AFTER_ACKS

            await bot.start()  # the same data, a fresh process

            # Before close: participant ids in the roster alone, and only the rostered ones.
            leaks = rows_mentioning(url, all_forms(VOTERS))
            assert set(leaks) == {"roster"}, set(leaks)
            assert len(leaks["roster"]) == len(ROSTERED)

            assert await post(session, bot.url, command(fake, f"close {survey_id}", 2)) == 200
            await eventually(lambda: any("Closed" in r.get("text", "") for r in fake.responses), "the close reply")

        engine = create_engine(url)
        try:
            service = Canvass(SqlRepository(engine), SystemClock(), b"x" * 32, frozenset())
            results = await service.results(None, survey_id)
        finally:
            await engine.dispose()
        result = results.questions[0]
        assert isinstance(result, ChoiceResult)
        tally = [option.count for option in result.options]
        want = Counter(option for _, option in acked)
        maybe = Counter(option for _, option in unanswered)
        # Every acknowledged vote is there; a request killed after its commit but before its 200 may be
        # there too (its sender saw an error, as Slack would), so it is allowed but never required.
        for option in range(3):
            assert want[option] <= tally[option] <= want[option] + maybe[option], (option, tally, want, maybe)
        assert result.respondents == sum(tally) == results.respondents
        assert len(acked) <= sum(tally) <= len(acked) + len(unanswered)

        # After close: no participant id anywhere, not even in the roster or the raw SQLite files.
        assert (
            rows_mentioning(url, all_forms(VOTERS)) == {}
        )  # (the organiser, not a participant, is kept as the creator)
        if database_url is None:
            database = tmp_path / "data" / "canvass.db"
            raw = b"".join(p.read_bytes() for p in database.parent.glob("canvass.db*"))
            assert database.exists()
            leaked = [f for f in all_forms(VOTERS) if f.encode() in raw]
            assert leaked == []
    finally:
        bot.stop()
        await fake.stop()

    output = log.read_text(errors="replace")
    assert "slack HTTP mode listening" in output and "DEBUG" in output  # the log was captured at DEBUG
    assert "Traceback" not in output
    voter_forms = all_forms(VOTERS)
    assert [line for line in output.splitlines() if any(f.lower() in line.lower() for f in voter_forms)] == []


async def test_crash_under_load_sqlite(tmp_path: Path) -> None:
    await crash_and_check(tmp_path, None)


async def test_crash_under_load_postgresql(tmp_path: Path, pg_url: str) -> None:
    await crash_and_check(tmp_path, pg_url)
