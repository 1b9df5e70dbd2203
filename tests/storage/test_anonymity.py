"""The anonymity canary, vote order, and the schema's promises (DESIGN.md rules 1-4, 7, 8)."""

from __future__ import annotations

import inspect as pyinspect
import logging
import math
import random
from datetime import timedelta
from typing import get_type_hints

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.types import Date, DateTime, Integer, Time

from bot.delegations import DraftSaved
from bot.domain import Answer, Participant, QuestionKind, QuestionSpec
from bot.errors import InvalidInput
from bot.results import ChoiceResult, TextResult
from bot.service import Canvass, Receipt
from bot.survey_file import parse_survey
from storage.engine import sync_url
from storage.repository import SqlRepository
from storage.state import SqlStateStore
from tests.conftest import START
from tests.factories import ORGANISER, survey_spec
from tests.storage.dbdump import id_forms, rows_mentioning
from tests.storage.rawfiles import holding, raw_bytes

CANARY_COUNT = 30


def canaries() -> list[Participant]:
    return [Participant("console", f"CanaryUser{i:02d}Zq") for i in range(CANARY_COUNT)]


def all_forms(people: list[Participant]) -> list[str]:
    return [f for p in people for f in id_forms(p.user_id, "console")]


async def run_survey(service: Canvass, people: list[Participant]) -> str:
    survey = await service.create_survey(ORGANISER, survey_spec(k=5))
    await service.open_survey(ORGANISER, survey.id, people)
    ids = [q.id for q in survey.questions]
    rng = random.Random(7)
    for i, person in enumerate(people):
        answers = {
            ids[0]: rng.randrange(3),
            ids[1]: [0, 2],
            ids[2]: rng.randint(1, 5),
            ids[3]: rng.randint(0, 10),
            ids[4]: [2, 0, 1],
            ids[5]: f"my thoughts number {i}",
        }
        if i % 3 == 0:
            await service.save_draft(person, survey.id, {ids[0]: 1, ids[2]: 2})
            answers.update(await service.load_draft(person, survey.id))  # type: ignore[arg-type]
        if i % 10 == 9:
            await service.save_draft(person, survey.id, {ids[0]: 2})  # never submitted: a stale draft
            continue
        await service.submit(person, survey.id, answers)
        if i % 4 == 0:
            answers[ids[0]] = (answers[ids[0]] + 1) % 3  # type: ignore[operator]
            await service.submit(person, survey.id, answers)
    return survey.id


