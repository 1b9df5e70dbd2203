"""SQLite: the close of a survey in short transactions, so a big close never holds the file's only
write lock for long (issue 15: other surveys' votes wait for whoever holds it).

In one transaction (storage/sealing.py) the close flips the survey to closed, counts, freezes the live
output, deletes the key salt (from then on no slot can be recomputed from a person) and the adapter
state, and sets `seal_stage = 1`. From then on no vote, draft or state write for the survey can commit,
so its ballots no longer change. Then, on two connections of its own, each in its own thread:

1. At once, side by side on the machine's cores:
   - the tally: in a read transaction, which takes no write lock, the ballots are counted per
     (question, answer) into a TEMP table held in memory (temp_store=MEMORY): never in a database file;
   - the markers, drafts, roster and a live survey's per-ballot publication history are deleted in
     ranges of at most CHUNK_ROWS rows of the primary key, one transaction each, with a pause between
     them in which a waiting vote takes the lock.
2. One transaction writes the tallies to `sealed_ballots`, one row per answer under a fresh random id
   (migration 0009), and sets `seal_stage = 2`, only if it is still 1: of two processes finishing the
   same close, one writes them. While the stage is 1, results count the ballots themselves, which are
   complete and unchanging (storage/answers.py).
3. The ballots (the slots) are deleted in ranges as above.
4. `seal_stage = 3`; then the files are scrubbed (storage/scrub.py), and only a scrub that completed
   sets it to 0 (storage/sealing.py), so a scrub that failed or never ran is taken up again.

A process that stops part way leaves the stage set, and `finish_interrupted_seals` (called at start-up by
bot/bootstrap.py) takes it up again: stage 1 counts and deletes again (nothing was sealed), stage 2
goes on deleting. What is left meanwhile is what the one-transaction close left until it committed,
minus the key salt: slots and ballots without any way to tie them to a person.

Both connections run with foreign keys off: they only delete rows of tables whose foreign keys point
at `surveys` (a child's delete can break no constraint, and nothing cascades), and they insert sealed
rows, which have none. With foreign keys on, SQLite gives up its one-pass delete on such a table: it
first collects every key to delete into a temporary index, then deletes (EXPLAIN: 32 steps against
15), which made each table's delete three to four times slower.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from storage.base import ballots, drafts, responded, roster
from storage.delegations import members as delegation_members
from storage.eligibility import eligible
from storage.live_store import published
from storage.write_thread import WriteThread

log = logging.getLogger(__name__)

CHUNK_ROWS = 25_000  # 20-50 ms a chunk on the benchmark machine, under the others' votes
PAUSE_SECONDS = 0.002  # the ballot writer polls the lock every millisecond (storage/write_thread.py)
# Where a close stands, in `surveys.seal_stage`. SCRUBBING (both databases): everything is deleted
# but the files are not known to be scrubbed yet; storage/sealing.py clears it after a clean scrub.
COPYING, DELETING, SCRUBBING, DONE = 1, 2, 3, 0

# Deleted in stage 1, each by its primary key after `survey_id`, and the live history per question;
# the ballots, per question by slot, in stage 3 (stage 3 deletes these too, in case a close stopped
# by an earlier version left some).
SURVEY_TABLES = (responded, drafts, roster, eligible, delegation_members)

_TALLY = (
    "CREATE TEMP TABLE seal_tallies AS SELECT b.question_id, b.answer, count(*) AS tally FROM ballots b"
    " JOIN questions q ON q.id = b.question_id WHERE q.survey_id = ?"
    " GROUP BY b.question_id, b.answer ORDER BY b.question_id, b.answer"
)
# SQLite's randomblob() draws from its CSPRNG, seeded by the OS. The rows go in in key order.
_COPY = (
    "INSERT INTO sealed_ballots (question_id, id, answer, tally) "
    "SELECT question_id, hex(randomblob(16)), answer, tally FROM temp.seal_tallies ORDER BY rowid"
)
_PRAGMAS = ("cache_size=-65536", "temp_store=MEMORY", "foreign_keys=OFF")


class StagedSeal:
    def __init__(self, url: str) -> None:
        # A page cache big enough for a large close's working set, and TEMP tables in memory, never on disk.
        self._deleter = WriteThread(url, "sqlite-sealer", _PRAGMAS)
        self._tallier = WriteThread(url, "sqlite-tallier", _PRAGMAS)
        self._one_at_a_time = asyncio.Lock()  # one TEMP table, one close

    async def finish(self, survey_id: str) -> None:
        """Take the survey's close from the stage it is at to the end (before the scrub)."""
        async with self._one_at_a_time:
            if await self._tallier.read(_stage, survey_id) == COPYING:
                try:
                    done = await asyncio.gather(
                        self._tallier.read(_tally, survey_id),
                        self._delete_survey_rows(survey_id),
                        return_exceptions=True,  # both finish before either's error goes on
                    )
                    errors = [outcome for outcome in done if isinstance(outcome, BaseException)]
                    for later in errors[1:]:  # the first is raised; the other must not vanish
                        log.error("close: survey %s: stage 1 also failed (%s)", survey_id, type(later).__name__)
                    if errors:
                        raise errors[0]
                    await self._tallier.transaction(_copy, survey_id)
                finally:
                    await self._tallier.read(_forget_tally, None)
            if await self._deleter.read(_stage, survey_id) != DELETING:
                return
            for question_id in await self._deleter.read(_question_ids, survey_id):
                await self._delete(ballots, "question_id", question_id)
            await self._delete_survey_rows(survey_id)
            await self._deleter.transaction(_done, survey_id)

    async def scrubbed(self, survey_ids: list[str]) -> None:
        """Clear the scrub these closes owed, on the close's own connection: its thread polls the lock
        every millisecond, where the engine's busy handler sleeps up to 100 ms behind the votes."""
        await self._deleter.transaction(_scrubbed, survey_ids)

    async def dispose(self) -> None:
        try:
            await self._deleter.dispose()
        finally:
            await self._tallier.dispose()

    async def _delete_survey_rows(self, survey_id: str) -> None:
        for table in SURVEY_TABLES:
            await self._delete(table, "survey_id", survey_id)
        for question_id in await self._deleter.read(_question_ids, survey_id):
            await self._delete(published, "question_id", question_id)

    async def _delete(self, table: Any, scope: str, value: str) -> None:
        rest = tuple(c.name for c in table.primary_key.columns if c.name != scope)
        more = True
        while more:
            more = await self._deleter.transaction(_delete_chunk, (table.name, scope, rest, value))
            if more:  # a pause in which a waiting vote takes the lock
                await asyncio.sleep(PAUSE_SECONDS)


