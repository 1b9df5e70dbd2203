"""Close: seal a survey (rule 4), then scrub the database files of what the seal deleted."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Status
from bot.ports import SealReport
from storage.ballot_writer import BallotWriter
from storage.base import (
    RepositoryBase,
    ballots,
    count_rows,
    drafts,
    live,
    questions,
    responded,
    roster,
    state,
    survey_keys,
    surveys,
)
from storage.delegations import members as delegation_members
from storage.eligibility import eligible
from storage.live_store import freeze_at_close
from storage.scrub import FileScrubber
from storage.staged_seal import COPYING, SCRUBBING, StagedSeal

log = logging.getLogger(__name__)

# Every table with a `survey_id` column whose rows of a survey must not outlive its close: its salt,
# slots, participant ids, drafts and live-results bookkeeping. The seal deletes the survey's rows from
# each, and each is scrubbed from the files: adding a table here is all it takes.
PER_SURVEY_TABLES = (survey_keys, responded, drafts, roster, live, eligible, delegation_members)

# Adapter state of one survey lives in `bot_state` under this prefix and is deleted with it. State the
# adapter still needs to clean up after the close goes under `cleanup:<id>:`, which the seal keeps.
SURVEY_STATE_PREFIX = "survey:{survey_id}:"

# Tables rewritten into fresh files after a close on PostgreSQL: the per-survey ones, the ballots (the
# slot column and the voting order in xmin/ctid) and the adapter state and handled event ids.
SCRUBBED_TABLES = (
    "ballots",
    *(table.name for table in PER_SURVEY_TABLES),
    "published_ballots",  # the core's live per-ballot history (storage/live_store.py), keyed by question
    "bot_state",
    "seen_events",
)


# One row per (question, answer) with its count (migration 0009), under an id from gen_random_uuid(),
# the server's strong random source, in the heap in that id's order. (SQLite: storage/staged_seal.py.)
_SEAL_COPY = text(
    "INSERT INTO sealed_ballots (question_id, id, answer, tally) "
    "SELECT question_id, CAST(gen_random_uuid() AS TEXT) AS id, answer, tally FROM ("
    " SELECT b.question_id, b.answer, count(*) AS tally FROM ballots b"
    " JOIN questions q ON q.id = b.question_id WHERE q.survey_id = :survey_id"
    " GROUP BY b.question_id, b.answer) AS tallies "
    "ORDER BY id"
)


RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 60.0


class Sealing(RepositoryBase):
    _staged: StagedSeal | None  # SQLite only
    _seal_retry: asyncio.Task[None] | None
    _scrubber: FileScrubber
    _writer: BallotWriter

    async def seal(self, survey_id: str) -> SealReport | None:
        postgres = self.dialect == "postgresql"
        async with self._writer.exclusive(), self.engine.begin() as conn:
            # The status flip comes first: it takes the row lock that submissions wait on.
            flipped = await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id, surveys.c.status != str(Status.CLOSED))
                .values(status=str(Status.CLOSED))
            )
            if flipped.rowcount != 1:
                return None
            seal_xid = await conn.scalar(text("SELECT txid_current()")) if postgres else None
            await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id)
                .values(
                    respondents_at_close=await count_rows(conn, responded, survey_id),
                    invited_at_close=await _invited(conn, survey_id),
                    # SQLite: the rest of the close is staged (storage/staged_seal.py). PostgreSQL
                    # seals here, and the scrub it owes is recorded until one completes.
                    seal_stage=SCRUBBING if postgres else COPYING,
                )
            )
            # -- core (issue 10, break 4): before the ballots lose their slots, settle what the final
            # output of a live survey may show, and erase the live per-ballot history.
            k = int(await conn.scalar(select(surveys.c.k).where(surveys.c.id == survey_id)) or 0)
            qids = list(await conn.scalars(select(questions.c.id).where(questions.c.survey_id == survey_id)))
            await freeze_at_close(conn, survey_id, qids, k, postgres)
            # Without the key salt no slot can be recomputed from a person, from this commit on.
            for table in (survey_keys, live):
                await conn.execute(delete(table).where(table.c.survey_id == survey_id))
            prefix = SURVEY_STATE_PREFIX.format(survey_id=survey_id)
            await conn.execute(delete(state).where(state.c.key.startswith(prefix, autoescape=True)))
            if postgres:
                await _seal_in_place(conn, survey_id)
        if self._staged is not None:
            try:
                await self._staged.finish(survey_id)
            except Exception as error:  # the close stands: its deletes are finished later
                # Rule 4: say so loudly and keep trying in this process, not only at the next start.
                log.error(
                    "close: survey %s is closed, but its slots and roster are not all deleted yet (%s); "
                    "retrying in the background",
                    survey_id,
                    type(error).__name__,
                )
                self._finish_later()
                return SealReport(False, "the close's deletes are not finished yet; retrying")
        return await self._scrub(int(seal_xid) if seal_xid is not None else None)

    async def _scrub(self, seal_xid: int | None = None, patient: bool = True) -> SealReport:
        """Scrub the files, then clear the scrub that every close recorded before it began: a scrub
        that completed leaves nothing that any earlier close deleted (SQLite: the WAL is empty and
        freed cells were zeroed; PostgreSQL: no session older than this close, so none older than
        the earlier ones). One that did not complete is reported loudly by the scrubber and stays
        recorded, for the next close or the next start. `patient=False` (at start-up): one attempt,
        and no table rewrite while a session still holds the old rows, which would only copy them
        into the new files and the WAL again."""
        owed = await self._owed_scrubs()
        report = await self._scrubber.scrub(seal_xid, patient=patient)
        if report.physically_clean and owed:
            try:
                if self._staged is not None:
                    await self._staged.scrubbed(owed)
                else:
                    async with self.engine.begin() as conn:
                        await conn.execute(
                            update(surveys)
                            .where(surveys.c.id.in_(owed), surveys.c.seal_stage == SCRUBBING)
                            .values(seal_stage=0)
                        )
            except Exception as error:  # the close stands; the mark only makes the next start scrub again
                log.warning("close: the completed scrub could not be recorded (%s)", type(error).__name__)
        return report

    async def finish_interrupted_seals(self) -> list[str]:
        """Take up the closes an earlier run (or a failure in this one) left unfinished: on SQLite the
        staged deletes, then on both databases the scrub they owe. Called at start-up and by the
        retry of a failed staged close; returns the ids taken up."""
        unfinished = select(surveys.c.id).where(surveys.c.seal_stage != 0).order_by(surveys.c.id)
        async with self.reader.connect() as conn:
            left = list(await conn.scalars(unfinished))
        if not left:
            return []
        if self._staged is not None:
            for survey_id in left:
                await self._staged.finish(survey_id)  # a close owing only its scrub returns at once
        await self._scrub(patient=False)
        return left

    def _finish_later(self) -> None:
        if self._seal_retry is None or self._seal_retry.done():
            self._seal_retry = asyncio.create_task(self._retry_seals(), name="finish-interrupted-seals")

    async def _retry_seals(self) -> None:
        """Finish the staged closes left part way, with backoff, until none is left (or dispose)."""
        delay = RETRY_FIRST_SECONDS
        while True:
            await asyncio.sleep(delay)
            try:
                await self.finish_interrupted_seals()
                return
            except Exception as error:  # a lasting fault (a full disk) must not end the retries
                log.error("close: finishing an interrupted close failed again (%s)", type(error).__name__)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def stop_retrying(self) -> None:
        if self._seal_retry is not None:
            self._seal_retry.cancel()
            await asyncio.gather(self._seal_retry, return_exceptions=True)

    async def _owed_scrubs(self) -> list[str]:
        """The closes whose scrub has not completed yet (seal_stage 3), as recorded in the database."""
        async with self.reader.connect() as conn:
            return list(await conn.scalars(select(surveys.c.id).where(surveys.c.seal_stage == SCRUBBING)))

    async def scrub_pending(self) -> SealReport | None:
        """Scrub again if a close's scrub did not complete; None if nothing waits."""
        if not await self._owed_scrubs():
            return None
        return await self._scrub()

    async def checkpointed(self) -> None:
        """Wait until the CHECKPOINT that follows a PostgreSQL close has run."""
        await self._scrubber.checkpointed()


