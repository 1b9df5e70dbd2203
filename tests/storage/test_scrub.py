"""Close scrubs the database files even when another session holds an older snapshot or read
transaction (issue 10, breaks 5 and 6): it waits and retries, or reports loudly that it could not."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain import Participant, QuestionKind, QuestionSpec
from bot.service import Canvass
from storage.engine import create_engine
from storage.repository import SqlRepository
from storage.scrub import ScrubPolicy
from tests.conftest import SECRET, START
from tests.factories import ORGANISER, survey_spec
from tests.storage.dbdump import id_forms
from tests.storage.rawfiles import holding, raw_bytes, sqlite_files

QUESTIONS = (QuestionSpec(QuestionKind.SINGLE, "Pick", ("A", "B", "C")), QuestionSpec(QuestionKind.TEXT, "Say"))


def people() -> list[Participant]:
    token = secrets.token_hex(4)  # the PostgreSQL test database is shared by the whole run
    return [Participant("console", f"ScrubCanary{i}x{token}") for i in range(6)]


def needles(who: list[Participant]) -> list[str]:
    return [form for p in who for form in id_forms(p.user_id, p.platform)]


async def voted_survey(service: Canvass, who: list[Participant]) -> str:
    survey = await service.create_survey(ORGANISER, survey_spec(questions=QUESTIONS, k=3))
    await service.open_survey(ORGANISER, survey.id, who)
    single, free = (q.id for q in survey.questions)
    for i, person in enumerate(who):
        if i == 0:
            await service.save_draft(person, survey.id, {single: 1})
            continue
        await service.submit(person, survey.id, {single: i % 3, free: f"words {i}"})
    return survey.id


def hold_old_snapshot(url: str) -> Callable[[], None]:
    """Another session (a shell, a backup, a report) in a read transaction that began before the close.
    It reads `surveys` only, so it holds no lock on the tables the close rewrites. Returns its release."""
    if url.startswith("sqlite"):
        reader = sqlite3.connect(sqlite_files(url)[0], isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM surveys").fetchone()

        def release_sqlite() -> None:
            reader.execute("COMMIT")
            reader.close()

        return release_sqlite
    import psycopg

    session = psycopg.connect(url, autocommit=True)
    session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    session.execute("SELECT count(*) FROM surveys").fetchone()

    def release_pg() -> None:
        session.execute("COMMIT")
        session.close()

    return release_pg


def storage_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("storage")]


async def test_close_waits_out_an_older_snapshot_and_leaves_no_id_or_salt_in_the_files(
    service: Canvass, repository: SqlRepository, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    who = people()
    survey_id = await voted_survey(service, who)
    salt = await repository.key_salt(survey_id)
    assert salt is not None
    before = raw_bytes(db_url)
    assert holding(before, needles(who)) and salt in before  # the check sees them while they are there

    release = hold_old_snapshot(db_url)
    asyncio.get_running_loop().call_later(1.0, release)  # ends while close is retrying
    await service.close_survey(ORGANISER, survey_id)

    after = raw_bytes(db_url)
    assert holding(after, needles(who)) == []
    assert salt not in after
    assert storage_errors(caplog) == []


async def test_a_snapshot_held_through_the_close_is_reported_loudly_and_scrubbed_later(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    repository = SqlRepository(create_engine(db_url), ScrubPolicy(attempts=3, first_delay=0.05, lock_timeout_ms=200))
    try:
        service = Canvass(repository, ManualClock(START), SECRET, frozenset({"console:organiser"}))
        who = people()
        survey_id = await voted_survey(service, who)
        release = hold_old_snapshot(db_url)
        try:
            report = await repository.seal(survey_id)
            assert report is not None and not report.physically_clean
            assert report.detail
            errors = storage_errors(caplog)
            assert len(errors) == 1 and report.detail in errors[0]
            assert holding(raw_bytes(db_url), needles(who))  # the report was honest: the files still hold ids
        finally:
            release()

        retried = await repository.scrub_pending()
        assert retried is not None and retried.physically_clean
        assert holding(raw_bytes(db_url), needles(who)) == []
        assert await repository.scrub_pending() is None  # nothing waits any more
    finally:
        await repository.dispose()


async def test_close_on_postgresql_checkpoints_so_the_wal_holding_the_ids_can_be_recycled(
    service: Canvass, repository: SqlRepository, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's checkpoint")
    import psycopg

    def last_checkpoint() -> object:
        with psycopg.connect(db_url) as conn:
            row = conn.execute("SELECT checkpoint_lsn FROM pg_control_checkpoint()").fetchone()
            assert row is not None
            return row[0]

    survey_id = await voted_survey(service, people())
    before = last_checkpoint()
    await service.close_survey(ORGANISER, survey_id)
    await repository.checkpointed()
    assert last_checkpoint() != before


async def test_close_with_no_other_session_is_clean_at_once(repository: SqlRepository, service: Canvass) -> None:
    survey_id = await voted_survey(service, people())
    report = await repository.seal(survey_id)
    assert report is not None and report.physically_clean and report.detail == ""
    assert await repository.seal(survey_id) is None  # the second closer
    assert await repository.scrub_pending() is None


def relation_bytes(url: str, table: str) -> bytes:
    """The files of one PostgreSQL table with its indexes and TOAST, after a CHECKPOINT."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        datadir = conn.execute("SELECT current_setting('data_directory')").fetchone()[0]  # type: ignore[index]
        paths = [
            row[0]
            for row in conn.execute(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = %(t)s::regclass"
                " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = %(t)s::regclass)"
                " OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = %(t)s::regclass)",
                {"t": table},
            )
        ]
    folder = Path(datadir)
    return b"".join(f.read_bytes() for p in paths for f in folder.glob(p + "*") if f.is_file())


