"""Benchmark 6: peak RSS of one bot process holding 1,000 open surveys and 100,000 ballots.

The process builds the whole core (with the chart renderer loaded, as `canvass run` does), opens
1,000 surveys, takes 100 ballots into each through `Canvass.submit` for the first few and a bulk load
for the rest, then exercises every survey: a vote, progress and a results call. Target: < 250 MB.

Run: python -m bench.memory [--surveys N] [--ballots-per-survey M]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import insert

from bench.common import emit
from bot.bootstrap import build_core
from bot.config import Config, CoreConfig
from bot.domain import Participant, QuestionKind, QuestionSpec, ResultsMode, SurveySpec, Target
from storage.repository import ballots


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def run(surveys: int, per_survey: int, data_dir: Path) -> None:
    core = await build_core(Config(canvass=CoreConfig(data_dir=str(data_dir))))
    emit("memory", "rss_after_start_mb", rss_mb(), "MB")
    ids: list[tuple[str, str]] = []
    closes = datetime.now(UTC) + timedelta(days=7)
    for i in range(surveys):
        spec = SurveySpec(
            f"Survey {i}",
            (QuestionSpec(QuestionKind.SINGLE, f"Question {i}?", ("Yes", "No", "Maybe")),),
            targets=(Target("console", "bench"),),
            results_mode=ResultsMode.LIVE,
            k=5,
            closes_at=closes,
        )
        survey = await core.service.create_survey(None, spec)
        # voter-i answers survey i below; only the roster may answer.
        await core.service.open_survey(None, survey.id, [Participant("console", f"voter-{i}")])
        ids.append((survey.id, survey.questions[0].id))
    rows = [
        {"question_id": qid, "slot": uuid.uuid4().bytes * 2, "answer": str(n % 3)}
        for _sid, qid in ids
        for n in range(per_survey - 1)
    ]
    async with core.repository.engine.begin() as conn:
        for start in range(0, len(rows), 20_000):
            await conn.execute(insert(ballots), rows[start : start + 20_000])
    del rows
    for n, (survey_id, qid) in enumerate(ids):
        await core.service.submit(Participant("console", f"voter-{n}"), survey_id, {qid: n % 3})
        await core.service.progress(survey_id)
        await core.service.results(None, survey_id)
    emit("memory", "open_surveys", float(surveys), "surveys")
    emit("memory", "ballots", float(surveys * per_survey), "ballots")
    peak = peak_rss_mb()
    emit("memory", "peak_rss_mb", peak, "MB", target="< 250", met=peak < 250)
    await core.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--surveys", type=int, default=1000)
    parser.add_argument("--ballots-per-survey", type=int, default=100)
    args = parser.parse_args()
    with TemporaryDirectory(prefix="canvass-bench-") as folder:
        asyncio.run(run(args.surveys, args.ballots_per_survey, Path(folder)))


if __name__ == "__main__":
    main()
