"""`canvass demo`: a whole simulated meeting on the embedded defaults (SQLite, console, no chat account).

An organiser creates the example pre-meeting questionnaire, 20 participants answer (some change their
mind, some save a draft first, a few never answer), the deadline passes, the survey closes, and the
results are printed and written to a folder. Then the same for the lessons-learnt questionnaire (a grid
and a lessons question), written to its `lessons/` subfolder; `--lessons` runs that one alone.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.bootstrap import build_core, load_adapter
from bot.clock import ManualClock, SystemClock
from bot.config import Config, CoreConfig
from bot.domain import Actor, Delegation, Participant, Question, QuestionKind, Survey
from bot.survey_file import parse_survey
from bot.tables import survey_table

EXAMPLE = Path(__file__).parent / "examples" / "pre-meeting.toml"
LESSONS_EXAMPLE = Path(__file__).parent / "examples" / "lessons-learnt.toml"
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


LESSON_TITLES = {  # (category, positive) -> titles
    ("process", True): ["Early coordination call worked", "One lead per capital"],
    ("process", False): ["Too many parallel formats", "Missions consulted late"],
    ("measures", True): ["Targeted listings were quick", "Common messaging with partners"],
    ("measures", False): ["Humanitarian exemptions came late", "Enforcement varied by country"],
    ("effect", True): ["Mediation kept channels open", "Signals reached the parties"],
    ("effect", False): ["Effect hard to measure", "No baseline before the measures"],
}
TOOLBOX_TEXT_ANSWERS = [
    "A shared log of decisions would help the next review",
    "Involve the missions earlier",
    "The legal service should join the first meeting",
]
LESSON_DETAILS = [
    "",
    "Raised in the debrief with the desk officers.",
    "Seen in the first weeks; worth writing into the standard procedure.",
]


def _random_grid(question: Question, rng: random.Random) -> list[int | None]:
    ratings: list[int | None] = [rng.randint(question.scale_min, question.scale_max) for _ in question.rows]
    if not question.required:  # some rows skipped, never all
        ratings = [None if rng.random() < 0.15 and i else r for i, r in enumerate(ratings)]
    return ratings


def _random_lessons(question: Question, rng: random.Random) -> list[dict[str, object]]:
    lessons: list[dict[str, object]] = []
    for _ in range(rng.randint(1, min(3, question.max_entries))):
        category = rng.randrange(len(question.categories))
        positive = rng.random() < 0.5
        titles = LESSON_TITLES.get((question.categories[category], positive), ["A lesson"])
        lessons.append({
            "category": category,
            "polarity": "positive" if positive else "negative",
            "title": rng.choice(titles),
            "description": rng.choice(LESSON_DETAILS),
        })  # fmt: skip
    return lessons


def _random_answer(question: Question, rng: random.Random, texts: list[str]) -> object:
    n = len(question.options)
    if question.kind is QuestionKind.GRID:
        return _random_grid(question, rng)
    if question.kind is QuestionKind.LESSONS:
        return _random_lessons(question, rng)
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
    return rng.choice(texts)


def _answers(survey: Survey, rng: random.Random) -> dict[str, object]:
    lessons = any(q.kind is QuestionKind.LESSONS for q in survey.questions)
    texts = TOOLBOX_TEXT_ANSWERS if lessons else TEXT_ANSWERS
    return {q.id: _random_answer(q, rng, texts) for q in survey.questions}


async def run_demo(output: Path, say: Any = print, *, lessons: bool = False) -> Path:
    """The pre-meeting questionnaire, then the lessons-learnt one (in `lessons/`); only the latter with `lessons`."""
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

        runs = [(LESSONS_EXAMPLE, output)] if lessons else [(EXAMPLE, output), (LESSONS_EXAMPLE, output / "lessons")]
        for example, folder in runs:
            await _meeting(core, clock, organiser, people, example, folder, say)
    finally:
        await core.close()
    say(f"\nDemo output written to {await asyncio.to_thread(output.resolve)}")
    return output


def _delegations(named: Sequence[Delegation], people: list[Participant]) -> tuple[Delegation, ...]:
    names = [d.name for d in named] + [f"Delegation {i}" for i in range(len(named) + 1, len(people) + 1)]
    return tuple(Delegation(names[i // 2], tuple(people[i : i + 2])) for i in range(0, len(people), 2))


async def _meeting(
    core: Any, clock: ManualClock, organiser: Actor, people: list[Participant], path: Path, output: Path, say: Any
) -> None:
    """One questionnaire from creation to its exported results."""
    now = clock.now()
    await asyncio.to_thread(output.mkdir, parents=True, exist_ok=True)
    example = await asyncio.to_thread(path.read_text, encoding="utf-8")
    spec = parse_survey(example, "Europe/Brussels", 5, now, check_times=False)  # times replaced below
    spec = replace(spec, opens_at=None, closes_at=now + timedelta(days=2))
    if spec.delegations is not None:  # the file's members are examples: the demo's people, two per delegation
        spec = replace(spec, delegations=_delegations(spec.delegations, people))
    survey = await core.service.create_survey(organiser, spec)
    say(f"== The organiser created “{survey.title}” [{survey.id}]")
    survey = await core.delivery.open(organiser, survey.id)
    invited = f"{survey.invited_count} delegations" if survey.by_delegation else f"{survey.invited_count} participants"
    say(f"== It is open to {invited}; they answer in private")

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
