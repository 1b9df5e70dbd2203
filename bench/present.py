"""Benchmark: open presenter pages on one live survey while votes arrive through the core's `submit`.

Two runs of the same open-loop vote stream (default 300 votes/s for 10 s, k = 5, SQLite): one with no
page open, one with `--pages` (default 200) event streams open on the survey. It reports the vote ack
p50/p99 of both (the time `submit` takes, with every page's fan-out competing for the same event loop),
and, for every page, the time from the vote that completed a k-step to that page receiving the slides
that show it ("N+ of M answered"). Live snapshots are published at most once a second (the core's
rule), so a page sees about one step a second, not each one: steps it never showed are counted apart.

The pages run in a separate (spawned) process, so reading 200 streams does not share the bot's loop.
Bounded on purpose: 2 cores, one process each. Run: python -m bench.present [--pages N] [--rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

from bench.common import emit, sqlite_database
from bot.clock import SystemClock
from bot.domain import Actor, Participant, QuestionKind, QuestionSpec, ResultsMode, SurveySpec, Target
from bot.presenting import Presenter
from bot.service import Canvass
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.present_tokens import SqlPresentTokenStore
from storage.repository import SqlRepository

ORGANISER = Actor("console", "organiser")
K = 5
SHOWN = re.compile(r"(\d+)\+(?: of \d+)? answered")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the pages (own process) -------------------------------------------------------------------


async def _pages(url: str, count: int, control: Connection) -> None:
    import aiohttp

    seen: list[dict[int, float]] = [{} for _ in range(count)]
    connected = 0
    all_connected = asyncio.Event()

    async def page(i: int, session: aiohttp.ClientSession) -> None:
        nonlocal connected
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as response:
            connected += 1
            if connected == count:
                all_connected.set()
            async for raw in response.content:
                if raw.startswith(b"data: "):
                    match = SHOWN.search(raw.decode())
                    if match:
                        seen[i].setdefault(int(match.group(1)), time.time())

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(page(i, session)) for i in range(count)]
        await all_connected.wait()
        control.send("connected")
        await asyncio.get_running_loop().run_in_executor(None, control.recv)  # "stop"
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    control.send(seen)


def pages_process(url: str, count: int, control: Connection) -> None:
    asyncio.run(_pages(url, count, control))


# -- the bot (this process) ----------------------------------------------------------------------


async def new_live_poll(service: Canvass, voters: int) -> tuple[str, str]:
    """A live poll whose roster holds every voter of `vote_stream` (only the roster may answer)."""
    spec = SurveySpec(
        "Bench live poll",
        (QuestionSpec(QuestionKind.SINGLE, "Q?", ("A", "B", "C")),),
        targets=(Target("console", "bench"),),
        results_mode=ResultsMode.LIVE,
        k=K,
        closes_at=datetime.now(UTC) + timedelta(days=1),
    )
    survey = await service.create_survey(ORGANISER, spec)
    roster = [Participant("console", f"{p}-{i}") for p in ("warm", "alone", "watched") for i in range(voters)]
    await service.open_survey(ORGANISER, survey.id, roster)
    return survey.id, survey.questions[0].id


async def vote_stream(service: Canvass, survey_id: str, qid: str, rate: float, seconds: float,
                      prefix: str) -> tuple[list[float], list[float]]:  # fmt: skip
    """Open loop: a vote starts every 1/rate s whatever the earlier ones do. Returns (ack latencies,
    ack wall times)."""
    latencies: list[float] = []
    acked: list[float] = []

    async def one(i: int) -> None:
        start = time.perf_counter()
        await service.submit(Participant("console", f"{prefix}-{i}"), survey_id, {qid: i % 3})
        latencies.append(time.perf_counter() - start)
        acked.append(time.time())

    tasks = []
    begin = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return latencies, acked


async def run(pages: int, rate: float, seconds: float) -> None:
    from adapters.present.server import PresentServer

    with sqlite_database() as url:
        upgrade(url)
        engine = create_engine(url)
        service = Canvass(SqlRepository(engine), SystemClock(), b"bench-master-secret-0123456789",
                          frozenset({"console:organiser"}))  # fmt: skip
        presenter = Presenter(service, SqlPresentTokenStore(engine), SystemClock())
        server = PresentServer(presenter, "127.0.0.1", 0)
        await server.start()
        try:
            survey_id, qid = await new_live_poll(service, int(rate * max(seconds, 1.0)))
            await vote_stream(service, survey_id, qid, rate, 1.0, "warm")
            alone, _ = await vote_stream(service, survey_id, qid, rate, seconds, "alone")
            await service.settle()

            survey_id, qid = await new_live_poll(service, int(rate * max(seconds, 1.0)))
            token = await presenter.mint(ORGANISER, survey_id)
            parent, child = multiprocessing.get_context("spawn").Pipe()
            process = multiprocessing.get_context("spawn").Process(
                target=pages_process, args=(f"http://127.0.0.1:{server.port}/present/{token}/events", pages, child)
            )
            process.start()
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, parent.recv) == "connected"
            watched, acked = await vote_stream(service, survey_id, qid, rate, seconds, "watched")
            await service.settle()
            await asyncio.sleep(3.0)  # the last snapshot and a hub tick
            parent.send("stop")
            seen: list[dict[int, float]] = await loop.run_in_executor(None, parent.recv)
            process.join(10)
        finally:
            await server.stop()
            await engine.dispose()

    acked.sort()
    step_at = {n: acked[n - 1] for n in range(K, len(acked) + 1, K)}
    delays = [at - step_at[n] for page_seen in seen for n, at in page_seen.items() if n in step_at]
    shown_steps = statistics.mean(len(s) for s in seen) if seen else 0.0
    emit("present", "vote_ack_p50_no_pages_ms", percentile(alone, 0.5) * 1000, "ms", rate=rate)
    emit("present", "vote_ack_p99_no_pages_ms", percentile(alone, 0.99) * 1000, "ms", rate=rate)
    emit("present", "vote_ack_p50_with_pages_ms", percentile(watched, 0.5) * 1000, "ms", pages=pages, rate=rate)
    emit("present", "vote_ack_p99_with_pages_ms", percentile(watched, 0.99) * 1000, "ms", pages=pages, rate=rate)
    emit("present", "votes_per_s_achieved_with_pages", len(watched) / max(acked[-1] - acked[0], 1e-9), "1/s")
    emit("present", "kstep_to_page_p50_ms", percentile(delays, 0.5) * 1000, "ms", pages=pages)
    emit("present", "kstep_to_page_p99_ms", percentile(delays, 0.99) * 1000, "ms", pages=pages)
    emit("present", "steps_shown_per_page", shown_steps, "steps", of=len(step_at),
         note="snapshots are published at most once a second, so most k-steps are folded into the next")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=300.0, help="votes per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.pages, args.rate, args.seconds))


if __name__ == "__main__":
    main()
