"""Who may answer an open survey: the roster as responded-marker HMAC slots (issue 10, break 3).

The set is written when the survey opens and whenever its roster grows, and the submit transaction
checks a voter's slot against it, so the check never needs a stored id. It is deleted at close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import Participant, Status
from storage.base import pairs_in
from storage.tables import EligibleRow, RosterRow, SurveyRow

eligible = EligibleRow.__table__  # type: ignore[attr-defined]
roster = RosterRow.__table__  # type: ignore[attr-defined]
surveys = SurveyRow.__table__  # type: ignore[attr-defined]


class _ClosedMeanwhile(Exception):
    """Rolls back an invitation that a close overtook."""


async def eligible_keys(conn: AsyncConnection, keys: Iterable[tuple[str, bytes]]) -> set[tuple[str, bytes]]:
    """Which of these (survey id, marker slot) pairs may answer, read inside the caller's transaction."""
    wanted = list(set(keys))
    if not wanted:
        return set()
    rows = await conn.execute(
        select(eligible.c.survey_id, eligible.c.slot).where(pairs_in(eligible.c.survey_id, eligible.c.slot, wanted))
    )
    return {(sid, bytes(slot)) for sid, slot in rows}


async def delete_for(conn: AsyncConnection, survey_id: str) -> None:
    await conn.execute(delete(eligible).where(eligible.c.survey_id == survey_id))


class EligibilityStore:
    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]) -> None:
        self.engine = engine
        self._insert = insert

    async def set_eligible(self, survey_id: str, slots: Sequence[bytes]) -> None:
        async with self.engine.begin() as conn:
            await delete_for(conn, survey_id)
            if slots:
                await conn.execute(
                    self._insert(eligible)
                    .values([{"survey_id": survey_id, "slot": s} for s in set(slots)])
                    .on_conflict_do_nothing(index_elements=["survey_id", "slot"])
                )

    async def add_to_roster(self, survey_id: str, people: Sequence[tuple[Participant, bytes]]) -> int | None:
        """Invite more people to an open survey: roster rows and eligibility in one transaction.
        Returns how many were new to the roster, or None (and stores nothing) if the survey was
        closed meanwhile: rows written after the seal would keep their ids past the close."""
        if not people:
            return 0
        try:
            return await self._add(survey_id, people)
        except _ClosedMeanwhile:
            return None

    async def _add(self, survey_id: str, people: Sequence[tuple[Participant, bytes]]) -> int:
        async with self.engine.begin() as conn:
            added = await conn.execute(
                self._insert(roster)
                .values([{"survey_id": survey_id, "platform": p.platform, "user_id": p.user_id} for p, _ in people])
                .on_conflict_do_nothing(index_elements=["survey_id", "platform", "user_id"])
                .returning(roster.c.user_id)
            )
            new = len(added.all())
            await conn.execute(
                self._insert(eligible)
                .values([{"survey_id": survey_id, "slot": slot} for _, slot in people])
                .on_conflict_do_nothing(index_elements=["survey_id", "slot"])
            )
            # Read after writing: SQLite then holds the write lock, and PostgreSQL's share lock waits for
            # a close in progress, so a close cannot slip in between this check and the commit.
            status = select(surveys.c.status).where(surveys.c.id == survey_id)
            if self.engine.dialect.name == "postgresql":
                status = status.with_for_update(read=True)
            if await conn.scalar(status) != str(Status.OPEN):
                raise _ClosedMeanwhile
            return new

    async def is_eligible(self, survey_id: str, slot: bytes) -> bool:
        async with self.engine.connect() as conn:
            return bool(await eligible_keys(conn, [(survey_id, slot)]))
