"""Benchmark 5: 200 participants answer a poll in their DMs with the bot, on a real local Synapse.

Set-up (not measured): a throwaway Synapse, 200 registered users, each of whom opens a DM with the bot
(the bot joins), then the bot opens a one-question poll with those 200 as its roster and sends each
of them the native MSC3381 poll start in their DM.

Measured, in the same run:
- tally: from the first answer sent until the bot has counted all 200 (the 200th new respondent
  committed by the repository), with the bot running in this process and syncing as in production;
- floor: with the bot stopped, the time Synapse takes to accept the same 200 events (every
  participant's send returning an event id).

Both use the same load generator: one aiohttp session, all 200 sends at once, like a plenary voting in
the same few seconds. The bot's confirmation DMs keep the configured pace (`messages_per_second`,
default 5/s), as in production.

Run: `python -m bench.matrix_tally` (about two minutes; needs matrix-synapse from the test extras).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from bench.common import emit
from bench.synapse import Account, Homeserver

BENCH = "matrix_tally"


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


POLL_START = "org.matrix.msc3381.poll.start"
POLL_RESPONSE = "org.matrix.msc3381.poll.response"


@dataclass
class Voter:
    account: Account
    dm: str = ""
    start: str = ""


class Http:
    """The participants' side: plain client-server API calls with each participant's own token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def call(self, method: str, path: str, token: str, body: Any = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        for attempt in range(20):
            async with self.session.request(method, self.base + path, json=body, headers=headers) as response:
                data: dict[str, Any] = await response.json()
                if response.status == 200:
                    return data
                if response.status == 429:
                    await asyncio.sleep(data.get("retry_after_ms", 200) / 1000)
                    continue
                if attempt < 19 and response.status >= 500:
                    await asyncio.sleep(0.2)
                    continue
                raise RuntimeError(f"{method} {path}: {response.status} {data}")
        raise RuntimeError(f"{method} {path}: still rate-limited")

    async def close(self) -> None:
        await self.session.close()


async def gather_bounded(jobs: list[Any], limit: int = 20) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Any) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(run(j) for j in jobs))


async def vote(http: Http, voter: Voter, answer: str) -> str:
    content = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": voter.start},
        POLL_RESPONSE: {"answers": [answer]},
    }
    path = f"/_matrix/client/v3/rooms/{quote(voter.dm)}/send/{POLL_RESPONSE}/{uuid.uuid4().hex}"
    data = await http.call("PUT", path, voter.account.access_token, content)
    return str(data["event_id"])


async def send_all(http: Http, voters: list[Voter]) -> float:
    """All answers at once; seconds until the last send returned its event id."""
    start = time.perf_counter()
    await asyncio.gather(*(vote(http, v, f"a{i % 3 + 1}") for i, v in enumerate(voters)))
    return time.perf_counter() - start


async def warm_up(http: Http, voters: list[Voter]) -> None:
    """Every participant sends one event the bot ignores into their DM, all at once: Synapse's caches
    for these rooms and users are then as warm for the tally as for the floor that follows it."""
    path = "/_matrix/client/v3/rooms/{}/send/org.canvass.bench.warmup/{}"
    await asyncio.gather(
        *(http.call("PUT", path.format(quote(v.dm), uuid.uuid4().hex), v.account.access_token, {}) for v in voters)
    )


async def find_poll_start(http: Http, voter: Voter, deadline: float) -> None:
    path = f"/_matrix/client/v3/rooms/{quote(voter.dm)}/messages?dir=b&limit=20"
    while time.monotonic() < deadline:
        page = await http.call("GET", path, voter.account.access_token)
        for event in page.get("chunk", []):
            if event.get("type") == POLL_START:
                voter.start = event["event_id"]
                return
        await asyncio.sleep(0.5)
    raise RuntimeError("a poll start never reached a DM")


