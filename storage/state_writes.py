"""The state store's writes, group-committed (storage/group_commit.py) and applied in call order.

A plenary answering in hundreds of DMs at once marks hundreds of events seen and moves hundreds of
conversations on; one transaction for all that arrive together replaces one each. Deletes go through
the same queue, so a write called before a delete can never land after it. A per-survey key
(`survey:<id>:…`) is not written once its survey is closed: the seal deletes those keys, and a
write queued before the close must not bring one back (rule 4). The check reads the survey's row in
the writing transaction (FOR SHARE on PostgreSQL, so a concurrent seal waits for this commit and
then deletes what it wrote; SQLite serialises writers anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import Status
from storage.base import seen, state, surveys
from storage.group_commit import GroupCommit

SURVEY_ROOT = "survey:"


@dataclass(frozen=True)
class Sighting:
    event_id: str
    at: datetime


@dataclass(frozen=True)
class Set:
    key: str
    value: str


@dataclass(frozen=True)
class Delete:
    key: str
    prefix: bool = False  # every key starting with `key`


Write = Sighting | Set | Delete


def survey_of(key: str) -> str | None:
    if not key.startswith(SURVEY_ROOT):
        return None
    return key[len(SURVEY_ROOT) :].split(":", 1)[0]


class StateWrites:
    """Each write's outcome: a sighting, whether it was the event's first; a set, whether it was
    written; a delete, whether it deleted anything."""

    def __init__(self, engine: AsyncEngine, insert: Callable[..., Any]) -> None:
        self.engine = engine
        self._insert = insert
        self._postgres = engine.dialect.name == "postgresql"
        self._queue: GroupCommit[Write, bool] = GroupCommit(self._batch, "state-writer")

    async def submit(self, write: Write) -> bool:
        return await self._queue.submit(write)

    async def _batch(self, writes: list[Write]) -> list[bool]:
        async with self.engine.begin() as conn:
            new = await self._sight(conn, [w for w in writes if isinstance(w, Sighting)])
            closed = await self._closed(conn, {survey_of(w.key) for w in writes if isinstance(w, Set)} - {None})
            outcomes: list[bool] = []
            pending: dict[str, str] = {}  # sets since the last delete; the last set of a key wins
            for write in writes:
                if isinstance(write, Sighting):
                    outcomes.append(write.event_id in new)
                    new.discard(write.event_id)  # the same event twice in a batch: only the first is first
                elif isinstance(write, Set):
                    kept = survey_of(write.key) not in closed
                    if kept:
                        pending[write.key] = write.value
                    outcomes.append(kept)
                else:
                    await self._set(conn, pending)
                    pending = {}
                    outcomes.append(await self._delete(conn, write))
            await self._set(conn, pending)
        return outcomes

    async def _sight(self, conn: AsyncConnection, sightings: list[Sighting]) -> set[str]:
        if not sightings:
            return set()
        ids = list(dict.fromkeys(s.event_id for s in sightings))
        result = await conn.execute(
            self._insert(seen)
            .values([{"event_id": event_id, "seen_at": sightings[0].at} for event_id in ids])
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(seen.c.event_id)
        )
        return {event_id for (event_id,) in result}

    async def _closed(self, conn: AsyncConnection, survey_ids: set[str | None]) -> set[str]:
        if not survey_ids:
            return set()
        query = select(surveys.c.id, surveys.c.status).where(surveys.c.id.in_(survey_ids))
        if self._postgres:
            query = query.with_for_update(read=True, of=surveys)
        return {sid for sid, status in await conn.execute(query) if status == str(Status.CLOSED)}

    async def _set(self, conn: AsyncConnection, values: dict[str, str]) -> None:
        if values:
            stmt = self._insert(state)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}),
                [{"key": key, "value": value} for key, value in values.items()],
            )

    async def _delete(self, conn: AsyncConnection, write: Delete) -> bool:
        where = state.c.key.startswith(write.key, autoescape=True) if write.prefix else state.c.key == write.key
        return bool((await conn.execute(delete(state).where(where))).rowcount)