async def test_canary_no_participant_id_survives_anywhere(
    service: Canvass, repository: SqlRepository, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements are logged; parameters must not be
    try:
        people = canaries()
        survey_id = await run_survey(service, people)

        # Before close: ids appear in the roster table alone.
        leaks = rows_mentioning(db_url, all_forms(people))
        assert set(leaks) == {"roster"}
        assert len(leaks["roster"]) == CANARY_COUNT

        await service.close_survey(ORGANISER, survey_id)
        assert rows_mentioning(db_url, all_forms(people)) == {}
        results = await service.results(None, survey_id)
        assert results.respondents == 27  # 3 people only ever saved a draft
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SELECT" in logged  # the verbose logs really were captured
    for needle in all_forms(people):
        assert needle.lower() not in logged.lower()


async def test_raw_files_hold_no_participant_id_salt_or_survey_state_after_close(
    service: Canvass, repository: SqlRepository, db_url: str
) -> None:
    """The database and WAL files (SQLite) or the database directory (PostgreSQL), read as bytes."""
    people = canaries()
    survey_id = await run_survey(service, people)
    salt = await repository.key_salt(survey_id)
    assert salt is not None
    # An adapter's per-survey state that could rebuild the roster, and a handled event id past its window.
    state = SqlStateStore(repository.engine, keep_seen=timedelta(days=7))
    await state.set_state(f"survey:{survey_id}:matrix.poll.$p", ",".join(p.user_id for p in people))
    seen_marker = f"$SeenCanary{survey_id}"
    await SqlStateStore(repository.engine, now=lambda: START - timedelta(days=30)).first_sighting(seen_marker)
    before = raw_bytes(db_url)
    assert people[0].user_id.encode() in before  # the check can see ids when they are there
    assert salt in before and seen_marker.encode() in before
    await state.purge_seen()
    assert not await state.has_seen(seen_marker)

    await service.close_survey(ORGANISER, survey_id)

    raw = raw_bytes(db_url)
    assert holding(raw, all_forms(people)) == []
    assert salt not in raw
    assert seen_marker.encode() not in raw


def spearman(order: list[int]) -> float:
    """Rank correlation between a sequence's positions and its values (a permutation of 0..n-1)."""
    n = len(order)
    d2 = sum((position - value) ** 2 for position, value in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_spearman_detects_an_ordered_sequence() -> None:
    assert spearman(list(range(20))) == 1.0
    assert spearman(list(reversed(range(20)))) == -1.0


async def test_vote_order_is_not_recoverable_after_close(service: Canvass, db_url: str) -> None:
    voters, runs = 20, 25
    engine = create_engine(sync_url(db_url))
    physical_rhos, id_rhos = [], []
    # PostgreSQL: ctid is the position in the heap. SQLite stores sealed_ballots as a B-tree on its key
    # (question, answer, id): the answers' own order (which says nothing more than the answers), then,
    # among equal answers, the fresh ids' order, which is what this checks there.
    physical_order = " ORDER BY id" if db_url.startswith("sqlite") else " ORDER BY ctid"
    try:
        for _ in range(runs):
            spec = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q"),), k=3)
            survey = await service.create_survey(ORGANISER, spec)
            await service.open_survey(ORGANISER, survey.id, [Participant("console", f"v{t}") for t in range(voters)])
            qid = survey.questions[0].id
            for turn in range(voters):  # the answer records the turn, so we know who came when
                await service.submit(Participant("console", f"v{turn}"), survey.id, {qid: f"turn {turn:02d}"})
            await service.close_survey(ORGANISER, survey.id)
            with engine.connect() as conn:
                rows = conn.execute(
                    text(f"SELECT id, answer FROM sealed_ballots WHERE question_id = :q{physical_order}"), {"q": qid}
                ).all()
            turns = [int(answer.removeprefix('"turn ').removesuffix('"')) for _id, answer in rows]
            assert sorted(turns) == list(range(voters))
            physical_rhos.append(spearman(turns))
            id_rhos.append(spearman([t for _id, t in sorted(zip([r[0] for r in rows], turns, strict=True))]))
    finally:
        engine.dispose()
    # Under no correlation, each rho has mean 0 and variance 1/(n-1); the mean of `runs` of them is
    # approximately normal. |z| > 4.5 would happen by chance about once in 150,000 runs.
    for rhos in (physical_rhos, id_rhos):
        z = (sum(rhos) / runs) * math.sqrt(runs * (voters - 1))
        assert abs(z) < 4.5, rhos
        assert max(abs(r) for r in rhos) < 0.95  # no single run kept the voting order


def test_ballot_tables_have_no_time_serial_or_person_columns(db_url: str) -> None:
    engine = create_engine(sync_url(db_url))
    try:
        inspector = inspect(engine)
        expected = {
            "ballots": {"question_id", "slot", "answer"},
            "sealed_ballots": {"id", "question_id", "answer", "tally"},
        }
        for table, allowed in expected.items():
            columns = inspector.get_columns(table)
            assert {c["name"] for c in columns} == allowed
            assert not any(isinstance(c["type"], (DateTime, Date, Time)) for c in columns)
            # The one number is a sealed row's tally, how many gave its answer: no serial, no time.
            assert not any(isinstance(c["type"], Integer) for c in columns if c["name"] != "tally")
            assert inspector.get_foreign_keys(table) == []
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                for table in ("ballots", "sealed_ballots", "roster", "responded", "drafts"):
                    with pytest.raises(Exception, match="rowid"):
                        conn.execute(text(f"SELECT rowid FROM {table}"))
    finally:
        engine.dispose()


async def test_a_closed_question_keeps_only_its_tally(service: Canvass, db_url: str) -> None:
    """After close a question's sealed rows are one per distinct answer with its count, under fresh
    distinct ids: no row per voter is left to order or line up, and the results count every ballot."""
    voters = [Participant("console", f"t{i}") for i in range(12)]
    questions = (QuestionSpec(QuestionKind.SINGLE, "Pick", ("A", "B", "C")), QuestionSpec(QuestionKind.TEXT, "Why"))
    survey = await service.create_survey(ORGANISER, survey_spec(questions=questions, k=3))
    await service.open_survey(ORGANISER, survey.id, voters)
    pick, why = (q.id for q in survey.questions)
    for i, voter in enumerate(voters):  # 6 x A, 4 x B, 2 x C; one reason given twice
        await service.submit(voter, survey.id, {pick: (0, 0, 0, 1, 1, 2)[i % 6], why: f"reason {min(i, 10)}"})
    await service.close_survey(ORGANISER, survey.id)
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            query = text("SELECT id, answer, tally FROM sealed_ballots WHERE question_id = :q")
            picks = conn.execute(query, {"q": pick}).all()
            reasons = conn.execute(query, {"q": why}).all()
    finally:
        engine.dispose()
    assert sorted(tally for _id, _answer, tally in picks) == [2, 4, 6]
    assert sorted(tally for _id, _answer, tally in reasons) == [1] * 10 + [2]
    ids = [row[0] for row in picks + reasons]
    assert len(set(ids)) == len(ids) and all(len(i) >= 32 for i in ids)
    chosen, reasoned = (await service.results(ORGANISER, survey.id)).questions
    assert isinstance(chosen, ChoiceResult) and isinstance(reasoned, TextResult)
    assert [option.count for option in chosen.options] == [6, 4, 2]
    assert sorted(reasoned.answers) == sorted(f"reason {min(i, 10)}" for i in range(12))


def test_anonymity_cannot_be_switched_off() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_survey('title = "T"\nanonymous = false\n[[questions]]\nkind = "text"\ntext = "Q"\n', "UTC", 5, START)
    assert error.value.field == "anonymous"


def test_only_four_calls_take_a_person_and_none_returns_their_ballot() -> None:
    """Rule 8: the calls that take a participant are exactly these, and what they return is the
    person's own receipt, draft or a yes/no. A new person-keyed call fails this test until reviewed."""
    takes_person = {}
    for name, member in pyinspect.getmembers(Canvass, pyinspect.iscoroutinefunction):
        if name.startswith("_"):
            continue
        hints = get_type_hints(member)
        if any(hint is Participant for param, hint in hints.items() if param != "return"):
            takes_person[name] = hints["return"]
    assert takes_person == {
        "submit": Receipt,
        "save_draft": DraftSaved,  # how many answers it holds, and whether a delegation colleague saved meanwhile
        # The person's own unsubmitted draft, never a ballot; for a delegation member, their delegation's
        # shared draft, which after a submission is what the delegation submitted (wanted within it).
        "load_draft": dict[str, Answer],
        "has_responded": bool,
        # Issue 11: one's own current answers, back to oneself only, for a prefill while the survey is open.
        # Only the participant's own answer-opening request calls it (tests/core/test_own_ballot.py).
        "own_answers": dict[str, Answer],
    }
    assert [n for n in dir(SqlRepository) if "ballot" in n and not n.startswith("_")] == ["own_ballots"]


async def test_submitted_answers_are_not_readable_back_by_user(service: Canvass) -> None:
    voter = Participant("console", "alice")
    survey = await service.create_survey(ORGANISER, survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q"),)))
    await service.open_survey(ORGANISER, survey.id, [voter])
    await service.submit(voter, survey.id, {survey.questions[0].id: "secret view"})
    assert await service.load_draft(voter, survey.id) == {}


LESSON_MARK = "LessonCanaryMarkQx"


async def test_canary_no_participant_id_near_a_grid_rating_or_lesson_after_close(
    service: Canvass, repository: SqlRepository, db_url: str
) -> None:
    """Grid and lessons answers carry participant-written text (titles, descriptions): after the close, the
    rows that hold it hold no id and no slot, no id is anywhere in the database or its raw files, and the
    results publish the lessons without anything that names their author."""
    people = canaries()[:8]
    questions = (
        QuestionSpec(QuestionKind.GRID, "Rate", rows=("Sanctions", "Mediation"), required=False),
        QuestionSpec(QuestionKind.LESSONS, "Lessons", categories=("process", "effect"), max_entries=3),
    )
    survey = await service.create_survey(ORGANISER, survey_spec(questions=questions, k=5))
    await service.open_survey(ORGANISER, survey.id, people)
    grid_id, lessons_id = (q.id for q in survey.questions)
    for i, person in enumerate(people):
        lesson = {"category": 0, "polarity": "negative", "title": f"{LESSON_MARK} {i}", "description": "d"}
        if i % 2:
            await service.save_draft(person, survey.id, {lessons_id: [lesson]})
        await service.submit(person, survey.id, {grid_id: [1 + i % 5, None if i % 3 else 2], lessons_id: [lesson]})
    assert set(rows_mentioning(db_url, all_forms(people))) == {"roster"}  # before close: the roster alone

    await service.close_survey(ORGANISER, survey.id)
    assert rows_mentioning(db_url, all_forms(people)) == {}
    assert holding(raw_bytes(db_url), all_forms(people)) == []
    holders = rows_mentioning(db_url, [LESSON_MARK])
    assert set(holders) == {"sealed_ballots"} and len(holders["sealed_ballots"]) == len(people)
    for row in holders["sealed_ballots"]:  # id, question, answer: no slot, nothing that orders or links
        assert not any(isinstance(cell, (bytes, bytearray, memoryview)) for cell in row)
    results = await service.results(None, survey.id)
    published = repr(results)
    assert all(form.lower() not in published.lower() for form in all_forms(people))
    assert published.count(LESSON_MARK) == len(people)
