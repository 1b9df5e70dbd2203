"""`bot.ports.StateStore` on SQL: adapters' small key/value state and handled event ids."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.base import seen, state, to_db_time


class SqlStateStore:
    """`bot.ports.StateStore` on the same database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def get_state(self, key: str) -> str | None:
        async with self.engine.connect() as conn:
            value: str | None = await conn.scalar(select(state.c.value).where(state.c.key == key))
            return value

    async def set_state(self, key: str, value: str) -> None:
        async with self.engine.begin() as conn:
            stmt = self._insert(state).values(key=key, value=value)
            await conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    async def first_sighting(self, event_id: str) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                self._insert(seen)
                .values(event_id=event_id, seen_at=datetime.now(UTC))
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(seen.c.event_id)
            )
            return result.first() is not None

    async def has_seen(self, event_id: str) -> bool:
        async with self.engine.connect() as conn:
            return await conn.scalar(select(seen.c.event_id).where(seen.c.event_id == event_id)) is not None

    async def forget_before(self, moment: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(seen).where(seen.c.seen_at < to_db_time(moment)))
            return int(result.rowcount)
