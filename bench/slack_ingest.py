"""Benchmark 1: Slack HTTP vote ingestion against two floors, same server stack, same generator.

Canvass: signed `block_actions` POSTs (distinct voters on the poll's roster, one poll) to the real
adapter's aiohttp server at /slack/events, on SQLite; each 200 means the ballot is committed (the
adapter stores it before answering). Its confirmations go to a fake Web API in another process,
after the ack.
Floors, in the same process and the same run, rounds alternating with Canvass's:
- bare Bolt: an AsyncApp (signature verification on, a block_actions listener that only acks) on
  Bolt's own aiohttp server. Far goal: Canvass >= 0.75 of its requests/s.
- same work (bench/_floor.py): verify, parse once, group-commit one row, ack, one chat.postEphemeral.
  Target: Canvass >= 0.8 of its votes/s.
Votes/s for the servers that confirm count until the last confirmation was sent (they trail the acks).
The load generator is an aiohttp client in its own process, closed-loop at concurrency 20.

Run: python -m bench.slack_ingest [--votes N] [--concurrency C] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web

from bench._floor import floor_rows
from bench._floor import floor_server as same_work_server
from bench._slack import CHANNEL, SIGNING_SECRET, FakeApiProcess, LoadResult, Vote, generate_load
from bench.common import emit
from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode, SurveySpec, Target

BENCH = "slack_ingest"


async def _listen(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@asynccontextmanager
async def bare_bolt_server(api_url: str) -> AsyncIterator[str]:
    """A bare Bolt app: verifies the signature, acks the click, nothing else."""
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    @app.action(re.compile("^canvass_vote:"))
    async def only_ack(ack: Any) -> None:
        await ack()

    runner, port = await _listen(app.web_app(path="/slack/events"))
    try:
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def canvass_server(
    api_url: str,
    folder: str,
    *,
    results_mode: ResultsMode,
    k: int,
    voters: Sequence[str] = (),
    update_interval: float = 5.0,
) -> AsyncIterator[tuple[str, Any, Any, str]]:
    """The real adapter in HTTP mode with one open single-question poll: (url, core, adapter, button prefix).
    `voters` are put on the poll's roster: only the roster may answer, and a vote from anyone else
    is refused (and would measure the refusal, not a commit)."""
    from adapters.slack.plugin import SlackAdapter
    from bot.bootstrap import build_core
    from bot.config import Config, CoreConfig, SlackConfig

    config = Config(
        canvass=CoreConfig(data_dir=folder, organisers=["slack:UORG"], secret="b" * 32),
        slack=SlackConfig(
            enabled=True,
            mode="http",
            bot_token="xoxb-bench",
            signing_secret=SIGNING_SECRET,
            http_host="127.0.0.1",
            http_port=0,
            api_url=api_url,
            update_interval_seconds=update_interval,
        ),
    )
    core = await build_core(config, with_charts=False)
    adapter = SlackAdapter(core)
    core.messengers.add(adapter.messenger)
    spec = SurveySpec(
        "Bench poll",
        (QuestionSpec(QuestionKind.SINGLE, "Which one?", ("A", "B", "C")),),
        targets=(Target("slack", CHANNEL),),
        closes_at=datetime.now(UTC) + timedelta(days=1),
        results_mode=results_mode,
        k=k,
        roster=(Participant("slack", "UORG"), *(Participant("slack", v) for v in voters)),
    )
    survey = await core.service.create_survey(None, spec)
    await core.delivery.open(None, survey.id)  # posts the poll message (its ts is kept for chat.update)
    await adapter.start()
    assert adapter.http is not None
    try:
        yield (
            f"http://127.0.0.1:{adapter.http.port}/slack/events",
            core,
            adapter,
            f"{survey.id}|{survey.questions[0].id}",
        )
    finally:
        await adapter.stop()
        await core.close()


def votes(prefix: str, count: int, offset: int = 0) -> list[Vote]:
    return [Vote(f"U{offset + i:07d}", f"{prefix}|{i % 3}") for i in range(count)]


async def measure(url: str, all_votes: Sequence[Vote], concurrency: int, warmup: int) -> LoadResult:
    await generate_load(url, all_votes[:warmup], concurrency=concurrency)
    return await generate_load(url, all_votes[warmup:], concurrency=concurrency, max_seconds=60)


@dataclass
class Round:
    """One measured burst: acks per second, and votes per second until the last confirmation was sent
    too (the confirmations trail the acks; both servers do that work, so it counts)."""

    result: LoadResult
    trailing_s: float
    cpu_s: float  # this process's CPU time over the round (the server's; generator and fake API are apart)

    @property
    def cpu_ms_per_vote(self) -> float:
        return 1000 * self.cpu_s / max(self.result.ok, 1)

    @property
    def acked_per_s(self) -> float:
        return self.result.ok / self.result.elapsed

    @property
    def done_per_s(self) -> float:
        return self.result.ok / (self.result.elapsed + self.trailing_s)


async def timed_drain(drain: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await drain()
    return time.perf_counter() - start


class ConfirmationCount:
    """Counts the confirmations Canvass sends (lean or through the SDK), so a round ends when the last
    one was sent. Not `adapter.background.drain()`: that also waits for the poll message's debounced
    progress update (one chat.update per survey per interval, up to `update_interval` seconds later),
    which is not a vote's work and which the floor lacks."""

    def __init__(self, adapter: Any) -> None:
        sender = adapter.messenger.ephemerals
        self._send = sender.send
        sender.send = self._counted
        self.sent = 0
        self._target = 0
        self._reached = asyncio.Event()

    async def _counted(self, **args: Any) -> None:
        await self._send(**args)
        self.sent += 1
        if self.sent >= self._target:
            self._reached.set()

    async def until(self, target: int) -> None:
        self._target = target
        self._reached.clear()
        if self.sent < target:
            # Bounded: a failed send would otherwise hang the benchmark (every vote is also counted in
            # the database at the end, so a refusal confirmed with a warning cannot pass as a vote).
            await asyncio.wait_for(self._reached.wait(), 120)


