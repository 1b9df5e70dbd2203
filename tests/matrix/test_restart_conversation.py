"""A restart in the middle of a survey, on a real Synapse with the bot as a real process (`canvass run`):
SIGTERM stops it cleanly (exit 0, within the grace) and SIGKILL does not, yet either way every participant in
progress gets their next prompt, and one who had submitted is told so by `resume` (issue 16)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.ports import StateStore
from storage.engine import create_engine
from storage.repository import SqlStateStore
from tests.matrix.helpers import command, survey_id_in, wait_bot_joined
from tests.matrix.homeserver import Account, Homeserver
from tests.matrix.people import POLL_START, Person, body, event_type, join_all, people

ROOT = Path(__file__).resolve().parents[2]
SURVEY = """!canvass survey
title = "Restart drill"
min_respondents = 3

[[questions]]
kind = "single"
text = "Pick a colour"
options = ["Red", "Green", "Blue"]

[[questions]]
kind = "text"
text = "Say something"

[[questions]]
kind = "scale"
text = "Rate the drill"
min = 1
max = 5
"""
RATE = 1.0  # DMs per second: prompts queue up behind each other, so some are unsent at the stop
GRACE = 0.5


class BotProcess:
    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CANVASS_", "MATRIX_", "SLACK_"))}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "--config", str(self.config), "run"],
                env={**env, "PYTHONPATH": str(ROOT)},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )

    async def stop(self, signum: signal.Signals) -> tuple[int, float]:
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signum)
        code = await asyncio.to_thread(self.process.wait, 30)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def write_config(folder: Path, hs: Homeserver, bot: Account, organisers: list[str]) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""[canvass]
data_dir = "{folder / "data"}"
secret = "{"r" * 32}"
timezone = "UTC"
organisers = {json.dumps(organisers)}
shutdown_grace_seconds = {GRACE}

[matrix]
enabled = true
homeserver = "{hs.url}"
user_id = "{bot.user_id}"
password = "{bot.password}"
encryption = false
allowed_inviters = [":localhost"]
messages_per_second = {RATE}

[metrics]
enabled = false
""",
        encoding="utf-8",
    )
    return path


async def steps(state: StateStore, survey_id: str) -> dict[str, dict[str, object]]:
    """The durable conversation entries: DM room -> {"q", "sent", ...} (no answer in them)."""
    stored = await state.state_with_prefix(f"survey:{survey_id}:matrix.next.")  # type: ignore[attr-defined]
    return {key.rsplit(".next.", 1)[1]: json.loads(value) for key, value in stored.items()}


async def dm_of(person: Person, bot: str, room: str) -> tuple[str, str]:
    dm, start = await person.wait_for(
        lambda r, e: r != room and e.sender == bot and event_type(e) == POLL_START and "Pick a colour" in body(e),
        timeout=90,
    )
    return dm, start.event_id


async def restart_mid_survey(hs: Homeserver, tmp_path: Path, signum: signal.Signals) -> None:
    bot_account = await hs.register(f"restartbot{signum.value}-" + tmp_path.name[-6:])
    me = bot_account.user_id
    organiser, done, *answering = await people(hs, f"rs{signum.value}-", 5)
    everyone = [organiser, done, *answering]
    # A configured organiser: this test is not about room power (whose surveys wait for an approval).
    config = write_config(tmp_path, hs, bot_account, [f"matrix:{organiser.user_id}"])
    url = f"sqlite:///{tmp_path / 'data' / 'canvass.db'}"
    bot = BotProcess(config, tmp_path / "bot.log")
    bot.start()
    engine = None
    try:
        room = await organiser.create_room([me, *(p.user_id for p in everyone[1:])])
        await join_all(everyone[1:], room)
        await wait_bot_joined(organiser, room, me, timeout=60)
        survey_id = survey_id_in(await command(organiser, room, me, SURVEY, "Opened", timeout=60))
        engine = create_engine(url)
        state = SqlStateStore(engine)

        # One participant answers everything and submits before the restart.
        dm_done, _ = await dm_of(done, me, room)
        for reply, expect in (("2", "Say something"), ("fine", "Rate the drill"), ("4", "All questions")):
            mark = done.mark()
            await done.say(dm_done, reply)
            await done.wait_bot_text(me, expect, after=mark, room=dm_done, timeout=60)
        mark = done.mark()
        await done.say(dm_done, "submit")
        await done.wait_bot_text(me, "are submitted", after=mark, room=dm_done, timeout=60)

        # Three answer question 1 at once; the stop comes as soon as the bot has handled their answers,
        # while their question-2 prompts queue up at one DM per second.
        dms = [(await dm_of(p, me, room))[0] for p in answering]
        marks = [p.mark() for p in answering]
        await asyncio.gather(*(p.say(dm, "1") for p, dm in zip(answering, dms, strict=True)))
        deadline = time.monotonic() + 60
        while True:
            at_stop = await steps(state, survey_id)
            if all(at_stop.get(dm, {}).get("q") == 1 for dm in dms):
                break
            assert time.monotonic() < deadline, at_stop
            await asyncio.sleep(0.05)
        code, took = await bot.stop(signum)
        unsent_at_stop = [dm for dm in dms if not at_stop[dm]["sent"]]
        assert unsent_at_stop, "the test needs prompts still queued at the stop"
        if signum is signal.SIGTERM:
            assert code == 0, (tmp_path / "bot.log").read_text()[-3000:]
            assert took < GRACE + 4, took
            log = (tmp_path / "bot.log").read_text()
            assert "canvass stopped in" in log and "Traceback" not in log
            assert await state.get_state("matrix.sync_token"), "the sync token was saved"
        after_stop = await steps(state, survey_id)

        bot.start()
        # Every participant in progress gets their next prompt (during the grace or after the restart).
        for person, dm, mark in zip(answering, dms, marks, strict=True):
            await person.wait_bot_text(me, "Say something", after=mark, room=dm, timeout=90)
        # A submitted survey never starts again at question 1.
        mark = done.mark()
        await done.say(dm_done, "resume")
        _, reply = await done.wait_bot_text(me, "are submitted", after=mark, room=dm_done, timeout=60)
        assert "change" in body(reply) and "Pick a colour" not in body(reply)
        for person, dm, mark in zip(answering, dms, marks, strict=True):
            if after_stop[dm]["sent"]:  # went out before the stop (in the grace, for SIGTERM)
                await person.sync(timeout_ms=1000)
                prompts = [e for r, e in person.events[mark:] if r == dm and "Say something" in body(e)]
                assert len(prompts) == 1, "a prompt that went out before the stop is not sent again"
    finally:
        bot.kill()
        if engine is not None:
            await engine.dispose()
        await asyncio.gather(*(p.close() for p in everyone))


async def test_sigterm_mid_survey_exits_0_in_the_grace_and_nobody_is_stranded(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    await restart_mid_survey(homeserver, tmp_path, signal.SIGTERM)


async def test_sigkill_mid_survey_strands_nobody(homeserver: Homeserver, tmp_path: Path) -> None:
    await restart_mid_survey(homeserver, tmp_path, signal.SIGKILL)
