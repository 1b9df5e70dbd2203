"""Close: seal a survey (rule 4), then scrub the database files of what the seal deleted."""

from __future__ import annotations

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


# PostgreSQL: gen_random_uuid() draws from the server's strong random source, and the rows go into
# the heap sorted by it. SQLite: a UUIDv4-shaped id from randomblob() (SQLite's CSPRNG, seeded by
# the OS); sealed_ballots is WITHOUT ROWID, so its storage order is that random id's.
_SEAL_COPY = {
    True: text(
        "INSERT INTO sealed_ballots (id, question_id, answer) "
        "SELECT id, question_id, answer FROM ("
        " SELECT CAST(gen_random_uuid() AS TEXT) AS id, b.question_id, b.answer FROM ballots b"
        " JOIN questions q ON q.id = b.question_id WHERE q.survey_id = :survey_id) AS fresh "
        "ORDER BY id"
    ),
    False: text(
        "INSERT INTO sealed_ballots (id, question_id, answer) "
        "SELECT lower(printf('%s-%s-4%s-%s%s-%s', hex(randomblob(4)), hex(randomblob(2)),"
        " substr(hex(randomblob(2)), 2), substr('89ab', 1 + (random() & 3), 1),"
        " substr(hex(randomblob(2)), 2), hex(randomblob(6)))), b.question_id, b.answer "
        "FROM ballots b JOIN questions q ON q.id = b.question_id WHERE q.survey_id = :survey_id"
    ),
}


class Sealing(RepositoryBase):
    _scrubber: FileScrubber
    _scrub_pending: bool
    _writer: BallotWriter

    async def seal(self, survey_id: str) -> SealReport | None:
        async with self._writer.exclusive(), self.engine.begin() as conn:
            # The status flip comes first: it takes the row lock that submissions wait on.
            flipped = await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id, surveys.c.status != str(Status.CLOSED))
                .values(status=str(Status.CLOSED))
            )
            if flipped.rowcount != 1:
                return None
            seal_xid = await conn.scalar(text("SELECT txid_current()")) if self.dialect == "postgresql" else None
            await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id)
                .values(
                    respondents_at_close=await count_rows(conn, responded, survey_id),
                    invited_at_close=await _invited(conn, survey_id),
                )
            )
            question_ids = select(questions.c.id).where(questions.c.survey_id == survey_id).scalar_subquery()
            # -- core (issue 10, break 4): before the ballots lose their slots, settle what the final
            # output of a live survey may show, and erase the live per-ballot history.
            k = int(await conn.scalar(select(surveys.c.k).where(surveys.c.id == survey_id)) or 0)
            qids = list(await conn.scalars(select(questions.c.id).where(questions.c.survey_id == survey_id)))
            await freeze_at_close(conn, survey_id, qids, k, self.dialect == "postgresql")
            # Fresh random ids in a random order, in one statement inside the database (no row crosses
            # into Python, so a big close neither holds the event loop nor copies twice): neither the
            # ids, the row order nor PostgreSQL's xmin/ctid reveal the order of voting or whose answers
            # go together.
            await conn.execute(_SEAL_COPY[self.dialect == "postgresql"], {"survey_id": survey_id})
            await conn.execute(delete(ballots).where(ballots.c.question_id.in_(question_ids)))
            for table in PER_SURVEY_TABLES:
                await conn.execute(delete(table).where(table.c.survey_id == survey_id))
            prefix = SURVEY_STATE_PREFIX.format(survey_id=survey_id)
            await conn.execute(delete(state).where(state.c.key.startswith(prefix, autoescape=True)))
        report = await self._scrubber.scrub(int(seal_xid) if seal_xid is not None else None)
        self._scrub_pending = not report.physically_clean
        return report

    async def scrub_pending(self) -> SealReport | None:
        """Scrub again if the last close could not finish (for a periodic sweep); None if nothing waits."""
        if not self._scrub_pending:
            return None
        report = await self._scrubber.scrub()
        self._scrub_pending = not report.physically_clean
        return report

    async def checkpointed(self) -> None:
        """Wait until the CHECKPOINT that follows a PostgreSQL close has run."""
        await self._scrubber.checkpointed()


async def _invited(conn: AsyncConnection, survey_id: str) -> int:
    """Who was invited, as the survey counts its respondents: persons, or delegations."""
    by_delegation = await conn.scalar(select(surveys.c.by_delegation).where(surveys.c.id == survey_id))
    if not by_delegation:
        return await count_rows(conn, roster, survey_id)
    names = select(delegation_members.c.delegation).where(delegation_members.c.survey_id == survey_id).distinct()
    return int(await conn.scalar(select(func.count()).select_from(names.subquery())) or 0)
