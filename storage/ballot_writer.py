"""Group commit for submissions (storage/group_commit.py): a plenary voting at once costs a handful of
transactions instead of hundreds, and a vote is acknowledged only after its transaction commits.

The transaction is synchronous code over either connection kind (its statements are in
storage/ballot_sql.py): on SQLite a sqlite3 connection in one trip to the writer thread
(storage/write_thread.py), on PostgreSQL SQLAlchemy's, through `run_sync` on the async connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import BallotWrite, SubmitOutcome
from storage.ballot_sql import BallotSql, CoreBallotSql, SqliteBallotSql
from storage.group_commit import GroupCommit
from storage.write_thread import WriteThread

MAX_BATCH = 200


@dataclass
class Submission:
    survey_id: str
    ballots: Sequence[BallotWrite]
    marker_slot: bytes
    draft_slot: bytes | None
    count_live: bool


class BallotWriter:
    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]) -> None:
        self.engine = engine
        self._sql: BallotSql = SqliteBallotSql() if engine.dialect.name == "sqlite" else CoreBallotSql(insert)
        self._thread = (
            WriteThread(engine.url.render_as_string(hide_password=False)) if engine.dialect.name == "sqlite" else None
        )
        self._pg_commits = 0
        self._group: GroupCommit[Submission, SubmitOutcome] = GroupCommit(self._transaction, "ballot-writer", MAX_BATCH)

    @property
    def commits(self) -> int:
        """Batch transactions committed so far (tests count them)."""
        return self._thread.commits if self._thread is not None else self._pg_commits

    async def dispose(self) -> None:
        if self._thread is not None:
            await self._thread.dispose()

    async def _transaction(self, batch: list[Submission]) -> list[SubmitOutcome]:
        if self._thread is not None:
            return await self._thread.transaction(self._write, batch)
        async with self.engine.begin() as conn:
            outcomes = await conn.run_sync(self._write, batch)
        self._pg_commits += 1
        return outcomes

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """SQLite: no vote batch is written meanwhile (they wait in memory, in order). The seal takes
        this: its connection waits for the write lock in SQLite's busy handler, whose sleeps grow to
        100 ms, and a stream of back-to-back batches on the writer thread could keep it from ever
        finding the lock free. PostgreSQL: nothing (its row locks keep other surveys' votes going)."""
        if self._thread is None:
            yield
            return
        async with self._group.gate:
            yield

    async def submit(self, submission: Submission) -> SubmitOutcome:
        return await self._group.submit(submission)

    def _open_and_invited(self, conn: Any, batch: list[Submission]) -> tuple[set[str], set[tuple[str, bytes]]]:
        """The batch's open surveys and which of its voters are on their rosters, in one statement
        (storage/ballot_sql.py), read inside the transaction that writes, so both hold at commit."""
        keys = list({(s.survey_id, s.marker_slot) for s in batch})
        open_ids: set[str] = set()
        invited: set[tuple[str, bytes]] = set()
        for survey_id, slot in self._sql.open_and_invited(conn, keys):
            open_ids.add(survey_id)
            if slot is not None:
                invited.add((survey_id, slot))
        return open_ids, invited

    def _write(self, conn: Any, batch: list[Submission]) -> list[SubmitOutcome]:
        # Only the roster answers: its slots were stored at open, so no id is needed here (break 3).
        open_ids, invited = self._open_and_invited(conn, batch)
        accepted = [s for s in batch if (s.survey_id, s.marker_slot) in invited]
        # Later submissions in the batch win, as they would have one transaction later.
        latest: dict[tuple[str, bytes], str | None] = {}
        for submission in accepted:
            for b in submission.ballots:
                latest[(b.question_id, b.slot)] = b.answer
        upserts = [(qid, slot, answer) for (qid, slot), answer in latest.items() if answer is not None]
        if upserts:
            self._sql.upsert_ballots(conn, upserts)
        cleared = [key for key, answer in latest.items() if answer is None]
        if cleared:
            self._sql.clear_ballots(conn, cleared)
        new_markers = self._mark_responded(conn, accepted)
        live_since = self._count_live(conn, accepted)
        draft_keys = {(s.survey_id, s.draft_slot) for s in accepted if s.draft_slot is not None}
        if draft_keys:
            self._sql.delete_drafts(conn, list(draft_keys))
        outcomes = []
        claimed: set[tuple[str, bytes]] = set()
        for submission in batch:
            if submission.survey_id not in open_ids:
                outcomes.append(SubmitOutcome(accepted=False, new_respondent=False))
                continue
            key = (submission.survey_id, submission.marker_slot)
            if key not in invited:
                outcomes.append(SubmitOutcome(accepted=False, new_respondent=False, invited=False))
                continue
            new = key in new_markers and key not in claimed
            claimed.add(key)
            outcomes.append(SubmitOutcome(True, new, live_since.get(submission.survey_id)))
        return outcomes

    def _mark_responded(self, conn: Any, accepted: list[Submission]) -> set[tuple[str, bytes]]:
        markers = list({(s.survey_id, s.marker_slot) for s in accepted})
        if not markers:
            return set()
        return self._sql.mark_responded(conn, markers)

    def _count_live(self, conn: Any, accepted: list[Submission]) -> dict[str, int]:
        """Count the batch's submissions to each live survey (new or changed answers alike) and return
        the counters. Only a hint of when a refresh may publish: what may be published is decided by
        storage/live_store.py, so counting a change of mind here cannot leak it."""
        counts: dict[str, int] = {}
        for submission in accepted:
            if submission.count_live:
                counts[submission.survey_id] = counts.get(submission.survey_id, 0) + 1
        return {survey_id: self._sql.count_live(conn, survey_id, added) for survey_id, added in counts.items()}
