"""`canvass demo`: a whole simulated meeting on the embedded defaults (SQLite, console, no chat account).

An organiser creates the example pre-meeting questionnaire, 20 participants answer (some change their
mind, some save a draft first, a few never answer), the deadline passes, the survey closes, and the
results are printed and written to a folder.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.bootstrap import build_core, load_adapter
from bot.clock import ManualClock, SystemClock
from bot.config import Config, CoreConfig
from bot.domain import Actor, Participant, Question, QuestionKind, Survey
from bot.survey_file import parse_survey
from bot.tables import survey_table

EXAMPLE = Path(__file__).parent / "examples" / "pre-meeting.toml"
PARTICIPANTS = 20
SILENT = 3  # never answer
TEXT_ANSWERS = [
    "A common gas storage target agreed by all",
    "Agreement on joint purchasing of gas",
    "Clear storage commitments and a timeline",
    "A timeline for interconnector funding",
    "Joint purchasing with a clear timeline",
    "Better coordination on storage",
    "Honest discussion of price volatility",
]


def _random_answer(question: Question, rng: random.Random) -> object:
    n = len(question.options)
    if question.kind is QuestionKind.SINGLE:
        return rng.choices(range(n), weights=[5, 3, 2, 1][:n] + [1] * max(0, n - 4))[0]
    if question.kind is QuestionKind.MULTI:
        return rng.sample(range(n), rng.randint(1, question.max_selections))
    if question.kind is QuestionKind.SCALE:
        return rng.randint(question.scale_min + (question.scale_max - question.scale_min) // 3, question.scale_max)
    if question.kind is QuestionKind.RANKING:
        order = list(range(n))
        rng.shuffle(order)
        return order
    return rng.choice(TEXT_ANSWERS)


def _answers(survey: Survey, rng: random.Random) -> dict[str, object]:
    return {q.id: _random_answer(q, rng) for q in survey.questions}


async def run_demo(output: Path, say: Any = print) -> Path:
    await asyncio.to_thread(output.mkdir, parents=True, exist_ok=True)
    config = Config(canvass=CoreConfig(data_dir=str(output), organisers=["console:organiser"]))
    real_now = SystemClock().now()
    clock = ManualClock(real_now)
    core = await build_core(config, clock=clock)
    try:
        console = load_adapter("console", core)
        messenger: Any = console.messenger
        messenger.write = say
        messenger.chart_dir = output / "posted"
        organiser = Actor("console", "organiser")
        people = [Participant("console", f"participant-{i:02d}") for i in range(1, PARTICIPANTS + 1)]
        messenger.members = [p.user_id for p in people]

        example = await asyncio.to_thread(EXAMPLE.read_text, encoding="utf-8")
        spec = parse_survey(example, "Europe/Brussels", 5, real_now, check_times=False)  # times replaced below
        spec = replace(spec, opens_at=None, closes_at=real_now + timedelta(days=2))
        survey = await core.service.create_survey(organiser, spec)
        say(f"== The organiser created “{survey.title}” [{survey.id}]")
        survey = await core.delivery.open(organiser, survey.id)
        say(f"== It is open to {survey.invited_count} participants; they answer in private")

        rng = random.Random(2026)
        for i, person in enumerate(people[: PARTICIPANTS - SILENT]):
            clock.advance(timedelta(minutes=rng.randint(5, 90)))
            if i % 4 == 0:  # saves a draft first, resumes later
                first = dict(list(_answers(survey, rng).items())[:2])
                await core.service.save_draft(person, survey.id, first)
                resumed = await core.service.load_draft(person, survey.id)
                await core.service.submit(person, survey.id, {**_answers(survey, rng), **resumed})
            else:
                await core.service.submit(person, survey.id, _answers(survey, rng))
            if i % 5 == 1:  # changes their mind before the deadline
                await core.service.submit(person, survey.id, _answers(survey, rng))
        progress = await core.service.progress(survey.id)
        say(f"== Before the deadline: {progress.describe()}")

        clock.set(survey.closes_at + timedelta(minutes=1) if survey.closes_at else clock.now())
        say("== The deadline passed; the survey closes and the results are posted")
        await core.service.close_survey(None, survey.id)
        results = await core.service.results(None, survey.id)
        await _write_outputs(core, results, output)
    finally:
        await core.close()
    say(f"\nDemo output written to {await asyncio.to_thread(output.resolve)}")
    return output


async def _write_outputs(core: Any, results: Any, output: Path) -> None:
    from charts.export import to_csv, to_json

    files: dict[str, bytes] = {
        "results.json": to_json(results).encode(),
        "results.csv": to_csv(results).encode(),
        "results.txt": (survey_table(results) + "\n").encode(),
    }
    if core.renderer is not None:
        files["results.pdf"] = await core.renderer.survey_pdf(results)
        summary = await core.renderer.summary_chart(results)
        if summary is not None:
            files["summary.png"] = summary.png
    for name, data in files.items():
        await asyncio.to_thread((output / name).write_bytes, data)
