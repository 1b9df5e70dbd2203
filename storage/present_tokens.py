"""`bot.present_ports.PresentTokenStore` in SQL: presenter-link hashes, looked up by primary key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.present_ports import PresentTokenRecord
from storage.repository import from_db_time, to_db_time
from storage.tables import PresentTokenRow

tokens = PresentTokenRow.__table__  # type: ignore[attr-defined]


class SqlPresentTokenStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, token_hash: bytes, survey_id: str, created_at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(tokens).values(token_hash=token_hash, survey_id=survey_id, created_at=to_db_time(created_at))
            )

    async def find(self, token_hash: bytes) -> PresentTokenRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(tokens).where(tokens.c.token_hash == token_hash))).first()
        if row is None:
            return None
        created = from_db_time(row.created_at)
        assert created is not None
        return PresentTokenRecord(bytes(row.token_hash), row.survey_id, created, from_db_time(row.revoked_at))

    async def revoke(self, survey_id: str, at: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(tokens)
                .where(tokens.c.survey_id == survey_id, tokens.c.revoked_at.is_(None))
                .values(revoked_at=to_db_time(at))
            )
        return int(result.rowcount or 0)
