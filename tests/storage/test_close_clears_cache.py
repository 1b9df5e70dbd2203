"""After a close, nothing in memory still says the survey is open: a confirmation built after the ack
(Slack) asks `answerable()`, and a stale "open" there would make a copy offer after the close."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import Participant, QuestionKind, QuestionSpec, Status
from bot.errors import SurveyNotOpen
from bot.service import Canvass
from storage.repository import SqlRepository
from tests.factories import ORGANISER, survey_spec


async def test_answerable_during_the_seal_does_not_keep_the_survey_open(
    service: Canvass, repository: SqlRepository
) -> None:
    if repository.dialect != "sqlite":
        pytest.skip("the seal waits here for SQLite's one writer connection; on PostgreSQL it does not wait")
    survey = await service.create_survey(
        ORGANISER, survey_spec(questions=(QuestionSpec(QuestionKind.SINGLE, "Q", ("a", "b")),), k=3)
    )
    await service.open_survey(ORGANISER, survey.id, [Participant("console", "u1")])
    busy, release = asyncio.Event(), asyncio.Event()

    async def hold_writer() -> None:
        async with repository.engine.begin():
            busy.set()
            await release.wait()

    holder = asyncio.create_task(hold_writer())
    await busy.wait()
    closing = asyncio.create_task(service.close_survey(ORGANISER, survey.id))
    await asyncio.sleep(0.05)  # the close has begun and waits to seal
    assert (await service.answerable(survey.id)).id == survey.id  # read as still open, and cached
    release.set()
    await asyncio.gather(holder, closing)
    assert (await service.get(survey.id)).status is Status.CLOSED
    with pytest.raises(SurveyNotOpen):
        await service.answerable(survey.id)