async def run(count: int, concurrency: int, rounds: int) -> None:
    warmup = 200
    per_round = warmup + count
    api = FakeApiProcess()
    bare: list[Round] = []
    same: list[Round] = []
    ours: list[Round] = []
    try:
        with tempfile.TemporaryDirectory(prefix="canvass-bench-") as folder:
            voters = [v.user for v in votes("", per_round * rounds)]
            async with (
                bare_bolt_server(api.url) as bare_url,
                same_work_server(api.url, folder, SIGNING_SECRET) as (same_url, pending),
                canvass_server(api.url, folder, results_mode=ResultsMode.AFTER_CLOSE, k=5, voters=voters) as (
                    url,
                    core,
                    adapter,
                    prefix,
                ),
            ):
                confirmed = ConfirmationCount(adapter)
                # Alternating rounds: each server sees about the same background load on a shared machine.
                for r in range(rounds):
                    offset = r * per_round
                    cpu = time.process_time()
                    result = await measure(bare_url, votes("x|y", per_round, offset), concurrency, warmup)
                    bare.append(Round(result, 0.0, time.process_time() - cpu))
                    cpu = time.process_time()
                    result = await measure(same_url, votes("x|y", per_round, offset), concurrency, warmup)
                    trailing = await timed_drain(lambda: asyncio.gather(*list(pending)))
                    same.append(Round(result, trailing, time.process_time() - cpu))
                    cpu = time.process_time()
                    result = await measure(url, votes(prefix, per_round, offset), concurrency, warmup)
                    trailing = await timed_drain(partial(confirmed.until, offset + per_round))
                    ours.append(Round(result, trailing, time.process_time() - cpu))
                survey_id = prefix.split("|")[0]
                stored = await core.repository.respondent_count(survey_id)
            same_rows = await floor_rows(folder)
    finally:
        calls = api.stop()

    def median(values: list[float]) -> float:
        return statistics.median(values)

    bare_rps = median([b.acked_per_s for b in bare])
    same_rps = median([s.done_per_s for s in same])
    ours_rps = median([o.done_per_s for o in ours])
    acked = sum(o.result.ok for o in ours) + warmup * rounds
    extra = {"concurrency": concurrency, "rounds": rounds, "votes_per_round": count}
    emit(
        BENCH,
        "floor_bare_bolt_requests_per_s",
        bare_rps,
        "1/s",
        runs=[round(b.acked_per_s) for b in bare],
        cpu_ms_per_request=round(median([b.cpu_ms_per_vote for b in bare]), 3),
        **extra,
    )
    emit(
        BENCH,
        "floor_same_work_votes_per_s",
        same_rps,
        "1/s",
        runs=[round(s.done_per_s) for s in same],
        acked_per_s=round(median([s.acked_per_s for s in same])),
        cpu_ms_per_vote=round(median([s.cpu_ms_per_vote for s in same]), 3),
        committed=same_rows,
        **extra,
    )
    emit(
        BENCH,
        "canvass_votes_per_s",
        ours_rps,
        "1/s",
        runs=[round(o.done_per_s) for o in ours],
        acked_per_s=round(median([o.acked_per_s for o in ours])),
        cpu_ms_per_vote=round(median([o.cpu_ms_per_vote for o in ours]), 3),
        statuses=[o.result.statuses for o in ours],
        acked_including_warmup=acked,
        committed=stored,
        confirmations=calls.get("chat.postEphemeral", 0) - same_rows,
        **extra,
    )
    # Every acknowledged vote is committed and confirmed, or the figure is not worth reporting.
    assert stored == acked, f"{acked} votes acked but {stored} committed"
    ratio_same = ours_rps / same_rps
    emit(BENCH, "ratio_to_same_work_floor", ratio_same, "x", target=">= 0.8", met=ratio_same >= 0.8)
    ratio_bare = ours_rps / bare_rps
    emit(BENCH, "ratio_to_bare_bolt", ratio_bare, "x", target=">= 0.75 (far goal)", met=ratio_bare >= 0.75)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported")
    parser.add_argument("--uvloop", action="store_true", help="serve all three on uvloop (if installed)")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.install()
    asyncio.run(run(args.votes, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
