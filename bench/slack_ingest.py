"""Benchmark 1: Slack HTTP vote ingestion against a bare Bolt app, same server stack, same generator.

Canvass: signed `block_actions` POSTs (distinct voters, one poll) to the real adapter's aiohttp
server at /slack/events, on SQLite; each 200 means the ballot is committed (the adapter stores it
before answering). Its confirmations go to a fake Web API in another process, after the ack.
Floor: a bare Bolt AsyncApp (signature verification on, a block_actions listener that only acks)
served by Bolt's own aiohttp server. The load generator is an aiohttp client in its own process,
closed-loop at concurrency 20. Target: Canvass >= 0.75 of the floor's requests/s.

Run: python -m bench.slack_ingest [--votes N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

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
async def floor_server(api_url: str) -> AsyncIterator[str]:
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
    api_url: str, folder: str, *, results_mode: ResultsMode, k: int, update_interval: float = 5.0
) -> AsyncIterator[tuple[str, Any, Any, str]]:
    """The real adapter in HTTP mode with one open single-question poll: (url, core, adapter, button prefix)."""
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
        roster=(Participant("slack", "UORG"),),
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


async def run(count: int, concurrency: int) -> None:
    warmup = 200
    api = FakeApiProcess()
    try:
        async with floor_server(api.url) as url:
            floor = await measure(url, votes("x|y", warmup + count), concurrency, warmup)
        with tempfile.TemporaryDirectory(prefix="canvass-bench-") as folder:
            async with canvass_server(api.url, folder, results_mode=ResultsMode.AFTER_CLOSE, k=5) as (
                url,
                core,
                adapter,
                prefix,
            ):
                ours = await measure(url, votes(prefix, warmup + count), concurrency, warmup)
                survey_id = prefix.split("|")[0]
                stored = await core.repository.respondent_count(survey_id)
                await adapter.background.drain()
    finally:
        calls = api.stop()
    floor_rps, ours_rps = floor.ok / floor.elapsed, ours.ok / ours.elapsed
    emit(
        BENCH,
        "floor_bare_bolt_requests_per_s",
        floor_rps,
        "1/s",
        concurrency=concurrency,
        requests=floor.sent,
        statuses=floor.statuses,
    )
    emit(
        BENCH,
        "canvass_votes_per_s",
        ours_rps,
        "1/s",
        concurrency=concurrency,
        requests=ours.sent,
        statuses=ours.statuses,
        committed=stored,
        acked_including_warmup=ours.ok + warmup,
        confirmations=calls.get("chat.postEphemeral", 0),
    )
    emit(BENCH, "ratio_to_floor", ours_rps / floor_rps, "x", target=">= 0.75")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.votes, args.concurrency))


if __name__ == "__main__":
    main()
