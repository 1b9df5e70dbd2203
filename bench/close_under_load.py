"""Benchmark: closing a survey with 100,000 ballots while other surveys take votes at 300/s.

Set-up (not measured): the big survey's 100,000 ballots, responded markers, eligibility slots and
roster rows are bulk-loaded into an open survey (the vote path is core_submit's business); three
other open surveys have rosters of 2,000 each.

Measured, in the same run and on each database:
- floor: a raw `INSERT INTO copy SELECT question_id, slot, answer FROM ballots WHERE question_id = ?`
  of the big survey's ballots into a fresh table of the ballots' own shape and primary key, committed
  (median of 3);
- close: `Canvass.close_survey` of the big survey (count, write the tallies, delete the slots,
  markers and roster, scrub the files), while
  an open-loop load of 300 votes/s goes to the other surveys through `Canvass.submit`, in the same
  process and event loop (as in production). A vote's latency counts from its scheduled moment
  until its commit returns, so a stalled loop or a held lock cannot hide;
- what the close rewrites: the ballots it seals and the tally rows it writes for them (one per
  distinct answer, migration 0009), rows in the tables rewritten to scrub the files, and bytes
  written (SQLite: this process's write_bytes; PostgreSQL: WAL bytes plus the size of the tables
  VACUUM FULL writes anew).

Targets: the others' p99 during the close < 100 ms; the close <= 3x the raw copy. The floor is the
issue's own, a copy of every ballot; since migration 0009 the close writes only the tallies (one row
per distinct answer), and its time goes to the deletes that rule 4 needs.

Run: python -m bench.close_under_load [--ballots N] [--rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.common import databases, emit
from bot.clock import SystemClock
from bot.domain import Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from bot.service import Canvass
from storage.eligibility import eligible
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import SqlRepository
from storage.sealing import SCRUBBED_TABLES
from storage.tables import BallotRow, RespondedRow, RosterRow

BENCH = "close_under_load"
ballots = BallotRow.__table__  # type: ignore[attr-defined]
responded = RespondedRow.__table__  # type: ignore[attr-defined]
roster = RosterRow.__table__  # type: ignore[attr-defined]
OTHERS = 3
OTHER_ROSTER = 2000
CHUNK = 10_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def write_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def spec(title: str, people: list[Participant]) -> SurveySpec:
    return SurveySpec(
        title,
        (QuestionSpec(QuestionKind.SINGLE, "Adopt?", ("Yes", "No", "Abstain")),),
        targets=(Target("console", "bench"),),
        closes_at=datetime.now(UTC) + timedelta(days=1),
        roster=tuple(people),
    )


async def seed_big(engine: Any, survey_id: str, question_id: str, count: int) -> None:
    rng = random.Random(7)
    async with engine.begin() as conn:
        for start in range(0, count, CHUNK):
            slots = [hashlib.sha256(f"{survey_id}:{i}".encode()).digest() for i in range(start, start + CHUNK)]
            await conn.execute(
                insert(ballots),
                [
                    {"question_id": question_id, "slot": s, "answer": str(rng.randrange(3))}
                    for s in slots
                ],
            )
            await conn.execute(insert(responded), [{"survey_id": survey_id, "slot": s} for s in slots])
            await conn.execute(insert(eligible), [{"survey_id": survey_id, "slot": s} for s in slots])
            await conn.execute(
                insert(roster),
                [
                    {"survey_id": survey_id, "platform": "console", "user_id": f"big{i}"}
                    for i in range(start, start + CHUNK)
                ],
            )
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE"))


async def raw_copy_seconds(engine: Any, question_id: str) -> float:
    """The floor: the survey's ballots copied once, in one committed INSERT ... SELECT."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE bench_copy (question_id VARCHAR(24) NOT NULL, slot BYTEA NOT NULL, answer TEXT NOT NULL,"
                " PRIMARY KEY (question_id, slot))"
                + ("" if engine.dialect.name == "postgresql" else " WITHOUT ROWID")
            )
        )
    times = []
    for _ in range(3):
        start = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bench_copy SELECT question_id, slot, answer FROM ballots WHERE question_id = :q"),
                {"q": question_id},
            )
        times.append(time.perf_counter() - start)
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM bench_copy"))
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_copy"))
    return statistics.median(times)


