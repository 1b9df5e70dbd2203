"""Benchmark 3: core `submit` throughput on SQLite and PostgreSQL against a single-row upsert floor.

The floor is the least a durable vote can cost: one `INSERT ... ON CONFLICT DO UPDATE` and a commit
through SQLAlchemy Core on the same engine. `submit` adds the HMAC slots, the survey-is-open check and
the responded marker, all in one transaction. Target: >= 0.3 of the floor.

Run: python -m bench.core_submit [--votes N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import postgresql, sqlite

from bench.common import databases, emit
from bot.clock import SystemClock
from bot.domain import Actor, Participant, QuestionKind, QuestionSpec, SurveySpec, Target
from bot.service import Canvass
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import SqlRepository

FLOOR = Table("bench_floor", MetaData(), Column("id", String, primary_key=True), Column("value", Integer))
ORGANISER = Actor("console", "organiser")


async def timed_batch(votes: int, concurrency: int, one: object) -> float:
    """Votes per second when `concurrency` tasks share `votes` calls of `one(i)`."""
    queue = iter(range(votes))

    async def worker() -> None:
        for i in queue:
            await one(i)  # type: ignore[operator]

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return votes / (time.perf_counter() - start)


async def measure(name: str, url: str, votes: int, concurrency: int) -> None:
    upgrade(url)
    engine = create_engine(url)
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    async with engine.begin() as conn:
        await conn.run_sync(FLOOR.metadata.create_all)

    async def floor_once(i: int) -> None:
        async with engine.begin() as conn:
            stmt = insert(FLOOR).values(id=f"row-{i}", value=i)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"value": i}))

    repository = SqlRepository(engine)
    service = Canvass(repository, SystemClock(), b"bench-master-secret-0123456789", frozenset({"console:organiser"}))
    survey = await service.create_survey(
        ORGANISER,
        SurveySpec(
            "Bench poll",
            (QuestionSpec(QuestionKind.SINGLE, "Q?", ("A", "B", "C")),),
            targets=(Target("console", "bench"),),
            closes_at=datetime.now(UTC) + timedelta(days=1),
        ),
    )
    # Every voter on the roster: only the roster may answer, and a refusal is not the figure.
    await service.open_survey(ORGANISER, survey.id, [Participant("console", f"voter-{i}") for i in range(2 * votes)])
    qid = survey.questions[0].id

    async def submit_once(i: int) -> None:
        await service.submit(Participant("console", f"voter-{i}"), survey.id, {qid: i % 3})

    await timed_batch(50, 1, floor_once)  # warm-up
    # One voter at a time shows the cost of one vote; 20 at once shows group commit at work.
    for level, offset in ((1, 0), (concurrency, votes)):
        count = votes // 4 if level == 1 else votes
        floor = await timed_batch(count, level, lambda i, o=offset: floor_once(i + 10 * votes + o))  # type: ignore[misc]
        ours = await timed_batch(count, level, lambda i, o=offset: submit_once(i + o))  # type: ignore[misc]
        emit("core_submit", f"{name}_c{level}_floor_upserts_per_s", floor, "1/s", concurrency=level)
        emit("core_submit", f"{name}_c{level}_submits_per_s", ours, "1/s", concurrency=level)
        emit(
            "core_submit",
            f"{name}_c{level}_ratio_to_floor",
            ours / floor,
            "x",
            target=">= 0.3",
            met=ours / floor >= 0.3,
        )
    await engine.dispose()


async def run(votes: int, concurrency: int) -> None:
    for name, database in databases():
        with database() as url:  # type: ignore[attr-defined]
            await measure(name, url, votes, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.votes, args.concurrency))


if __name__ == "__main__":
    main()
