"""A close seals in chunks on SQLite (storage/sealing.py: other surveys' votes get the one writer
between them) and in one transaction on PostgreSQL; either way nothing that links anyone to an answer
survives, and a close that a crash cut short is finished at the next start (canary: the participant
ids and the answers' slots are gone from the files too)."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from bot.domain import Participant, QuestionKind, QuestionSpec
from bot.service import Canvass
from storage import sealing
from storage.engine import create_engine
from storage.repository import SqlRepository
from tests.conftest import SECRET
from tests.factories import ORGANISER, survey_spec
from tests.storage.rawfiles import holding, raw_bytes

LEFT_BEHIND = (sealing.ballots, sealing.responded, sealing.roster, sealing.eligible)


async def voted(service: Canvass, token: str, count: int) -> tuple[str, list[str]]:
    spec = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q1"), QuestionSpec(QuestionKind.TEXT, "Q2")), k=3)
    survey = await service.create_survey(ORGANISER, spec)
    people = [f"canary{token}{n}" for n in range(count)]
    await service.open_survey(ORGANISER, survey.id, [Participant("console", p) for p in people])
    q1, q2 = (q.id for q in survey.questions)
    for n, person in enumerate(people):
        await service.submit(Participant("console", person), survey.id, {q1: f"a{n}", q2: f"b{n}"})
    return survey.id, people


async def rows_left(repository: SqlRepository, survey_id: str) -> int:
    """The survey's rows still carrying a slot or an id (the database may hold other tests' surveys)."""
    questions = select(sealing.questions.c.id).where(sealing.questions.c.survey_id == survey_id)
    async with repository.engine.connect() as conn:
        count = int(await conn.scalar(select(func.count()).where(sealing.ballots.c.question_id.in_(questions))) or 0)
        for table in LEFT_BEHIND[1:]:
            count += int(await conn.scalar(select(func.count()).where(table.c.survey_id == survey_id)) or 0)
        return count


async def test_a_close_in_many_chunks_seals_every_ballot_and_leaves_no_link(
    repository: SqlRepository, service: Canvass, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sealing, "SEAL_CHUNK", 3)  # 20 ballots and 10 markers: several chunks each
    token = secrets.token_hex(4)
    survey_id, people = await voted(service, token, 10)
    await service.close_survey(ORGANISER, survey_id)
    assert await rows_left(repository, survey_id) == 0
    results = await service.results(ORGANISER, survey_id)
    assert sorted(a for q in results.questions for a in q.answers) == sorted(  # type: ignore[union-attr]
        [f"a{n}" for n in range(10)] + [f"b{n}" for n in range(10)]
    )
    assert holding(raw_bytes(db_url), people) == []


async def test_a_close_cut_short_between_chunks_is_finished_at_the_next_start(
    repository: SqlRepository, service: Canvass, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL seals in one transaction")
    monkeypatch.setattr(sealing, "SEAL_CHUNK", 3)
    token = secrets.token_hex(4)
    survey_id, people = await voted(service, token, 10)
    chunked = sealing.Sealing._seal_staged

    async def crash(self: sealing.Sealing, survey_id: str) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(sealing.Sealing, "_seal_staged", crash)
    with pytest.raises(RuntimeError):
        await service.close_survey(ORGANISER, survey_id)
    assert await rows_left(repository, survey_id) > 0  # the flip committed; the ballots still carry their slots
    monkeypatch.setattr(sealing.Sealing, "_seal_staged", chunked)

    restarted = SqlRepository(create_engine(db_url))
    try:
        assert await restarted.finish_interrupted_seals() == [survey_id]
        assert await rows_left(restarted, survey_id) == 0
        assert await restarted.finish_interrupted_seals() == []
        results = await Canvass(restarted, service._clock, SECRET, frozenset({"console:organiser"})).results(
            ORGANISER, survey_id
        )
        assert len([a for q in results.questions for a in q.answers]) == 20  # type: ignore[union-attr]
    finally:
        await restarted.dispose()
    assert holding(raw_bytes(db_url), people) == []