async def run(participants: int, pace: float) -> None:
    # Imported here so `python -m bench` can list this module without the Matrix dependencies.
    from adapters.matrix.plugin import MatrixAdapter
    from bot.bootstrap import build_core, load_adapter
    from bot.config import Config, CoreConfig, MatrixConfig
    from bot.domain import Participant, QuestionKind, QuestionSpec, SurveySpec, Target

    with tempfile.TemporaryDirectory(prefix="canvass-bench-matrix-") as folder:
        root = Path(folder)
        (root / "synapse").mkdir()
        hs = Homeserver(root / "synapse")
        hs.configure()
        await asyncio.to_thread(hs.start)
        http = Http(hs.url)
        try:
            set_up = time.perf_counter()
            bot_account = await hs.register("tallybot")
            accounts = await gather_bounded([hs.register(f"voter{i}") for i in range(participants)], 8)
            voters = [Voter(a) for a in accounts]

            config = Config(
                canvass=CoreConfig(data_dir=str(root / "data"), secret="s" * 32, timezone="UTC"),
                matrix=MatrixConfig(
                    enabled=True,
                    homeserver=hs.url,
                    user_id=bot_account.user_id,
                    password=bot_account.password,
                    encryption=False,
                    allowed_inviters=[":localhost"],
                    messages_per_second=1000.0,  # set-up only; the measured phase uses `pace`
                ),
            )
            core = await build_core(config, with_charts=False)
            adapter = load_adapter("matrix", core)
            assert isinstance(adapter, MatrixAdapter)
            task = asyncio.create_task(adapter.run())
            await adapter.ready()

            async def open_dm(voter: Voter) -> None:
                body = {"is_direct": True, "invite": [bot_account.user_id], "preset": "trusted_private_chat"}
                data = await http.call("POST", "/_matrix/client/v3/createRoom", voter.account.access_token, body)
                voter.dm = data["room_id"]

            note(f"registered {participants} participants")
            await gather_bounded([open_dm(v) for v in voters], 10)
            note("DMs created")
            deadline = time.monotonic() + 180
            while any(adapter.dms.partner(v.dm) is None or v.dm not in adapter.client.rooms for v in voters):
                if time.monotonic() > deadline:
                    raise RuntimeError("the bot did not join every DM")
                await asyncio.sleep(0.2)

            note("the bot joined every DM")
            assert adapter.client is not None
            target = (await adapter.client.room_create(name="Plenary")).room_id  # type: ignore[union-attr]
            spec = SurveySpec(
                title="Plenary vote",
                questions=(QuestionSpec(QuestionKind.SINGLE, "Adopt the motion?", ("Yes", "No", "Abstain")),),
                targets=(Target("matrix", target),),
                k=5,
                roster=tuple(Participant("matrix", v.account.user_id) for v in voters),
            )
            survey = await core.service.create_survey(None, spec)
            await core.delivery.open(None, survey.id)
            deadline = time.monotonic() + 180
            await gather_bounded([find_poll_start(http, v, deadline) for v in voters], 20)

            note("every poll start delivered")
            await warm_up(http, voters)
            await asyncio.sleep(2.0)  # the bot's sync has passed the warm-up events
            # The measured phase runs at the configured DM pace (confirmations are DMs too).
            adapter.sender.limiter.interval = 1.0 / pace
            counted = 0
            all_counted = asyncio.Event()
            submit = core.repository.submit

            async def counting_submit(*args: Any, **kwargs: Any) -> Any:
                nonlocal counted
                outcome = await submit(*args, **kwargs)
                if outcome.new_respondent:
                    counted += 1
                    if counted == participants:
                        all_counted.set()
                return outcome

            core.repository.submit = counting_submit
            set_up_s = time.perf_counter() - set_up

            # -- the bot tallies ------------------------------------------------------------
            profiler = None
            if os.environ.get("BENCH_PROFILE"):  # pyinstrument over the measured phase only
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="disabled")
                profiler.start()
            start = time.perf_counter()
            sends_with_bot = await send_all(http, voters)
            await asyncio.wait_for(all_counted.wait(), timeout=300)
            tally_s = time.perf_counter() - start
            if profiler is not None:
                profiler.stop()
                report = profiler.output_text(unicode=False, show_all=False)
                await asyncio.to_thread(Path(os.environ["BENCH_PROFILE"]).write_text, report)
            assert await core.repository.respondent_count(survey.id) == participants
            note(f"tallied in {tally_s:.2f}s")

            # -- the floor: Synapse alone -----------------------------------------------------
            await adapter.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            floors = [await send_all(http, voters) for _ in range(3)]
            floor_s = statistics.median(floors)
            await core.close()
        finally:
            await http.close()
            await asyncio.to_thread(hs.stop)

    extra = {"participants": participants, "dm_pace_per_s": pace}
    emit(BENCH, "floor_s", floor_s, "s", runs=[round(f, 3) for f in floors], **extra)
    emit(BENCH, "tally_s", tally_s, "s", sends_returned_s=round(sends_with_bot, 3), **extra)
    emit(BENCH, "ratio", tally_s / floor_s, "x", target=1.2, met=tally_s <= 1.2 * floor_s, **extra)
    emit(BENCH, "participants", participants, "people", set_up_s=round(set_up_s, 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--pace", type=float, default=replace_default_pace(), help="DMs per second")
    args = parser.parse_args()
    asyncio.run(run(args.participants, args.pace))
    return 0


def replace_default_pace() -> float:
    from bot.config import MatrixConfig

    return MatrixConfig().messages_per_second


if __name__ == "__main__":
    sys.exit(main())