def _stage(conn: sqlite3.Connection, survey_id: str) -> int:
    row = conn.execute("SELECT seal_stage FROM surveys WHERE id = ?", (survey_id,)).fetchone()
    return DONE if row is None else int(row[0])


def _question_ids(conn: sqlite3.Connection, survey_id: str) -> list[str]:
    return [qid for (qid,) in conn.execute("SELECT id FROM questions WHERE survey_id = ? ORDER BY id", (survey_id,))]


def _tally(conn: sqlite3.Connection, survey_id: str) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.seal_tallies")
    conn.execute(_TALLY, (survey_id,))


def _forget_tally(conn: sqlite3.Connection, _arg: None) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.seal_tallies")


def _copy(conn: sqlite3.Connection, survey_id: str) -> None:
    moved = conn.execute(
        "UPDATE surveys SET seal_stage = ? WHERE id = ? AND seal_stage = ?", (DELETING, survey_id, COPYING)
    ).rowcount
    if moved == 1:  # else another process wrote them first
        conn.execute(_COPY)


def _done(conn: sqlite3.Connection, survey_id: str) -> None:
    conn.execute("UPDATE surveys SET seal_stage = ? WHERE id = ?", (SCRUBBING, survey_id))


def _scrubbed(conn: sqlite3.Connection, survey_ids: list[str]) -> None:
    conn.executemany(
        "UPDATE surveys SET seal_stage = ? WHERE id = ? AND seal_stage = ?", [(DONE, i, SCRUBBING) for i in survey_ids]
    )


def _delete_chunk(conn: sqlite3.Connection, job: tuple[str, str, tuple[str, ...], str]) -> bool:
    """Delete the first CHUNK_ROWS rows of the scope, as one range of the primary key; True if more
    may be left. Names come from the table definitions above, never from input."""
    table, scope, rest, value = job
    columns = ", ".join(rest)
    bound = conn.execute(
        f"SELECT {columns} FROM {table} WHERE {scope} = ? ORDER BY {columns} LIMIT 1 OFFSET ?",
        (value, CHUNK_ROWS - 1),
    ).fetchone()
    if bound is None:
        conn.execute(f"DELETE FROM {table} WHERE {scope} = ?", (value,))
        return False
    placeholders = ", ".join("?" * len(rest))
    conn.execute(f"DELETE FROM {table} WHERE {scope} = ? AND ({columns}) <= ({placeholders})", (value, *bound))
    return True