async def _seal_in_place(conn: AsyncConnection, survey_id: str) -> None:
    """PostgreSQL: the rest of the close in the same transaction. Row locks keep other surveys' votes
    going meanwhile, and VACUUM FULL after it is bounded by the scrubber's lock_timeout."""
    # The tallies, in one statement inside the database (no row crosses into Python, so a big close
    # neither holds the event loop nor copies twice): one row per answer, so neither the ids, the row
    # order nor xmin/ctid can reveal the order of voting or whose answers go together.
    await conn.execute(_SEAL_COPY, {"survey_id": survey_id})
    question_ids = select(questions.c.id).where(questions.c.survey_id == survey_id).scalar_subquery()
    await conn.execute(delete(ballots).where(ballots.c.question_id.in_(question_ids)))
    for table in PER_SURVEY_TABLES:
        await conn.execute(delete(table).where(table.c.survey_id == survey_id))


async def _invited(conn: AsyncConnection, survey_id: str) -> int:
    """Who was invited, as the survey counts its respondents: persons, or delegations."""
    by_delegation = await conn.scalar(select(surveys.c.by_delegation).where(surveys.c.id == survey_id))
    if not by_delegation:
        return await count_rows(conn, roster, survey_id)
    names = select(delegation_members.c.delegation).where(delegation_members.c.survey_id == survey_id).distinct()
    return int(await conn.scalar(select(func.count()).select_from(names.subquery())) or 0)