async def test_postgresql_keeps_no_old_ballot_row_whose_xmin_links_answers_or_orders_votes(
    service: Canvass, db_url: str
) -> None:
    """Break 7's boundary: before close each open ballot row carries its submission's xmin (who
    answered what together, and when); after close none of those rows may remain, even as a dead row
    copied by a VACUUM FULL that ran under an older snapshot."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's xmin and ctid")
    import psycopg

    token = secrets.token_hex(6)
    spec = survey_spec(questions=(QuestionSpec(QuestionKind.TEXT, "Q1"), QuestionSpec(QuestionKind.TEXT, "Q2")), k=3)
    survey = await service.create_survey(ORGANISER, spec)
    await service.open_survey(ORGANISER, survey.id, [Participant("console", f"x{token}{turn}") for turn in range(8)])
    q1, q2 = (q.id for q in survey.questions)
    for turn in range(8):
        answers = {q1: f"first {token} {turn}", q2: f"second {token} {turn}"}
        await service.submit(Participant("console", f"x{token}{turn}"), survey.id, answers)
    with psycopg.connect(db_url) as conn:
        together = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM ballots WHERE question_id IN (%s, %s)", (q1, q2)
        ).fetchone()
    assert together == (8,)  # the boundary: before close, xmin groups each person's two answers
    assert token.encode() in relation_bytes(db_url, "ballots")

    release = hold_old_snapshot(db_url)
    asyncio.get_running_loop().call_later(1.0, release)
    await service.close_survey(ORGANISER, survey.id)

    kept_old_rows = token.encode() in relation_bytes(db_url, "ballots")
    assert not kept_old_rows
    with psycopg.connect(db_url) as conn:
        sealed_xmins = conn.execute(
            "SELECT count(DISTINCT xmin::text), count(*) FROM sealed_ballots WHERE question_id IN (%s, %s)", (q1, q2)
        ).fetchone()
    assert sealed_xmins == (1, 16)  # one transaction wrote them all: xmin tells nothing apart


class ProcessStopped(BaseException):
    """Stands for the process ending at that point (a kill, a power cut): nothing in it is caught."""


async def test_a_close_stopped_before_its_scrub_is_scrubbed_at_the_next_start(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Everything is deleted, but the process ends before the scrub: the files still hold the ids
    (the WAL, the old row versions). The close records the scrub it owes, and the next start does it."""
    import shutil

    from storage.scrub import FileScrubber

    async def stopped(*_args: object, **_kwargs: object) -> None:
        raise ProcessStopped

    repository = SqlRepository(create_engine(db_url))
    who = people()
    try:
        service = Canvass(repository, ManualClock(START), SECRET, frozenset({"console:organiser"}))
        survey_id = await voted_survey(service, who)
        monkeypatch.setattr(FileScrubber, "scrub", stopped)
        with pytest.raises(ProcessStopped):
            await repository.seal(survey_id)
        monkeypatch.undo()
        assert holding(raw_bytes(db_url), needles(who))  # what a scrub is for
        if db_url.startswith("sqlite"):
            # What a killed process leaves on disk: SQLite's last connection to close would checkpoint
            # the WAL on its way out (dispose, below), which a kill never does.
            crashed = tmp_path / "crashed.db"
            for source, target in zip(sqlite_files(db_url)[:2], sqlite_files(f"sqlite:///{crashed}")[:2], strict=True):
                shutil.copyfile(source, target)
            db_url = f"sqlite:///{crashed}"
    finally:
        await repository.dispose()
    assert holding(raw_bytes(db_url), needles(who))

    repository = SqlRepository(create_engine(db_url))
    try:
        assert await repository.finish_interrupted_seals() == [survey_id]
        assert holding(raw_bytes(db_url), needles(who)) == []
        assert await repository.finish_interrupted_seals() == []  # owed once, scrubbed once
    finally:
        await repository.dispose()


async def test_a_scrub_held_back_by_a_reader_is_recorded_and_done_at_the_next_start(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A bot runs for weeks between closes: a scrub that a backup's snapshot held back stays recorded,
    and the next start (of the bot or of any `canvass` command) scrubs, not only the next close."""
    repository = SqlRepository(create_engine(db_url), ScrubPolicy(attempts=2, first_delay=0.05, lock_timeout_ms=200))
    who = people()
    try:
        service = Canvass(repository, ManualClock(START), SECRET, frozenset({"console:organiser"}))
        survey_id = await voted_survey(service, who)
        release = hold_old_snapshot(db_url)
        try:
            report = await repository.seal(survey_id)
            assert report is not None and not report.physically_clean
        finally:
            release()
        assert holding(raw_bytes(db_url), needles(who))
    finally:
        await repository.dispose()
    if db_url.startswith("postgresql"):  # SQLite's last connection checkpointed on its way out
        assert holding(raw_bytes(db_url), needles(who))
    repository = SqlRepository(create_engine(db_url))
    try:
        assert await repository.finish_interrupted_seals() == [survey_id]
        assert holding(raw_bytes(db_url), needles(who)) == []
        assert await repository.finish_interrupted_seals() == []
    finally:
        await repository.dispose()
