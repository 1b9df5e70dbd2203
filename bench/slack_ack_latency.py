"""Benchmark 2: Slack ack latency while votes arrive at a fixed rate on a LIVE poll.

Open loop: vote i is sent at start + i/rate whatever happened to earlier ones, and its latency counts
from that scheduled moment (so a stalled server cannot hide its backlog). The poll is in live mode
with k = 3 and a 0.5 s update interval, so every third new ballot computes and stores a live
snapshot (on the vote's path, in the core) and the adapter re-renders the poll message's live
result bars and sends chat.update in the background. Target: p99 < 100 ms (Slack's limit: 3,000 ms).

Run: python -m bench.slack_ack_latency [--rate R] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile

from bench._slack import FakeApiProcess, generate_load
from bench.common import emit
from bench.slack_ingest import canvass_server, votes
from bot.domain import ResultsMode

BENCH = "slack_ack_latency"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(rate: float, seconds: float) -> None:
    count = int(rate * seconds)
    api = FakeApiProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="canvass-bench-") as folder:
            warm, measured = votes("", 100, offset=10_000_000), votes("", count)
            voters = [v.user for v in (*warm, *measured)]  # on the roster: anyone else's vote is refused
            async with canvass_server(
                api.url, folder, results_mode=ResultsMode.LIVE, k=3, voters=voters, update_interval=0.5
            ) as (
                url,
                _core,
                adapter,
                prefix,
            ):
                await generate_load(url, votes(prefix, 100, offset=10_000_000), concurrency=10)  # warm-up
                result = await generate_load(url, votes(prefix, count), rate=rate, max_seconds=seconds + 1)
                await adapter.background.drain()
                updates = adapter.live.updates
                committed = await _core.repository.respondent_count(prefix.split("|")[0])
    finally:
        calls = api.stop()
    ms = [1000 * s for s in result.latencies]
    extra = {"rate_asked": rate, "requests": result.sent, "statuses": result.statuses, "committed": committed}
    emit(BENCH, "achieved_rate", result.sent / result.elapsed, "1/s", **extra)
    emit(BENCH, "ack_p50", statistics.median(ms), "ms")
    p99 = percentile(ms, 0.99)
    emit(BENCH, "ack_p99", p99, "ms", target="< 100", met=p99 < 100 and result.ok == result.sent)
    emit(BENCH, "ack_max", max(ms), "ms")
    emit(BENCH, "live_updates", updates, "count", chat_update_calls=calls.get("chat.update", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds))


if __name__ == "__main__":
    main()