async def pg_counters(engine: Any) -> tuple[int, int, int]:
    """(WAL bytes so far, total bytes and live rows of the tables a close rewrites)."""
    async with engine.connect() as conn:
        wal = int(await conn.scalar(text("SELECT wal_bytes FROM pg_stat_wal")) or 0)
        size = rows = 0
        for table in SCRUBBED_TABLES:
            size += int(await conn.scalar(text(f"SELECT pg_total_relation_size('{table}')")) or 0)
            rows += int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    return wal, size, rows


async def measure(name: str, url: str, count: int, rate: float) -> None:
    upgrade(url)
    engine = create_engine(url)
    repo = SqlRepository(engine)
    service = Canvass(repo, SystemClock(), b"bench-master-secret-0123456789", frozenset())
    big = await service.create_survey(None, spec("Big plenary", []))
    await service.open_survey(None, big.id)
    await seed_big(engine, big.id, big.questions[0].id, count)
    others = []
    for n in range(OTHERS):
        people = [Participant("console", f"o{n}-{i}") for i in range(OTHER_ROSTER)]
        survey = await service.create_survey(None, spec(f"Other {n}", people))
        await service.open_survey(None, survey.id)
        others.append((survey, people))
    floor_s = raw_copy_s = await raw_copy_seconds(engine, big.questions[0].id)

    latencies: list[tuple[float, float]] = []  # (scheduled moment, seconds until committed)
    failures = 0
    stop = asyncio.Event()

    async def one(i: int, due: float) -> None:
        nonlocal failures
        survey, people = others[i % OTHERS]
        try:
            await service.submit(people[(i // OTHERS) % OTHER_ROSTER], survey.id, {survey.questions[0].id: i % 3})
        except Exception:
            failures += 1
        latencies.append((due, time.perf_counter() - due))

    async def load() -> None:
        start = time.perf_counter()
        tasks = []
        i = 0
        while not stop.is_set():
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
            i += 1
        await asyncio.gather(*tasks)

    pg = engine.dialect.name == "postgresql"
    before_pg = await pg_counters(engine) if pg else (0, 0, 0)
    loader = asyncio.create_task(load())
    await asyncio.sleep(1.5)  # the others' load is steady before the close starts
    written = write_bytes()
    close_start = time.perf_counter()
    await service.close_survey(None, big.id)
    close_end = time.perf_counter()
    written = write_bytes() - written
    await asyncio.sleep(1.0)
    stop.set()
    await loader
    await repo.checkpointed()
    after_pg = await pg_counters(engine) if pg else (0, 0, 0)
    async with engine.connect() as conn:
        tallies = int(
            await conn.scalar(
                text("SELECT count(*) FROM sealed_ballots WHERE question_id = :q"), {"q": big.questions[0].id}
            )
            or 0
        )
    await engine.dispose()

    close_s = close_end - close_start
    during = [1000 * s for due, s in latencies if close_start <= due <= close_end]
    steady = close_start - 0.5  # the first half second warms the connection pool up
    outside = [1000 * s for due, s in latencies if steady <= due < close_start or due > close_end]
    extra = {"ballots": count, "others_rate": rate}
    emit(BENCH, f"{name}_raw_copy_s", floor_s, "s", **extra)
    emit(BENCH, f"{name}_close_s", close_s, "s", **extra)
    ratio = close_s / raw_copy_s
    emit(BENCH, f"{name}_close_ratio_to_raw_copy", ratio, "x", target="<= 3", met=ratio <= 3, **extra)
    p99 = percentile(during, 0.99)
    emit(
        BENCH,
        f"{name}_others_ack_p99_during_close",
        p99,
        "ms",
        target="< 100",
        met=p99 < 100 and failures == 0,
        votes_during_close=len(during),
        max_ms=round(max(during, default=0.0), 1),
        p99_before_and_after_close_ms=round(percentile(outside, 0.99), 1),
        failures=failures,
    )
    if pg:
        emit(
            BENCH,
            f"{name}_close_rewrites",
            tallies + after_pg[2],
            "rows",
            sealed_ballots=count,
            tally_rows=tallies,
            vacuum_full_rows=after_pg[2],
            vacuum_full_bytes=after_pg[1],
            wal_bytes=after_pg[0] - before_pg[0],
        )
    else:
        emit(
            BENCH,
            f"{name}_close_rewrites",
            tallies,
            "rows",
            sealed_ballots=count,
            tally_rows=tallies,
            process_write_bytes=written,
        )


async def run(count: int, rate: float) -> None:
    for name, database in databases():
        with database() as url:  # type: ignore[attr-defined]
            await measure(name, url, count, rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=300.0)
    args = parser.parse_args()
    asyncio.run(run(args.ballots, args.rate))


if __name__ == "__main__":
    main()
