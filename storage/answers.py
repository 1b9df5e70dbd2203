"""Answering: submissions, drafts, markers, counts, and the live-results snapshot."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Status
from bot.ports import BallotWrite, LiveSnapshot, SubmitOutcome
from storage.ballot_writer import BallotWriter, Submission
from storage.base import (
    RepositoryBase,
    ballots,
    count_rows,
    drafts,
    live,
    pairs_in,
    questions,
    responded,
    sealed,
    surveys,
)
from storage.staged_seal import COPYING


class Answering(RepositoryBase):
    _writer: BallotWriter

    async def _is_open(self, conn: AsyncConnection, survey_id: str) -> bool:
        query = select(surveys.c.status).where(surveys.c.id == survey_id)
        if self.dialect == "postgresql":
            # Holds off a concurrent close until this submission is committed, or sees it closed.
            query = query.with_for_update(read=True)
        return await conn.scalar(query) == str(Status.OPEN)

    async def submit(
        self,
        survey_id: str,
        ballots_: Sequence[BallotWrite],
        marker_slot: bytes,
        draft_slot: bytes | None,
        count_live: bool = False,
    ) -> SubmitOutcome:
        return await self._writer.submit(Submission(survey_id, ballots_, marker_slot, draft_slot, count_live))

    async def save_draft(self, survey_id: str, draft_slot: bytes, payload: str) -> int | None:
        """Store a draft; its new version (counting every save, atomically), or None if not open."""
        async with self.engine.begin() as conn:
            if not await self._is_open(conn, survey_id):
                return None
            stmt = self._insert(drafts).values(survey_id=survey_id, slot=draft_slot, payload=payload, version=1)
            version = await conn.scalar(
                stmt.on_conflict_do_update(
                    index_elements=["survey_id", "slot"],
                    set_={"payload": payload, "version": drafts.c.version + 1},
                ).returning(drafts.c.version)
            )
            return int(version or 1)

    async def load_draft(self, survey_id: str, draft_slot: bytes) -> tuple[str, int] | None:
        """A draft's payload and version."""
        async with self.reader.connect() as conn:
            row = (
                await conn.execute(
                    select(drafts.c.payload, drafts.c.version).where(
                        drafts.c.survey_id == survey_id, drafts.c.slot == draft_slot
                    )
                )
            ).first()
        return None if row is None else (row.payload, int(row.version))

    async def own_ballots(self, survey_id: str, keys: Sequence[tuple[str, bytes]]) -> dict[str, str]:
        """The answers stored under these (question_id, slot) pairs, while the survey is open: one
        participant's own ballot, read for a prefill. Nothing is written; after close slots are gone."""
        if not keys:
            return {}
        async with self.reader.connect() as conn:
            status = await conn.scalar(select(surveys.c.status).where(surveys.c.id == survey_id))
            if status != str(Status.OPEN):
                return {}
            rows = await conn.execute(
                select(ballots.c.question_id, ballots.c.answer).where(
                    pairs_in(ballots.c.question_id, ballots.c.slot, keys)
                )
            )
            return {str(qid): str(answer) for qid, answer in rows}

    async def responded_slots(self, survey_id: str) -> set[bytes]:
        async with self.reader.connect() as conn:
            rows = await conn.execute(select(responded.c.slot).where(responded.c.survey_id == survey_id))
            return {bytes(slot) for (slot,) in rows}

    async def respondent_count(self, survey_id: str) -> int:
        async with self.reader.connect() as conn:
            return await count_rows(conn, responded, survey_id)

    async def answer_counts(self, question_id: str, sealed_: bool) -> list[tuple[str, int]]:
        async with self.reader.connect() as conn:  # one snapshot for both reads
            # A staged SQLite close that has not copied the ballots yet (storage/staged_seal.py): they
            # are still all there, and no longer change.
            table = sealed if sealed_ and await _seal_stage(conn, question_id) != COPYING else ballots
            count = func.sum(sealed.c.tally) if table is sealed else func.count()  # sealed rows are tallies
            rows = await conn.execute(
                select(table.c.answer, count).where(table.c.question_id == question_id).group_by(table.c.answer)
            )
            return [(answer, int(count)) for answer, count in rows]

    async def live_snapshot(self, survey_id: str) -> LiveSnapshot | None:
        async with self.reader.connect() as conn:
            query = select(live.c.payload, live.c.submissions_since).where(live.c.survey_id == survey_id)
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return LiveSnapshot(row.payload, row.submissions_since)

    async def store_live_snapshot(self, survey_id: str, payload: str, consumed: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(live)
                .where(live.c.survey_id == survey_id)
                .values(payload=payload, submissions_since=live.c.submissions_since - consumed)
            )


async def _seal_stage(conn: AsyncConnection, question_id: str) -> int:
    query = select(surveys.c.seal_stage).join(questions, questions.c.survey_id == surveys.c.id)
    return int(await conn.scalar(query.where(questions.c.id == question_id)) or 0)
