"""Benchmark 4: results of a closed question with 100,000 ballots, against a raw-SQL GROUP BY floor.

`Canvass.results` loads the survey, sums the sealed tallies per answer in the database and
aggregates the distinct answers in Python. Target: <= 2x the floor and < 50 ms. The sealed rows are
bulk-loaded as a close before migration 0009 left them, one row (a tally of 1) per ballot: the
heaviest closed question there is, since a close now writes one row per distinct answer. The floor
is the same sum in raw SQL (the vote path is benchmark 3's business).

Run: python -m bench.results_100k [--ballots N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bench.common import databases, emit, median_seconds
from bot.clock import SystemClock
from bot.domain import Actor, QuestionKind, QuestionSpec, SurveySpec, Target
from bot.service import Canvass
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.repository import SqlRepository, sealed

ORGANISER = Actor("console", "organiser")


async def measure(name: str, url: str, ballots: int, reps: int) -> None:
    upgrade(url)
    engine = create_engine(url)
    service = Canvass(SqlRepository(engine), SystemClock(), b"bench-master-secret-0123456789", frozenset())
    spec = SurveySpec(
        "Plenary",
        (QuestionSpec(QuestionKind.SINGLE, "Q?", tuple(f"Option {i}" for i in range(10))),),
        targets=(Target("console", "bench"),),
        closes_at=datetime.now(UTC) + timedelta(days=1),
    )
    survey = await service.create_survey(None, spec)
    await service.open_survey(None, survey.id)
    await service.close_survey(None, survey.id)
    qid = survey.questions[0].id
    rng = random.Random(1)
    rows = [{"id": str(uuid.uuid4()), "question_id": qid, "answer": str(rng.randrange(10))} for _ in range(ballots)]
    async with engine.begin() as conn:
        for start in range(0, ballots, 10_000):
            await conn.execute(insert(sealed), rows[start : start + 10_000])
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE sealed_ballots"))

    async def floor() -> object:
        async with engine.connect() as conn:
            result = await conn.execute(
                text("SELECT answer, sum(tally) FROM sealed_ballots WHERE question_id = :q GROUP BY answer"), {"q": qid}
            )
            return result.all()

    async def ours() -> object:
        return await service.results(None, survey.id)

    results = await ours()
    assert results.respondents is None or results.questions  # type: ignore[attr-defined]
    floor_s = await median_seconds(floor, reps)
    ours_s = await median_seconds(ours, reps)
    emit("results_100k", f"{name}_group_by_floor_ms", floor_s * 1000, "ms", ballots=ballots)
    emit("results_100k", f"{name}_results_ms", ours_s * 1000, "ms", ballots=ballots, target="< 50", met=ours_s < 0.05)
    emit("results_100k", f"{name}_ratio_to_floor", ours_s / floor_s, "x", target="<= 2", met=ours_s <= 2 * floor_s)
    await engine.dispose()


async def run(ballots: int, reps: int) -> None:
    for name, database in databases():
        with database() as url:  # type: ignore[attr-defined]
            await measure(name, url, ballots, reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(run(args.ballots, args.reps))


if __name__ == "__main__":
    main()
