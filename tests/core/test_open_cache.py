"""The open-survey cache the vote path reads (bot/answering.py): answers that arrive together share
one reload, and a reload that read the survey before it changed does not store what it read."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.domain import Participant, QuestionKind, QuestionSpec
from bot.errors import SurveyNotOpen
from bot.service import Canvass
from storage.repository import SqlRepository
from tests.factories import ORGANISER, survey_spec


async def open_poll(service: Canvass) -> str:
    spec = survey_spec(questions=(QuestionSpec(QuestionKind.SINGLE, "Adopt?", ("Yes", "No")),), k=3)
    survey = await service.create_survey(ORGANISER, spec)
    await service.open_survey(ORGANISER, survey.id, [Participant("console", f"u{i}") for i in range(5)])
    return survey.id


def hold_reads(repository: SqlRepository, read_first: bool) -> tuple[asyncio.Event, asyncio.Event]:
    """Hold the next survey read until `release` is set; `reached` is set once it has begun (or, with
    read_first, once it has read). Later reads go straight through."""
    reached, release = asyncio.Event(), asyncio.Event()
    real_get = repository.get_survey

    async def held(survey_id: str) -> Any:
        repository.get_survey = real_get  # type: ignore[method-assign]
        survey = await real_get(survey_id) if read_first else None
        reached.set()
        await release.wait()
        return survey if read_first else await real_get(survey_id)

    repository.get_survey = held  # type: ignore[method-assign]
    return reached, release


async def test_answers_arriving_together_share_one_reload(service: Canvass, repository: SqlRepository) -> None:
    survey_id = await open_poll(service)
    service.answering.forget_open(survey_id)  # as after a restart: nothing cached
    reads: list[str] = []
    real_get = repository.get_survey

    async def counted(survey_id: str) -> Any:
        reads.append(survey_id)
        await asyncio.sleep(0.01)  # the burst's other answers arrive while this read is under way
        return await real_get(survey_id)

    repository.get_survey = counted  # type: ignore[method-assign]
    surveys = await asyncio.gather(*(service.answerable(survey_id) for _ in range(40)))
    assert {s.id for s in surveys} == {survey_id}
    assert reads == [survey_id]  # one read for forty answers, not forty
    await service.answerable(survey_id)
    assert reads == [survey_id]  # and cached after it


async def test_a_reload_that_read_before_a_deadline_change_does_not_cache_the_old_deadline(
    service: Canvass, repository: SqlRepository
) -> None:
    survey_id = await open_poll(service)
    service.answering.forget_open(survey_id)
    read_done, release = hold_reads(repository, read_first=True)  # read before the change, returned after it
    answering = asyncio.create_task(service.answerable(survey_id))
    await read_done.wait()
    old = await service.get(survey_id)
    assert old.closes_at is not None
    later = old.closes_at + timedelta(days=2)
    await service.extend(ORGANISER, survey_id, later)
    release.set()
    await answering
    assert (await service.answerable(survey_id)).closes_at == later


async def test_the_first_answer_giving_up_does_not_cancel_the_reload_the_others_wait_for(
    service: Canvass, repository: SqlRepository
) -> None:
    survey_id = await open_poll(service)
    service.answering.forget_open(survey_id)
    reading, release = hold_reads(repository, read_first=False)
    first = asyncio.create_task(service.answerable(survey_id))  # starts the reload
    await reading.wait()
    others = [asyncio.create_task(service.answerable(survey_id)) for _ in range(5)]
    await asyncio.sleep(0)
    first.cancel()  # its request was dropped
    release.set()
    assert {s.id for s in await asyncio.gather(*others)} == {survey_id}
    assert first.cancelled()


async def test_answers_sharing_the_reload_of_a_closed_survey_are_all_refused(
    service: Canvass, repository: SqlRepository
) -> None:
    survey_id = await open_poll(service)
    await service.close_survey(ORGANISER, survey_id)
    outcomes = await asyncio.gather(*(service.answerable(survey_id) for _ in range(10)), return_exceptions=True)
    assert all(isinstance(outcome, SurveyNotOpen) for outcome in outcomes)
    assert survey_id not in service.answering.open_cache
