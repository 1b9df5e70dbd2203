"""Close: seal a survey (rule 4) and scrub the database files of what it deleted."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import delete, insert, select, text, update

from bot.domain import Status
from storage.base import (
    RepositoryBase,
    ballots,
    count_rows,
    drafts,
    live,
    questions,
    responded,
    roster,
    sealed,
    surveys,
)

# Tables that held slots or participant ids, rewritten into fresh files after a close on PostgreSQL.
SCRUBBED_TABLES = ("ballots", "responded", "drafts", "roster")


class Sealing(RepositoryBase):
    async def seal(self, survey_id: str) -> bool:
        async with self.engine.begin() as conn:
            # The status flip comes first: it takes the row lock that submissions wait on.
            flipped = await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id, surveys.c.status != str(Status.CLOSED))
                .values(status=str(Status.CLOSED), key_salt=None)
            )
            if flipped.rowcount != 1:
                return False
            await conn.execute(
                update(surveys)
                .where(surveys.c.id == survey_id)
                .values(
                    respondents_at_close=await count_rows(conn, responded, survey_id),
                    invited_at_close=await count_rows(conn, roster, survey_id),
                )
            )
            question_ids = select(questions.c.id).where(questions.c.survey_id == survey_id).scalar_subquery()
            rows = [
                {"question_id": qid, "answer": answer}
                for qid, answer in await conn.execute(
                    select(ballots.c.question_id, ballots.c.answer).where(ballots.c.question_id.in_(question_ids))
                )
            ]
            # Fresh random ids in a random order: neither reveals the order of voting.
            secrets.SystemRandom().shuffle(rows)
            for row in rows:
                row["id"] = str(uuid.uuid4())
            await conn.execute(delete(ballots).where(ballots.c.question_id.in_(question_ids)))
            if rows:
                await conn.execute(insert(sealed), rows)
            for table in (responded, drafts, roster, live):
                await conn.execute(delete(table).where(table.c.survey_id == survey_id))
        await self._scrub_files()
        return True

    async def _scrub_files(self) -> None:
        """Make sure the deleted slots and ids are gone from the files, not only from the live rows."""
        if self.dialect == "sqlite":
            async with self.engine.connect() as conn:
                raw = await conn.execution_options(no_transaction=True)
                # secure_delete zeroed the freed cells; truncating the WAL drops the old page images.
                await raw.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.dialect == "postgresql":
            # VACUUM FULL writes each table into a new file and drops the old one, with the dead tuples.
            async with self.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in SCRUBBED_TABLES:
                    await autocommit.execute(text(f"VACUUM FULL {table}"))
